import Foundation
import Logging
import NIOCore
import NIOPosix
import NIOHTTP1
import NIOWebSocket
import NIOSSL
import CNProtocol
import CNCrypto

/// The relay: one listening socket serving WebSocket, the website, `/healthz` and
/// `/metrics`, optionally behind TLS, on a single event loop.
public final class RelayServer: Sendable {
    public let configuration: RelayConfiguration
    private let group: MultiThreadedEventLoopGroup
    private let hub: RelayHub
    private let store: RelayStore
    private let logger: Logger
    private let channel: any Channel

    /// The bound port (useful with port 0).
    public var localPort: Int { channel.localAddress?.port ?? configuration.port }

    /// Opens the store, loads the state and binds the port. Throws ``RelayStartupError``.
    public static func start(_ config: RelayConfiguration, logger: Logger) async throws -> RelayServer {
        let secret = try RelaySecret.loadOrCreate(dataDirectory: config.dataDirectory)
        let tls = try config.tlsCertificatePath.map { cert -> NIOSSLContext in
            guard let key = config.tlsKeyPath else { throw RelayStartupError(.configuration, "--tls-cert needs --tls-key") }
            return try makeTLSContext(certificate: cert, key: key)
        }
        if config.tlsKeyPath != nil && tls == nil { throw RelayStartupError(.configuration, "--tls-key needs --tls-cert") }
        let site = try config.websiteDirectory.map { try Website(directory: $0) } ?? .placeholder
        let verifier = config.identityProviders.isEmpty ? nil : try IdentityTokenVerifier(providers: config.identityProviders, logger: logger)
        let store: RelayStore
        let state: StoredState
        do {
            store = try RelayStore(path: config.databasePath, logger: logger)
            state = try store.load(now: WallClock.seconds(), pendingRetention: ProtocolLimits.pendingRetentionDays * 86_400,
                                   mailboxTTL: config.mailboxTTL)
        } catch let error as RelayStartupError {
            throw error
        } catch {
            throw RelayStartupError(.io, "cannot open the store \(config.databasePath): \(error)")
        }

        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let loop = group.next()
        let metrics = RelayMetrics()
        let hub = RelayHub(loop: loop, config: config, store: store, state: state, secret: secret,
                           identityTokens: verifier, logger: logger, metrics: metrics)
        let started = Date()
        let health: @Sendable () -> String = {
            #"{"status":"ok","uptimeSeconds":\#(Int(Date().timeIntervalSince(started)))}"# + "\n"
        }
        let channel: any Channel
        do {
            channel = try await ServerBootstrap(group: group)
                .serverChannelOption(.backlog, value: 4096)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
                .childChannelOption(.writeBufferWaterMark, value: .init(low: config.maxOutboundBytes / 2, high: config.maxOutboundBytes))
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try configurePipeline(channel, hub: hub, tls: tls, site: site, metrics: config.metricsEnabled ? metrics : nil, health: health)
                    }
                }
                .bind(host: config.host, port: config.port)
                .get()
        } catch {
            try? await group.shutdownGracefully()
            throw RelayStartupError(.io, "cannot listen on \(config.host):\(config.port): \(error)")
        }
        try await loop.submit { hub.startTimers() }.get()
        let server = RelayServer(configuration: config, group: group, hub: hub, store: store, logger: logger, channel: channel)
        logger.info("listening", metadata: [
            "host": "\(config.host)", "port": "\(server.localPort)", "tls": "\(tls != nil)",
            "mailbox": "\(config.mailboxEnabled)", "identityProviders": "\(config.identityProviders.count)",
        ])
        return server
    }

    private init(configuration: RelayConfiguration, group: MultiThreadedEventLoopGroup, hub: RelayHub, store: RelayStore,
                 logger: Logger, channel: any Channel) {
        self.configuration = configuration
        self.group = group
        self.hub = hub
        self.store = store
        self.logger = logger
        self.channel = channel
    }

    /// Stops accepting, closes every socket with 1001, waits for queued store writes.
    public func shutdown() async {
        logger.info("shutting down")
        try? await channel.close()
        try? await hub.loop.submit { self.hub.shutdown() }.get()
        // Give the close frames a moment to leave before the loop stops.
        try? await Task.sleep(for: .milliseconds(100))
        await store.drain()
        try? await group.shutdownGracefully()
        logger.info("stopped")
    }

    /// Waits until the listening socket closes.
    public func waitUntilClosed() async {
        try? await channel.closeFuture.get()
    }

    private static func makeTLSContext(certificate: String, key: String) throws -> NIOSSLContext {
        do {
            let chain = try NIOSSLCertificate.fromPEMFile(certificate).map { NIOSSLCertificateSource.certificate($0) }
            let tls = TLSConfiguration.makeServerConfiguration(certificateChain: chain, privateKey: .file(key))
            return try NIOSSLContext(configuration: tls)
        } catch {
            throw RelayStartupError(.configuration, "cannot use the TLS certificate/key: \(error)")
        }
    }

    private static func configurePipeline(_ channel: any Channel, hub: RelayHub, tls: NIOSSLContext?, site: Website,
                                          metrics: RelayMetrics?, health: @escaping @Sendable () -> String) throws {
        let sync = channel.pipeline.syncOperations
        // Until the WebSocket upgrade, a socket that sends nothing for 30 s is closed (the
        // heartbeat only covers upgraded sockets).
        try sync.addHandler(IdleStateHandler(readTimeout: .seconds(hub.config.preUpgradeTimeout)))
        try sync.addHandler(CloseOnIdle())
        if let tls { try sync.addHandler(NIOSSLServerHandler(context: tls)) }
        let http = HTTPEndpointHandler(site: site, metrics: metrics, health: health)
        let upgrader = NIOWebSocketServerUpgrader(
            maxFrameSize: ProtocolLimits.maxFrameBytes,
            automaticErrorHandling: true,
            shouldUpgrade: { channel, _ in channel.eventLoop.makeSucceededFuture(HTTPHeaders()) },
            upgradePipelineHandler: { channel, _ in
                channel.eventLoop.makeCompletedFuture {
                    let sync = channel.pipeline.syncOperations
                    try sync.addHandler(NIOWebSocketFrameAggregator(
                        minNonFinalFragmentSize: 0, maxAccumulatedFrameCount: 4096,
                        maxAccumulatedFrameSize: ProtocolLimits.maxFrameBytes))
                    try sync.addHandler(RelaySocketHandler(hub: hub))
                }
            })
        try sync.configureHTTPServerPipeline(
            withServerUpgrade: (upgraders: [upgrader], completionHandler: { context in
                // Upgraded: plain HTTP and the pre-upgrade timeout are over for this socket.
                let sync = context.pipeline.syncOperations
                if let http = try? sync.handler(type: HTTPEndpointHandler.self) { sync.removeHandler(http, promise: nil) }
                if let idle = try? sync.handler(type: IdleStateHandler.self) { sync.removeHandler(idle, promise: nil) }
                if let close = try? sync.handler(type: CloseOnIdle.self) { sync.removeHandler(close, promise: nil) }
            }),
            withErrorHandling: true)
        try sync.addHandler(http)
    }
}

/// Closes a socket when `IdleStateHandler` reports it idle (before the WebSocket upgrade).
final class CloseOnIdle: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is IdleStateHandler.IdleStateEvent {
            context.close(promise: nil)
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }
}
