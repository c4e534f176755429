import Foundation
import CNProtocol
import CNCrypto
import CNStore
import CNClient

/// A command's view of the client engine: the engine for the account the options name,
/// with events reported on stderr (`{"event":{…}}`) unless `-q` — a key change always.
public final class ClientContext: Sendable {
    public let options: ClientOptions
    public let engine: ClientEngine

    /// Opens the account the options name (asking for its passphrase if it has one).
    /// `events` replaces the stderr report (`cn-recv` prints them as its output).
    /// `agent`: this process is the account's agent (`cn-recv --follow`).
    public convenience init(_ options: ClientOptions, offline: Bool = false, agent: Bool = false,
                            events: (@Sendable (ClientEvent, _ logged: Bool) -> Void)? = nil) throws {
        try self.init(options, account: try options.store.open(options.accountName, passphrase: options.passphrase.provider),
                      offline: offline, agent: agent, events: events)
    }

    /// A context for an account already opened.
    public init(_ options: ClientOptions, account: Account, offline: Bool = false, agent: Bool = false,
                events: (@Sendable (ClientEvent, _ logged: Bool) -> Void)? = nil) throws {
        self.options = options
        let quiet = options.quiet
        let settings = EngineSettings(relayOverride: options.relayOverride, environment: options.environment,
                                      timeout: options.wait, offline: offline, agent: agent)
        engine = try ClientEngine(account: account, settings: settings, events: events ?? { event, _ in
            if !quiet || !event.isQuietable { Output.diagnostic(["event": event.withoutText]) }
        })
    }

    /// The account.
    public var account: Account { engine.account }
    /// The account database.
    public var database: AccountDatabase { get throws { try engine.database } }
    /// The friends and trust service.
    public var session: SessionService { get throws { try engine.session } }
    /// The messaging service.
    public var messaging: MessagingService { get throws { try engine.messaging } }

    /// Connects and authenticates; returns once the relay's post-AUTH state is recorded.
    @discardableResult
    public func connect() async throws -> RelayClient { try await engine.connect() }

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
    public var isConnected: Bool { engine.isConnected }

    /// Closes the relay connection, if one is open.
    public func close() async { await engine.close() }
}
