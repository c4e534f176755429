import ArgumentParser
import CNKit

// The name friends see.
extension AccountCommand {
    struct Profile: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "profile",
            abstract: "Show or set the name friends see.",
            discussion: "With --name, the name gets a version above every earlier one and is sent to every friend's devices and this account's other devices (kept in the outbox for those offline). Exit 75 when it is still queued after --wait seconds.")
        @OptionGroup var options: ClientOptions
        @Option(help: ArgumentHelp("The new name (\"\" removes it).", valueName: "name")) var name: String?
        @Flag(help: "Set it here only; it is sent by the next command that reaches the relay.") var offline = false
        @Option(help: ArgumentHelp("Seconds to wait for the relay's word.", valueName: "seconds")) var wait: Double = 10

        func validate() throws {
            if let name, name.count > 256 || name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
                throw ValidationError("a name is at most 256 characters, without control characters")
            }
            guard wait >= 0, wait <= 3600 else { throw ValidationError("--wait must be between 0 and 3600 seconds") }
        }

        func run() async throws {
            let status = try await AccountWorkflows.profile(options, name: name, offline: offline, wait: .milliseconds(Int64(wait * 1000)))
            if status != .ok { throw CommandExit(status) }
        }
    }
}
