import Foundation
import ArgumentParser
import CNKit

/// The ways to sign in: an enrollment token, or Google's device-code flow.
struct SignIn: ParsableArguments {
    @Option(help: ArgumentHelp("A session token from the relay's operator (`cn-relay token --email E`).", valueName: "token"))
    var token: String?

    @Option(help: ArgumentHelp("Read that token from the first line of this file (or pipe: `--token-file <(…)`, `/dev/stdin`), out of sight of ps.", valueName: "file"))
    var tokenFile: String?

    @Flag(help: "Sign in with Google: a code to enter on another device (OAuth device flow).")
    var google = false

    @OptionGroup(title: "Google sign-in")
    var oauth: DeviceLoginOptions

    func validate() throws {
        guard [token != nil, tokenFile != nil, google].filter({ $0 }).count == 1 else {
            throw ValidationError("give exactly one of --token, --token-file and --google")
        }
    }

    /// The token to AUTH with: the enrollment token, or an ID token from the device flow.
    func credential(quiet: Bool) async throws -> String {
        if let token { return token.trimmingCharacters(in: .whitespacesAndNewlines) }
        if let tokenFile {
            do { return try PassphraseSource.fromFile(tokenFile, what: "--token-file").trimmingCharacters(in: .whitespaces) } catch {
                throw CommandFailure(.noInput, "--token-file: cannot read a token from \(tokenFile)")
            }
        }
        return try await DeviceCodeLogin(configuration: try oauth.configuration()).run { prompt in
            // Even with -q: without the code the sign-in cannot finish.
            Output.note("To sign in, open \(Output.printable(prompt.verificationURL)) and enter the code \(Output.printable(prompt.userCode))")
            Output.diagnostic(["login": prompt])
        }
    }
}

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
            let relay = options.relayOverride!
            _ = try ClientEngine.endpoint(relay, environment: options.environment)
            let credential = try await signIn.credential(quiet: options.quiet)
            guard let email = try email.map({ try Arguments.email($0) }) ?? IDTokenClaims.email(in: credential) else {
                throw CommandFailure(.noPermission, "the sign-in gave no e-mail address")
            }
            if let named = SessionTokenInfo.email(credential), named != email {
                throw CommandFailure(.noPermission, "that token is for \(named.value), not \(email.value)")
            }
            let passphrase = protect ? try options.passphrase.read(confirm: true) : nil
            let store = options.store
            let account = try store.create(email: email, relay: relay, sessionToken: credential, passphrase: passphrase)
            if !offline {
                var named = options
                named.account = email.value
                named.passphraseFile = nil
                do {
                    let context = try ClientContext(named, account: account)
                    let client = try await context.connect()
                    let confirmed = await client.email
                    await context.close()
                    guard confirmed == email else {
                        throw CommandFailure(.noPermission, "the relay signed this device in as \(confirmed?.value ?? "nobody"), not \(email.value)")
                    }
                } catch {
                    // Nothing half-made stays behind: the account is only kept once the relay took it.
                    try? store.remove(email.value)
                    throw error
                }
            }
            let entry = try store.entry(for: email.value)
            Output.emit(AccountLine(account: account, entry: entry))
            if !options.quiet {
                Output.note("cn-account: created \(email.value). Write down its recovery phrase: cn-account mnemonic")
            }
        }
    }

    struct Login: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "login", abstract: "Sign an existing account in again (after logout or an expired session).")

        @OptionGroup var options: ClientOptions
        @OptionGroup var signIn: SignIn

        func run() async throws {
            let context = try ClientContext(options)
            let credential = try await signIn.credential(quiet: options.quiet)
            if let claimed = IDTokenClaims.email(in: credential) ?? SessionTokenInfo.email(credential), claimed != context.account.email {
                throw CommandFailure(.noPermission, "that sign-in is for \(claimed.value), not \(context.account.email.value)")
            }
            // The old token stays until the relay has accepted the new credential.
            let previous = try context.account.sessionToken()
            func restore() {
                if let previous { try? context.account.saveSessionToken(previous) } else { try? context.account.forgetSessionToken() }
            }
            try context.account.saveSessionToken(credential)
            do {
                let client = try await context.connect()
                let confirmed = await client.email
                await context.close()
                guard confirmed == context.account.email else {
                    throw CommandFailure(.noPermission, "the relay signed this device in as \(confirmed?.value ?? "nobody")")
                }
            } catch {
                restore()
                throw error
            }
            Output.emit(AccountLine(account: context.account, entry: try options.store.entry(for: context.account.email.value)))
        }
    }
}
