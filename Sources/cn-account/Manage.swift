import ArgumentParser
import CNKit

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

    struct ShowMnemonic: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "mnemonic",
            abstract: "Show the account's 12-word recovery phrase.",
            discussion: "Only on a terminal, unless --force: the phrase unlocks backups and the account database.")
        @OptionGroup var options: ClientOptions
        @Flag(help: "Print it even when stdout is not a terminal.") var force = false

        func run() async throws { try AccountWorkflows.mnemonic(options, force: force) }
    }

    struct Passphrase: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "passphrase",
            abstract: "Protect the account's secrets with a passphrase, or remove the protection.",
            subcommands: [Set.self, Unset.self])

        struct Set: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "set",
                abstract: "Set or change the passphrase (scrypt N=2^15, r=8, p=1).",
                discussion: "The current passphrase comes from the usual sources; the new one from --new-passphrase-file, CN_NEW_PASSPHRASE_FILE, CN_NEW_PASSPHRASE_FD, CN_NEW_PASSPHRASE_COMMAND, CN_NEW_PASSPHRASE, or a prompt (asked twice).")
            @OptionGroup var options: ClientOptions
            @Option(help: ArgumentHelp("Read the new passphrase from the first line of this file.", valueName: "file"))
            var newPassphraseFile: String?

            func run() async throws { try AccountWorkflows.setPassphrase(options, newPassphraseFile: newPassphraseFile) }
        }

        struct Unset: AsyncParsableCommand {
            static let configuration = CommandConfiguration(commandName: "remove", abstract: "Store the secrets without a passphrase (mode 0600 only).")
            @OptionGroup var options: ClientOptions

            func run() async throws { try AccountWorkflows.removePassphrase(options) }
        }
    }
}
