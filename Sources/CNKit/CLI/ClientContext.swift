import Foundation
import NIOSSL
import CNProtocol
import CNCrypto
import CNStore
import CNClient

/// An opened account with its database, session service and (once connected) relay
/// client: what a client command works with.
public final class ClientContext: Sendable {
    public let options: ClientOptions
    public let account: Account
    private let opened = OpenedDatabase()
    /// The relay endpoint this run talks to.
    public let endpoint: RelayEndpoint
    /// The run promised not to use the network (`--offline`): ``connect()`` refuses.
    public let offline: Bool
    private let clientBox = LockedClient()

    /// Opens the account the options name (asking for its passphrase if it has one).
    /// Events (requests arriving, key changes) are written to stderr unless `-q`.
    public convenience init(_ options: ClientOptions, offline: Bool = false) throws {
        try self.init(options, account: try options.store.open(options.accountName, passphrase: options.passphrase.provider), offline: offline)
    }

    /// A context for an account already opened.
    public init(_ options: ClientOptions, account: Account, offline: Bool = false) throws {
        self.options = options
        self.offline = offline
        self.account = account
        let relay = options.relayOverride ?? account.relay
        self.endpoint = try Self.endpoint(relay, environment: options.environment)
    }

    /// The account database, opened on first use (a command that does not need it, such
    /// as `whoami --offline`, does not pay for it).
    public var database: AccountDatabase {
        get throws { try session.database }
    }

    /// The session service over the database; made on first use.
    public var session: SessionService {
        get throws { try opened.get(makeSession) }
    }

    private func makeSession() throws -> SessionService {
        let quiet = options.quiet
        return SessionService(account: account, database: try account.openDatabase()) { event in
            if !quiet { Output.diagnostic(["event": event]) }
        }
    }

    /// Connects and authenticates; returns once the relay's post-AUTH state is recorded.
    @discardableResult
    public func connect() async throws -> RelayClient {
        if let client = clientBox.client { return client }
        guard !offline else { throw CommandFailure(.usage, "this operation needs the relay; run it without --offline") }
        let account = self.account
        // The database opens while the connection is made (each takes a few milliseconds
        // of every command's start-up); frames wait for it in DeferredSession.
        opened.prepare(makeSession)
        // A token from a relay named only for this run (--relay, CN_RELAY) is not kept: it
        // would replace the one that works on the account's own relay.
        let keepsTokens = options.relayOverride.map { RelayEndpoint($0) == RelayEndpoint(account.relay) } ?? true
        let client = RelayClient(
            endpoint: endpoint,
            credentials: RelayCredentials(identity: account.identity, expectedEmail: account.email, token: { try account.sessionToken() },
                                          authenticated: { if keepsTokens { try account.refreshSessionToken($0.token) } }),
            sink: DeferredSession(context: self),
            timing: Self.timing(options),
            trustRoots: try Self.trustRoots(options.environment))
        try await client.start()
        clientBox.client = client
        _ = try session  // a database that would not open fails the command here
        return client
    }

    /// A context for a command that reads the account after a sync: connects, records the
    /// relay's post-AUTH state and closes again — or, `offline`, does not touch the network.
    public static func synced(_ options: ClientOptions, offline: Bool) async throws -> ClientContext {
        let context = try ClientContext(options, offline: offline)
        if !offline {
            try await context.connect()
            await context.close()
        }
        return context
    }

    /// Whether this run has synced with the relay.
    public var isConnected: Bool { clientBox.client != nil }

    /// Closes the relay connection, if one is open.
    public func close() async {
        await clientBox.client?.close()
    }

    /// Parses a relay URL. Plain `ws://` is refused for anything but loopback: the session
    /// token would cross the network in the clear (`CN_ALLOW_INSECURE_WS=1` overrides, for a
    /// trusted private network).
    public static func endpoint(_ relay: String, environment: [String: String]) throws -> RelayEndpoint {
        guard let endpoint = RelayEndpoint(relay) else { throw CommandFailure(.configuration, "\"\(relay)\" is not a ws:// or wss:// relay URL") }
        guard endpoint.secure || endpoint.isLoopback || environment["CN_ALLOW_INSECURE_WS"] == "1" else {
            throw CommandFailure(.configuration, "\(relay) is plain ws:// to another host: the session token would travel in the clear; use wss:// (or set CN_ALLOW_INSECURE_WS=1 on a trusted network)")
        }
        return endpoint
    }

    static func timing(_ options: ClientOptions) -> RelayClientTiming {
        var timing = RelayClientTiming()
        timing.connectTimeout = options.wait
        return timing
    }

    /// Extra trust roots for `wss://` relays with a private CA: `CN_RELAY_CA` (a PEM file).
    /// The system's roots are always trusted too.
    public static func trustRoots(_ environment: [String: String]) throws -> [NIOSSLCertificate]? {
        guard let path = environment["CN_RELAY_CA"], !path.isEmpty else { return nil }
        do { return try NIOSSLCertificate.fromPEMFile(path) } catch {
            throw CommandFailure(.configuration, "CN_RELAY_CA: cannot read certificates from \(path)")
        }
    }
}

/// The context's relay client, set once connected.
private final class LockedClient: @unchecked Sendable {
    private let lock = NSLock()
    private var value: RelayClient?
    var client: RelayClient? {
        get { lock.withLock { value } }
        set { lock.withLock { value = newValue } }
    }
}

/// The context's session service (and so its database), made once — on first use, or
/// ahead of it on another thread (``prepare(_:)``), with users waiting for that.
private final class OpenedDatabase: @unchecked Sendable {
    private let condition = NSCondition()
    private var value: Result<SessionService, any Error>?
    private var preparing = false

    func get(_ make: () throws -> SessionService) throws -> SessionService {
        condition.lock()
        defer { condition.unlock() }
        while preparing { condition.wait() }
        if let value { return try value.get() }
        let made = Result { try make() }
        value = made
        return try made.get()
    }

    /// Starts making the value on a background thread, unless it exists or is being made.
    func prepare(_ make: @escaping @Sendable () throws -> SessionService) {
        condition.lock()
        defer { condition.unlock() }
        guard value == nil, !preparing else { return }
        preparing = true
        DispatchQueue.global().async {
            let made = Result { try make() }
            self.condition.lock()
            self.value = made
            self.preparing = false
            self.condition.broadcast()
            self.condition.unlock()
        }
    }
}

/// The relay client's sink while the database may still be opening: waits for the
/// session service, then hands it every frame in order. A database that cannot be opened
/// drops the frames; the command sees that error itself when it uses the session.
private struct DeferredSession: RelayFrameSink {
    let context: ClientContext

    func receive(_ frame: RelayFrame, from client: RelayClient) async {
        guard let session = try? context.session else { return }
        await session.receive(frame, from: client)
    }
}
