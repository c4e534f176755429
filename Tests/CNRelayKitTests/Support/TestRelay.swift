import Foundation
import Logging
import CNCrypto
import Crypto
@testable import CNRelayKit

/// A real relay on a loopback port with its own data directory, for one test.
final class TestRelay: @unchecked Sendable {
    let server: RelayServer
    let dataDirectory: String
    var port: Int { server.localPort }

    static let quietLogger = Logger(label: "test-relay", factory: { _ in SwiftLogNoOpLogHandler() })

    /// Starts a relay; `configure` adjusts the defaults (data directory and port are set here).
    static func start(dataDirectory: String? = nil, _ configure: (inout RelayConfiguration) -> Void = { _ in }) async throws -> TestRelay {
        var config = RelayConfiguration()
        config.host = "127.0.0.1"
        config.port = 0
        config.dataDirectory = dataDirectory ?? TestRelay.temporaryDirectory()
        configure(&config)
        let server = try await RelayServer.start(config, logger: quietLogger)
        return TestRelay(server: server, dataDirectory: config.dataDirectory)
    }

    private init(server: RelayServer, dataDirectory: String) {
        self.server = server
        self.dataDirectory = dataDirectory
    }

    static func temporaryDirectory() -> String {
        let path = NSTemporaryDirectory() + "cn-relay-test-" + UUID().uuidString
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// The relay's token authority (reads the same secret the relay uses).
    var tokens: SessionTokenAuthority {
        SessionTokenAuthority(secret: try! RelaySecret.loadOrCreate(dataDirectory: dataDirectory))
    }

    func token(_ email: String, days: Int = 30) -> String {
        tokens.mint(email: EmailAddress(email)!, days: days)
    }

    /// A client connected and logged in as `email`.
    func client(_ email: String, features: [String]? = ["ack"], identity: P256.KeyAgreement.PrivateKey = .init()) async throws -> TestClient {
        let c = try await TestClient.connect(port: port, identity: identity)
        try await c.login(token(email), features: features)
        return c
    }

    func stop() async {
        await server.shutdown()
    }
}
