import Foundation
import ArgumentParser
import CNKit

extension AccountCommand {
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List the accounts of the store, one JSON line each.")
        @OptionGroup var options: ClientOptions

        func run() async throws {
            for entry in try options.store.accounts() { Output.emit(AccountLine(entry: entry)) }
        }
    }

    struct Use: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "use", abstract: "Make an account the default.")
        @OptionGroup var options: ClientOptions
        @Argument(help: ArgumentHelp("The account's e-mail.", valueName: "email")) var email: String

        func run() async throws {
            let email = try Arguments.email(email)
            try options.store.setDefault(email.value)
            Output.emit(AccountLine(entry: try options.store.entry(for: email.value)))
        }
    }

    struct WhoAmI: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "whoami",
            abstract: "Show the account in use and check its session with the relay.")
        @OptionGroup var options: ClientOptions
        @Flag(help: "Do not contact the relay.") var offline = false

        struct Line: Codable {
            var email: String
            var relay: String
            var device: String
            var passphrase: Bool
            var sessionExpires: String?
            /// `ok` (the relay accepted the session), or `unchecked` with --offline.
            var relayStatus: String
        }

        func run() async throws {
            let context = try await ClientContext.synced(options, offline: offline)
            let status = offline ? "unchecked" : "ok"
            let token = try context.account.sessionToken()
            Output.emit(Line(email: context.account.email.value, relay: options.relayOverride ?? context.account.relay,
                             device: context.account.identity.publicKey.base64, passphrase: context.account.isPassphraseProtected,
                             sessionExpires: token.flatMap(SessionTokenInfo.expiry).map(Output.rfc3339), relayStatus: status))
        }
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

        struct Line: Codable {
            var device: String
            var current: Bool
            /// `trusted` or `unconfirmed`.
            var trust: String
            var firstSeen: Int64?
        }

        func run() async throws {
            // --accept-all accepts the devices that were waiting before this run: one the
            // relay adds during this run's sync is shown, not accepted unseen.
            let context = try ClientContext(options, offline: offline)
            let database = try context.database
            let waiting = acceptAll ? Set(try database.ownDevices().filter { $0.trust == .unconfirmed }.map(\.publicKey)) : []
            if !offline {
                try await context.connect()
                await context.close()
            }
            if acceptAll || !accept.isEmpty {
                let known = Set(try database.ownDevices().map(\.publicKey))
                for key in accept where !known.contains(key) {
                    throw CommandFailure(.dataError, "\(key) is not a device of this account that the relay lists")
                }
                _ = try database.acceptOwnDevices(acceptAll ? waiting : Set(accept))
            }
            Output.emit(Line(device: context.account.identity.publicKey.base64, current: true, trust: "trusted"))
            for device in try database.ownDevices() {
                Output.emit(Line(device: device.publicKey, current: false, trust: device.trust.rawValue, firstSeen: device.firstSeen))
            }
        }
    }

    struct Logout: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "logout", abstract: "Forget the session token (sign in again with `cn-account login`).")
        @OptionGroup var options: ClientOptions

        func run() async throws {
            let context = try ClientContext(options)
            try context.account.forgetSessionToken()
            Output.emit(["email": context.account.email.value, "status": "logged_out"])
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "remove",
            abstract: "Remove an account from this device: its keys, database and files.",
            discussion: "Irreversible without a backup or the recovery phrase. Asks for confirmation on a terminal; elsewhere --force is required.")
        @OptionGroup var options: ClientOptions
        @Argument(help: ArgumentHelp("The account's e-mail.", valueName: "email")) var email: String
        @Flag(help: "Do not ask.") var force = false

        func run() async throws {
            let email = try Arguments.email(email)
            _ = try options.store.entry(for: email.value)
            if !force {
                guard isatty(STDIN_FILENO) == 1 else { throw ValidationError("removing an account deletes its keys: add --force") }
                Output.note("Remove \(email.value) and its keys from this device? Type the e-mail to confirm:")
                guard readLine()?.trimmingCharacters(in: .whitespaces).lowercased() == email.value else {
                    throw CommandFailure(.usage, "not confirmed; nothing removed")
                }
            }
            try options.store.remove(email.value)
            Output.emit(["email": email.value, "status": "removed"])
        }
    }

    struct ShowMnemonic: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "mnemonic",
            abstract: "Show the account's 12-word recovery phrase.",
            discussion: "Only on a terminal, unless --force: the phrase unlocks backups and the account database.")
        @OptionGroup var options: ClientOptions
        @Flag(help: "Print it even when stdout is not a terminal.") var force = false

        func run() async throws {
            guard force || isatty(STDOUT_FILENO) == 1 else {
                throw CommandFailure(.usage, "stdout is not a terminal: add --force to write the recovery phrase into a pipe or file")
            }
            let context = try ClientContext(options)
            Output.emit(["email": context.account.email.value, "mnemonic": context.account.mnemonic.phrase])
        }
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

            func run() async throws {
                let context = try ClientContext(options)
                let source = PassphraseSource(file: newPassphraseFile, environment: options.environment,
                                              variable: "CN_NEW_PASSPHRASE", prompt: "New passphrase: ")
                try context.account.setPassphrase(try source.read(confirm: true))
                Output.emit(["email": context.account.email.value, "passphrase": "set"])
            }
        }

        struct Unset: AsyncParsableCommand {
            static let configuration = CommandConfiguration(commandName: "remove", abstract: "Store the secrets without a passphrase (mode 0600 only).")
            @OptionGroup var options: ClientOptions

            func run() async throws {
                let context = try ClientContext(options)
                try context.account.setPassphrase(nil)
                Output.emit(["email": context.account.email.value, "passphrase": "removed"])
            }
        }
    }
}
