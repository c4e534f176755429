import Foundation
import Synchronization
import NIOSSL
import CNProtocol
import CNCrypto
import CNStore

/// How an engine reaches its relay.
public struct EngineSettings: Sendable {
    /// A relay URL for this run only (`--relay`, `CN_RELAY`); its session tokens are not kept.
    public var relayOverride: String?
    /// The environment (`CN_RELAY_CA`, `CN_ALLOW_INSECURE_WS`).
    public var environment: [String: String]
    /// How long connecting and signing in may take.
    public var timeout: Duration
    /// The run promised not to use the network: ``ClientEngine/connect()`` refuses.
    public var offline: Bool
    /// This process is the account's agent (`cn-recv --follow`): it answers own-device sync
    /// and tells friends' devices that come online its profile version.
    public var agent: Bool

    public init(relayOverride: String? = nil, environment: [String: String] = ProcessInfo.processInfo.environment,
                timeout: Duration = .seconds(10), offline: Bool = false, agent: Bool = false) {
        self.relayOverride = relayOverride
        self.environment = environment
        self.timeout = timeout
        self.offline = offline
        self.agent = agent
    }
}

/// The services an engine runs over the account database, in the order frames reach them.
public struct EngineServices: Sendable {
    /// The account database.
    public let database: AccountDatabase
    /// Where events go (the account's log and the caller).
    public let events: EventReporter
    /// Friends and trust: keys are pinned here before anything is opened.
    public let session: SessionService
    /// Messages and the outbox.
    public let messaging: MessagingService
    /// Profiles and own-device sync (packets the messaging service hands on).
    public let sync: SyncService

    /// The frame router over the services (made once: every frame goes through it).
    let router: FrameRouter

    init(database: AccountDatabase, events: EventReporter, session: SessionService, messaging: MessagingService, sync: SyncService) {
        self.database = database
        self.events = events
        self.session = session
        self.messaging = messaging
        self.sync = sync
        router = FrameRouter([session, messaging])
    }
}

/// The client engine: one account, its database and services, and (once connected) its
/// relay connection. Every command — and any embedding, such as a bot in Swift — uses it;
/// where events go is the caller's choice.
public final class ClientEngine: Sendable {
    /// The account the engine works for.
    public let account: Account
    /// The relay endpoint this run talks to.
    public let endpoint: RelayEndpoint
    public let settings: EngineSettings
    private let handler: @Sendable (ClientEvent, _ logged: Bool) -> Void
    private let opened = Prepared<EngineServices>()
    private let connection = Mutex<RelayClient?>(nil)

    /// An engine for `account`; `events` gets every event (and whether it was logged for `cn-recv`).
    public init(account: Account, settings: EngineSettings,
                events: @escaping @Sendable (ClientEvent, _ logged: Bool) -> Void) throws {
        self.account = account
        self.settings = settings
        self.handler = events
        self.endpoint = try Self.endpoint(settings.relayOverride ?? account.relay, environment: settings.environment)
    }

    /// The services over the database, made on first use (a command that does not need the
    /// database, such as `whoami --offline`, does not pay for it).
    public var services: EngineServices {
        get throws { try opened.get(makeServices) }
    }

    /// The account database.
    public var database: AccountDatabase { get throws { try services.database } }
    /// The friends and trust service.
    public var session: SessionService { get throws { try services.session } }
    /// The messaging service.
    public var messaging: MessagingService { get throws { try services.messaging } }
    /// The profile and own-device sync service.
    public var sync: SyncService { get throws { try services.sync } }

    private func makeServices() throws -> EngineServices {
        let database = try account.openDatabase()
        let events = EventReporter(database: database, handler: handler)
        let sync = SyncService(account: account, database: database, events: events, answersSync: settings.agent)
        return EngineServices(database: database, events: events,
                              session: SessionService(account: account, database: database, events: events),
                              messaging: MessagingService(account: account, database: database, events: events, packetServices: [sync]),
                              sync: sync)
    }

    /// Connects and authenticates; returns once the relay's post-AUTH state is recorded
    /// (and the outbox flush it starts is under way).
    @discardableResult
    public func connect() async throws -> RelayClient {
        if let client = connection.withLock({ $0 }) { return client }
        guard !settings.offline else { throw ClientError(.usage, "this operation needs the relay; run it without --offline") }
        let account = self.account
        // The database opens while the connection is made (each takes a few milliseconds
        // of every command's start-up); frames wait for it in DeferredRouter.
        opened.prepare(makeServices)
        // A token from a relay named only for this run (--relay, CN_RELAY) is not kept: it
        // would replace the one that works on the account's own relay.
        let keepsTokens = settings.relayOverride.map { RelayEndpoint($0) == RelayEndpoint(account.relay) } ?? true
        var timing = RelayClientTiming()
        timing.connectTimeout = settings.timeout
        let client = RelayClient(
            endpoint: endpoint,
            credentials: RelayCredentials(identity: account.identity, expectedEmail: account.email, token: { try account.sessionToken() },
                                          authenticated: { if keepsTokens { try account.refreshSessionToken($0.token) } }),
            sink: DeferredRouter(engine: self),
            timing: timing,
            trustRoots: try Self.trustRoots(settings.environment))
        try await client.start()
        connection.withLock { $0 = client }
        _ = try services  // a database that would not open fails the command here
        return client
    }

