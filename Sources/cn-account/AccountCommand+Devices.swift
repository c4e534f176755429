import ArgumentParser
import CNKit

// This account's devices.
extension AccountCommand {
    struct Devices: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "devices",
            abstract: "List this account's devices as the relay knows them (active in 30 days); accept new ones.",
            discussion: "A device that appears after this one's first sync is \"unconfirmed\": it is reported and left out of safety numbers until accepted here (--accept KEY or --accept-all), so that no one — not even the relay — can add a device to the account unnoticed.")
        @OptionGroup var options: ClientOptions
        @Flag(help: "Do not contact the relay: show what the last sync recorded.") var offline = false
        @Option(help: ArgumentHelp("Accept a new device of this account (repeatable).", valueName: "key")) var accept: [String] = []
        @Flag(help: "Accept every new device of this account reported before this run.") var acceptAll = false

        func run() async throws {
            try await AccountWorkflows.devices(options, offline: offline, accept: accept, acceptAll: acceptAll)
        }
    }
}
