import Foundation
import Synchronization
import CNProtocol
import CNCrypto
import CNStore
import CNClient

/// What `cn-recv` was asked to do (DESIGN §4).
public struct RecvInvocation: Sendable {
    /// Seconds without an event after which it exits (not with `follow`).
    public var idle: Double
    /// Stay connected: the account's agent.
    public var follow: Bool
    /// Print stored messages, without the network.
    public var history: Bool
    public var with: String?
    public var since: Int64?
    public var limit: Int?
    /// Send read receipts for the messages printed.
    public var markRead: Bool

    public init(idle: Double, follow: Bool, history: Bool, with: String?, since: Int64?, limit: Int?, markRead: Bool) {
        self.idle = idle
        self.follow = follow
        self.history = history
        self.with = with
        self.since = since
        self.limit = limit
        self.markRead = markRead
    }
}

/// `cn-recv`: the account's events as JSON lines on stdout.
public enum RecvRun {
    /// Runs the command; returns its exit status.
    public static func run(_ invocation: RecvInvocation, options: ClientOptions) async throws -> ExitStatus {
        if invocation.history { return try history(invocation, options: options) }
        let printer = EventPrinter(quiet: options.quiet, tracksMessages: invocation.markRead)
        let context = try ClientContext(options, agent: invocation.follow, events: { event, logged in printer.handle(event, logged: logged) })
        let stop = StopSignal()
        let backoffStart = Duration.milliseconds(500)
        var backoff = ReconnectBackoff(initial: backoffStart, maximum: .seconds(30))
        var client: RelayClient?
        while client == nil {
            do {
                client = try await context.connect()
            } catch let error as ClientError where invocation.follow && (error.kind == .unreachable || error.kind == .timedOut) {
                if printer.database == nil { printer.attach(try context.database) }
                printer.drain()
                if !options.quiet { Output.diagnostic(["warning": "the relay is unreachable (\(error.message)); retrying"]) }
                let pause = backoff.next()
                if await stop.wait(pause) { return .ok }
            }
        }
        guard let client else { return .ok }
        let messaging = try context.messaging
        printer.attach(try context.database)
        let prune = { try? context.database.pruneMessaging(before: WallClock.milliseconds() - 86_400_000,
                                                           digestsBefore: WallClock.milliseconds() - 30 * 86_400_000) }
        // Printed events and incomplete chunk sets older than a day, digests of sent packets
        // older than 30 days are forgotten: at the start, and hourly in an agent.
        prune()
        printer.drain()
        // Events this process logs are printed within a tick (a burst in one transaction);
        // what other commands of the account logged, every half second.
        let idle = Duration.milliseconds(Int64(invocation.idle * 1000))
        var ticks = 0
        while !(await stop.wait(.milliseconds(10))) {
            ticks += 1
            if printer.takePending() || ticks % 50 == 0 {
                printer.drain()
                try await markRead(printer, invocation, messaging, client)
            }
            if invocation.follow {
                // Every 2 s what other commands of the account left in the outbox; hourly, pruning.
                if ticks % 200 == 0 { await messaging.flushOutbox() }
                if ticks % 360_000 == 0 { prune() }
            } else if ContinuousClock.now - printer.lastActivity >= idle {
                break
            }
        }
        printer.drain()
        try await markRead(printer, invocation, messaging, client)
        await messaging.flushAcknowledgements(via: client)
        await context.close()
        return .ok
    }

    private static func markRead(_ printer: EventPrinter, _ invocation: RecvInvocation, _ messaging: MessagingService, _ client: RelayClient) async throws {
        guard invocation.markRead else { return }
        let printed = printer.takePrintedMessages()
        guard !printed.isEmpty else { return }
        try await messaging.markRead(printed, via: client)
    }

    /// `--history`: stored messages as JSON lines, without the network.
    static func history(_ invocation: RecvInvocation, options: ClientOptions) throws -> ExitStatus {
        let context = try ClientContext(options, offline: true)
        let peer = try invocation.with.map { raw -> String in
            guard let email = EmailAddress(raw) else { throw CommandFailure(.usage, "--with: \"\(raw)\" is not a valid e-mail address") }
            return email.value
        }
        let database = try context.database
        for message in try database.messages(peer: peer, since: invocation.since, limit: invocation.limit) {
            let reactions = try database.reactions(on: message.id).map { HistoryLine.Reaction(from: $0.author, emoji: $0.emoji) }
            Output.emit(HistoryLine(message, reactions: reactions, me: context.account.email.value))
        }
        return .ok
    }
}

