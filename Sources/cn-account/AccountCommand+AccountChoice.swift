import ArgumentParser
import CNKit

// Choosing the account: list, use, whoami.
extension AccountCommand {
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List the accounts of the store, one JSON line each.")
        @OptionGroup var options: ClientOptions

        func run() async throws { try AccountWorkflows.list(options) }
    }

    struct Use: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "use", abstract: "Make an account the default.")
        @OptionGroup var options: ClientOptions
        @Argument(help: ArgumentHelp("The account's e-mail.", valueName: "email")) var email: String

        func run() async throws { try AccountWorkflows.use(options, email: email) }
    }

    struct WhoAmI: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "whoami",
            abstract: "Show the account in use and check its session with the relay.")
        @OptionGroup var options: ClientOptions
        @Flag(help: "Do not contact the relay.") var offline = false

        func run() async throws { try await AccountWorkflows.whoami(options, offline: offline) }
    }
}
