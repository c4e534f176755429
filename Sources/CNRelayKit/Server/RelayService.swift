import Logging
import ServiceLifecycle
import UnixSignals

/// Runs a started relay under swift-service-lifecycle: SIGTERM and SIGINT trigger a
/// graceful shutdown (close sockets with 1001, flush the store, exit 0).
public struct RelayService: Service {
    let server: RelayServer

    public init(server: RelayServer) { self.server = server }

    public func run() async throws {
        try? await gracefulShutdown()
        await server.shutdown()
    }

    /// Runs `server` until SIGTERM or SIGINT.
    public static func runUntilSignalled(_ server: RelayServer, logger: Logger) async throws {
        let group = ServiceGroup(configuration: .init(
            services: [.init(service: RelayService(server: server))],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger))
        try await group.run()
    }
}