/// One stored message as `cn-recv --history` prints it.
struct HistoryLine: Encodable {
    struct Reaction: Encodable {
        var from: String
        var emoji: String
    }
    var type = "message"
    var id: String
    var sid: String
    var from: String
    var fromDevice: String
    var to: String
    var text: String?
    var replyTo: String?
    var ts: Int64
    /// `queued`, `stored`, `delivered` or `read`.
    var status: String
    var edited: Int64?
    var deleted: Int64?
    var reactions: [Reaction]?

    init(_ m: MessageRecord, reactions: [Reaction], me: String) {
        id = m.id
        sid = m.sid
        from = m.author
        fromDevice = m.authorDevice
        to = m.outgoing ? m.peer : me
        text = m.deletedAt == nil ? m.text : nil
        replyTo = m.replyTo
        ts = m.sentAt
        status = m.status.name
        edited = m.editedAt
        deleted = m.deletedAt
        self.reactions = reactions.isEmpty ? nil : reactions
    }
}

/// Prints `cn-recv`'s events: logged events from the account's log (each once per account,
/// whichever command received it), live ones as they come.
final class EventPrinter: Sendable {
    private struct State {
        var database: AccountDatabase?
        var lastActivity = ContinuousClock.now
        var printedMessages: [(id: String, sid: String)] = []
        /// A logged event arrived since the last drain.
        var pending = false
    }
    private let state = Mutex(State())
    private let quiet: Bool
    /// Whether printed messages are remembered (for `--mark-read`).
    private let tracksMessages: Bool

    init(quiet: Bool, tracksMessages: Bool) {
        self.quiet = quiet
        self.tracksMessages = tracksMessages
    }

    var database: AccountDatabase? { state.withLock { $0.database } }
    var lastActivity: ContinuousClock.Instant { state.withLock { $0.lastActivity } }

    func attach(_ database: AccountDatabase) { state.withLock { $0.database = database } }

    /// An event from the engine: a logged one is printed from the log by the next drain (in
    /// log order, with what other commands logged; not here, on the frame path, where a
    /// database write and a blocking stdout would hold up the connection), a live one at once
    /// (`-q` hides presence, delivery and rejection notes).
    func handle(_ event: ClientEvent, logged: Bool) {
        if logged {
            state.withLock {
                $0.pending = true
                $0.lastActivity = .now
            }
        } else if !quiet || !event.isQuietable {
            print(event.line)
        }
    }

    /// Whether a logged event arrived since the last call.
    func takePending() -> Bool {
        state.withLock { state in
            defer { state.pending = false }
            return state.pending
        }
    }

    /// Prints what the log holds that no `cn-recv` has printed yet.
    func drain() {
        guard let database else { return }
        // Taken under the lock: two drains of this process never print a line twice or out of order.
        state.withLock { state in
            while let lines = try? database.takeEvents(limit: 500), !lines.isEmpty {
                // One write for the batch: a pipe reader gets whole lines, in order.
                var text = ""
                for line in lines {
                    text += String(decoding: line, as: UTF8.self) + "\n"
                    if tracksMessages, let object = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any],
                       object["type"] as? String == "message", let id = object["id"] as? String, let sid = object["sid"] as? String {
                        state.printedMessages.append((id, sid))
                    }
                }
                Output.write(text, to: STDOUT_FILENO)
                state.lastActivity = .now
                if lines.count < 500 { break }  // the log is drained: no second transaction to find that out
            }
        }
    }

    private func print(_ line: [UInt8]) {
        Output.write(String(decoding: line, as: UTF8.self) + "\n", to: STDOUT_FILENO)
        state.withLock { $0.lastActivity = .now }
    }

    /// The messages printed since the last call (for `--mark-read`).
    func takePrintedMessages() -> [(id: String, sid: String)] {
        state.withLock { state in
            defer { state.printedMessages = [] }
            return state.printedMessages
        }
    }
}

/// SIGINT and SIGTERM end `cn-recv` cleanly (the connection closed, outbox claims given up).
final class StopSignal {
    private final class Flag: Sendable {
        let raised = Mutex(false)
    }
    private let flag = Flag()
    private let sources: [any DispatchSourceSignal]

    init() {
        let flag = self.flag
        sources = [SIGINT, SIGTERM].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { flag.raised.withLock { $0 = true } }
            source.resume()
            return source
        }
    }

    /// Sleeps for `duration`; returns true if a stop signal came (before or during it).
    func wait(_ duration: Duration) async -> Bool {
        let step = Duration.milliseconds(50)
        var left = duration
        while left > .zero {
            if flag.raised.withLock({ $0 }) { return true }
            try? await Task.sleep(for: min(step, left))
            left -= step
        }
        return flag.raised.withLock { $0 }
    }
}
