import Foundation
import ArgumentParser
import CNStore

/// The options every client command shares (DESIGN §4).
public struct ClientOptions: ParsableArguments, Sendable {
    @Option(name: .long, help: ArgumentHelp("The account store (default: $CN_HOME, else ${XDG_DATA_HOME:-~/.local/share}/cryptnode).", valueName: "dir"))
    public var home: String?

    @Option(name: .long, help: ArgumentHelp("The account to use (default: $CN_ACCOUNT, else the store's default).", valueName: "email"))
    public var account: String?

    @Option(name: .long, help: ArgumentHelp("The relay URL for this run (default: $CN_RELAY, else the account's).", valueName: "url"))
    public var relay: String?

    @Option(name: .long, help: ArgumentHelp("Read the account's passphrase from the first line of this file.", valueName: "file"))
    public var passphraseFile: String?

    @Option(name: .long, help: ArgumentHelp("Seconds to wait for the relay.", valueName: "seconds"))
    public var timeout: Double = 10

    @Flag(name: .shortAndLong, help: "Quiet: no notes or events on stderr (errors still).")
    public var quiet = false

    public init() {}

    public func validate() throws {
        guard timeout > 0, timeout <= 3600 else { throw ValidationError("--timeout must be between 0 and 3600 seconds") }
    }

    /// The environment commands read their defaults from.
    public var environment: [String: String] { ProcessInfo.processInfo.environment }

    /// The account store these options name.
    public var store: AccountStore { AccountStore(home: home, environment: environment) }

    /// The account these options name: `--account`, else `CN_ACCOUNT`, else the default.
    public var accountName: String? { account ?? environment["CN_ACCOUNT"].flatMap { $0.isEmpty ? nil : $0 } }

    /// The relay override: `--relay`, else `CN_RELAY`.
    public var relayOverride: String? { relay ?? environment["CN_RELAY"].flatMap { $0.isEmpty ? nil : $0 } }

    /// The passphrase sources.
    public var passphrase: PassphraseSource { PassphraseSource(file: passphraseFile, environment: environment) }

    /// The timeout as a duration.
    public var wait: Duration { .milliseconds(Int64(timeout * 1000)) }
}