    /// The relay connection, once ``connect()`` made it.
    public var client: RelayClient? { connection.withLock { $0 } }

    /// Whether this run has connected to the relay.
    public var isConnected: Bool { client != nil }

    /// Closes the relay connection, if one is open, and gives up this process's outbox
    /// claims so that another command of the account can send what is left at once.
    public func close() async {
        await client?.close()
        if let services = try? opened.existing() { services.messaging.stop() }
    }

    /// Parses a relay URL. Plain `ws://` is refused for anything but loopback: the session
    /// token would cross the network in the clear (`CN_ALLOW_INSECURE_WS=1` overrides, for a
    /// trusted private network).
    public static func endpoint(_ relay: String, environment: [String: String]) throws -> RelayEndpoint {
        guard let endpoint = RelayEndpoint(relay) else { throw ClientError(.configuration, "\"\(relay)\" is not a ws:// or wss:// relay URL") }
        guard endpoint.secure || endpoint.isLoopback || environment["CN_ALLOW_INSECURE_WS"] == "1" else {
            throw ClientError(.configuration, "\(relay) is plain ws:// to another host: the session token would travel in the clear; use wss:// (or set CN_ALLOW_INSECURE_WS=1 on a trusted network)")
        }
        return endpoint
    }

    /// Extra trust roots for `wss://` relays with a private CA: `CN_RELAY_CA` (a PEM file).
    /// The system's roots are always trusted too.
    public static func trustRoots(_ environment: [String: String]) throws -> [NIOSSLCertificate]? {
        guard let path = environment["CN_RELAY_CA"], !path.isEmpty else { return nil }
        do { return try NIOSSLCertificate.fromPEMFile(path) } catch {
            throw ClientError(.configuration, "CN_RELAY_CA: cannot read certificates from \(path)")
        }
    }
}

/// A value made once — on first use, or ahead of it on another thread (``prepare(_:)``),
/// with users waiting for that.
final class Prepared<Value: Sendable>: Sendable {
    private enum Phase {
        case idle
        /// Being made; the group is left when it is done.
        case making(DispatchGroup)
        case made(Result<Value, any Error>)
    }
    private let phase = Mutex(Phase.idle)

    /// What a caller does next.
    private enum Step {
        case take(Result<Value, any Error>)
        case wait(DispatchGroup)
        case make(DispatchGroup)
    }

    /// Claims the making when nobody has started it (`claim`), else says what to wait for.
    private func next(claim: Bool) -> Step? {
        phase.withLock { phase -> Step? in
            switch phase {
            case .made(let result): return .take(result)
            case .making(let group): return .wait(group)
            case .idle:
                guard claim else { return nil }
                let group = DispatchGroup()
                group.enter()
                phase = .making(group)
                return .make(group)
            }
        }
    }

    private func finish(_ result: Result<Value, any Error>, _ group: DispatchGroup) {
        phase.withLock { $0 = .made(result) }
        group.leave()
    }

    func get(_ make: () throws -> Value) throws -> Value {
        while true {
            switch next(claim: true)! {
            case .take(let result): return try result.get()
            case .wait(let group): group.wait()
            case .make(let group):
                let made = Result { try make() }
                finish(made, group)
                return try made.get()
            }
        }
    }

    /// The value if it was made (nil if not yet); waits while it is being made.
    func existing() throws -> Value? {
        while true {
            switch next(claim: false) {
            case .take(let result)?: return try result.get()
            case .wait(let group)?: group.wait()
            case .make?, nil: return nil
            }
        }
    }

    /// Starts making the value on a thread of its own, unless it exists or is being made.
    /// Not on Dispatch's global queue: callers block in ``get(_:)`` on threads of the same
    /// small pool (Swift's executor on Linux), and a busy machine could leave the work
    /// waiting for a thread that every waiter holds.
    func prepare(_ make: @escaping @Sendable () throws -> Value) {
        guard case .make(let group)? = next(claim: true) else { return }
        Thread.detachNewThread {
            self.finish(Result { try make() }, group)
        }
    }
}

/// The relay client's sink while the database may still be opening: waits for the
/// services, then routes every frame in order. A database that cannot be opened drops the
/// frames; the command sees that error itself when it uses the services.
private struct DeferredRouter: RelayFrameSink {
    let engine: ClientEngine

    func receive(_ frame: RelayFrame, from client: RelayClient) async {
        guard let services = try? engine.services else { return }
        await services.router.receive(frame, from: client)
    }

    func endOfBurst(from client: RelayClient) async {
        guard let services = try? engine.services else { return }
        await services.router.endOfBurst(from: client)
    }
}
