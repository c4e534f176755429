import ArgumentParser
import CNKit

/// `cn-send`: send messages to a friend, from the arguments, stdin lines or JSON lines.
@main
struct SendCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cn-send",
        abstract: "Send end-to-end-encrypted messages to a friend.",
        discussion: """
            Text from the arguments is one message; without arguments each stdin line is one message, or with --json one \
            JSON line each: {"to","text"}, {"to","replyTo","text"}, {"to","edit":ID,"text"}, {"to","delete":ID}, \
            {"to","react":ID,"emoji","remove"?}. One result line per message: {"id","sid","to","status","delivered","stored","pending"}. \
            Exit 0 when every message is delivered or stored, 75 when one stays queued (it is kept and sent later), \
            65 for a bad line (the others still go), 77 not friends or blocked. See cn-send(1).
            """)

    @OptionGroup var options: ClientOptions

    @Option(help: ArgumentHelp("The friend to send to (JSON lines may name their own \"to\").", valueName: "email"))
    var to: String?

    @Flag(help: "Read JSON lines on stdin instead of plain text lines.")
    var json = false

    @Option(help: ArgumentHelp("Seconds to wait for the relay's word on each message.", valueName: "seconds"))
    var wait: Double = 10

    @Argument(help: ArgumentHelp("The message (the words are joined by spaces); none: read stdin.", valueName: "text"))
    var text: [String] = []

    func validate() throws {
        guard wait >= 0, wait <= 3600 else { throw ValidationError("--wait must be between 0 and 3600 seconds") }
        if json, !text.isEmpty { throw ValidationError("--json reads stdin: give no text arguments") }
    }

    func run() async throws {
        let status = try await SendRun.run(SendInvocation(to: to, texts: text, json: json, wait: wait), options: options)
        if status != .ok { throw CommandExit(status) }
    }

    static func main() async { await CommandRunner.main(Self.self) }
}
