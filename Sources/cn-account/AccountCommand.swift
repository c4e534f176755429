import Foundation
import ArgumentParser
import CNKit

/// `cn-account`: create, list and manage the accounts of the local store.
///
/// Every subcommand names itself (`commandName`): otherwise swift-argument-parser derives
/// the names from the type names by reflection at every start, a measurable part of the
/// start-up time every run pays (Benchmarks/README.md).
@main
struct AccountCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cn-account",
        abstract: "Create, list and manage CryptNode accounts on this device.",
        discussion: "Results are JSON lines on stdout; errors a JSON line on stderr. See cn-account(1) and cryptnode(7).",
        subcommands: [Init.self, Login.self, List.self, Use.self, WhoAmI.self, Devices.self, Profile.self, Logout.self, Remove.self,
                      Passphrase.self, ShowMnemonic.self])

    static func main() async { await CommandRunner.main(Self.self) }
}
