import ArgumentParser
import CNKit

/// `cn-recv`: print the account's events (messages, edits, reactions, receipts, friends,
/// presence, key changes) as JSON lines.
@main
struct RecvCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cn-recv",
        abstract: "Receive messages and other events as JSON lines on stdout.",
        discussion: """
            Prints what other commands of the account stored since the last cn-recv, then what arrives, until --idle \
            seconds pass without an event. --follow stays connected as the account's agent (reconnecting, flushing the \
            outbox, sending receipts). --history prints stored messages without the network. See cn-recv(1).
            """)

    @OptionGroup var options: ClientOptions

    @Option(help: ArgumentHelp("Exit after this many seconds without an event.", valueName: "seconds"))
    var idle: Double = 3

    @Flag(help: "Stay connected (the account's agent): reconnect, flush the outbox, send receipts; stop with SIGINT or SIGTERM.")
    var follow = false

    @Flag(help: "Print stored messages (oldest first) without contacting the relay.")
    var history = false

    @Option(name: .customLong("with"), help: ArgumentHelp("With --history: only the conversation with this friend.", valueName: "email"))
    var with: String?

    @Option(help: ArgumentHelp("With --history: only messages sent at or after this time (milliseconds since 1970).", valueName: "ms"))
    var since: Int64?

    @Option(help: ArgumentHelp("With --history: only the newest N messages.", valueName: "n"))
    var limit: Int?

    @Flag(help: "Send read receipts for the messages printed.")
    var markRead = false

    func validate() throws {
        guard idle >= 0, idle <= 86_400 else { throw ValidationError("--idle must be between 0 and 86400 seconds") }
        if !history, with != nil || since != nil || limit != nil { throw ValidationError("--with, --since and --limit go with --history") }
        if history, follow || markRead { throw ValidationError("--history reads the database only: no --follow or --mark-read") }
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
    }

    func run() async throws {
        let status = try await RecvRun.run(RecvInvocation(idle: idle, follow: follow, history: history, with: with, since: since,
                                                          limit: limit, markRead: markRead), options: options)
        if status != .ok { throw CommandExit(status) }
    }

    static func main() async { await CommandRunner.main(Self.self) }
}
