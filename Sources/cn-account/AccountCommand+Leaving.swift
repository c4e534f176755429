import ArgumentParser
import CNKit

// Signing out and removing the account.
extension AccountCommand {
    struct Logout: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "logout", abstract: "Forget the session token (sign in again with `cn-account login`).")
        @OptionGroup var options: ClientOptions

        func run() async throws { try AccountWorkflows.logout(options) }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "remove",
            abstract: "Remove an account from this device: its keys, database and files.",
            discussion: "Irreversible without a backup or the recovery phrase. Asks for confirmation on a terminal; elsewhere --force is required.")
        @OptionGroup var options: ClientOptions
        @Argument(help: ArgumentHelp("The account's e-mail.", valueName: "email")) var email: String
        @Flag(help: "Do not ask.") var force = false

        func run() async throws { try AccountWorkflows.remove(options, email: email, force: force) }
    }
}
