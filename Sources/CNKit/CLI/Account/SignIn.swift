import Foundation
import ArgumentParser
import CNCrypto
import CNClient

/// The ways to sign in: an enrollment token, or Google's device-code flow.
public struct SignIn: ParsableArguments, Sendable {
    @Option(help: ArgumentHelp("A session token from the relay's operator (`cn-relay token --email E`).", valueName: "token"))
    public var token: String?

    @Option(help: ArgumentHelp("Read that token from the first line of this file (or pipe: `--token-file <(…)`, `/dev/stdin`), out of sight of ps.", valueName: "file"))
    public var tokenFile: String?

    @Flag(help: "Sign in with Google: a code to enter on another device (OAuth device flow).")
    public var google = false

    @OptionGroup(title: "Google sign-in")
    public var oauth: DeviceLoginOptions

    public init() {}

    public func validate() throws {
        guard [token != nil, tokenFile != nil, google].filter({ $0 }).count == 1 else {
            throw ValidationError("give exactly one of --token, --token-file and --google")
        }
    }

    /// The token to AUTH with: the enrollment token, or an ID token from the device flow.
    public func credential() async throws -> String {
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
