import ArgumentParser
import CNKit

// The recovery phrase and the passphrase over the secrets.
extension AccountCommand {
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
