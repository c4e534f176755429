import ArgumentParser
import CNKit

extension AccountCommand {
    struct Init: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "init",
            abstract: "Create an account on this device and sign in to its relay.",
            discussion: "Makes a device key and a 12-word recovery phrase, signs in, and keeps the relay's session token. With --google, --email may be left out: the e-mail comes from the sign-in.")

        @OptionGroup var options: ClientOptions

        @Option(help: ArgumentHelp("The account's e-mail address.", valueName: "email"))
        var email: String?

        @OptionGroup var signIn: SignIn

        @Flag(help: "Protect the secrets with a passphrase from the passphrase sources (or a prompt).")
        var protect = false

        @Flag(help: "Create the account without reaching the relay (it signs in on first use).")
        var offline = false

        func validate() throws {
            if email == nil, !signIn.google { throw ValidationError("--email is required with --token or --token-file") }
            if let email { _ = try Arguments.email(email) }
            if offline, signIn.google { throw ValidationError("--google needs the network; --offline works with --token") }
            if options.relayOverride == nil { throw ValidationError("--relay (or CN_RELAY) is required: the relay's ws:// or wss:// URL") }
        }

        func run() async throws {
            try await AccountWorkflows.create(options, email: email, signIn: signIn, protect: protect, offline: offline)
        }
    }

    struct Login: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "login", abstract: "Sign an existing account in again (after logout or an expired session).")

        @OptionGroup var options: ClientOptions
        @OptionGroup var signIn: SignIn

        func run() async throws {
            try await AccountWorkflows.login(options, signIn: signIn)
        }
    }
}
