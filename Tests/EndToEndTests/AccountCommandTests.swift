import Foundation
import Testing

/// `cn-account` beyond init: several accounts in one store, the mnemonic, sign-in again,
/// passphrase sources that are pipes, help, and what `--offline` promises.
@Suite(.serialized)
struct AccountCommandTests {
    @Test func commonOptionsGoOnEitherSideOfTheSubcommand() async throws {
        let relay = try await LocalRelay.start()
        defer { Task { await relay.stop() } }
        let home = Binaries.temporaryDirectory("either-side")
        let env = ["HOME": home]  // no CN_HOME: only the option names the store
        let created = try await run("cn-account", ["--home", home, "-q", "init", "--email", "alice@example.com", "--relay", relay.url,
                                                   "--token", try await relay.token("alice@example.com")], environment: env)
        #expect(created.status == 0, "\(created)")
        for arguments in [["--home", home, "list"], ["--home=\(home)", "-q", "list", "--offline"], ["list", "--home", home]] {
            let listed = try await run("cn-friend", arguments, environment: env)
            #expect(listed.status == 0, "cn-friend \(arguments): \(listed)")
        }
        let whoami = try await run("cn-account", ["--account", "alice@example.com", "--home", home, "whoami", "--offline"], environment: env)
        #expect(whoami.lines.first?["email"] as? String == "alice@example.com", "\(whoami)")
        let history = try await run("cn-recv", ["--home", home, "--history"], environment: env)
        #expect(history.status == 0, "\(history)")
        // An unknown option before the subcommand is still a usage error.
        #expect(try await run("cn-friend", ["--nonsense", "list"], environment: env).status == 64)
    }

    @Test func severalAccountsInOneStore() async throws {
        let relay = try await LocalRelay.start()
        defer { Task { await relay.stop() } }
        let home = Binaries.temporaryDirectory("shared")
        var env = ["CN_HOME": home]
        for user in ["alice@example.com", "bob@example.com"] {
            let outcome = try await run("cn-account", ["init", "--email", user, "--relay", relay.url, "--token", try await relay.token(user)], environment: env)
            #expect(outcome.status == 0, "\(outcome)")
        }
        let list = try await run("cn-account", ["list"], environment: env).lines
        #expect(list.map { $0["email"] as? String } == ["alice@example.com", "bob@example.com"])
        #expect(list.map { $0["default"] as? Bool } == [true, false])
        #expect(try await run("cn-account", ["whoami"], environment: env).lines.first?["email"] as? String == "alice@example.com")
        #expect(try await run("cn-account", ["whoami", "--account", "bob@example.com"], environment: env).lines.first?["email"] as? String == "bob@example.com")
        env["CN_ACCOUNT"] = "bob@example.com"
        #expect(try await run("cn-account", ["whoami"], environment: env).lines.first?["email"] as? String == "bob@example.com")
        env["CN_ACCOUNT"] = nil
        #expect(try await run("cn-account", ["use", "bob@example.com"], environment: env).status == 0)
        #expect(try await run("cn-account", ["whoami", "--offline"], environment: env).lines.first?["email"] as? String == "bob@example.com")
        // Friends within one store: each account keeps its own folder and database.
        #expect(try await run("cn-friend", ["request", "alice@example.com"], environment: env).status == 0)
        #expect(try await run("cn-friend", ["accept", "bob@example.com", "--account", "alice@example.com"], environment: env).status == 0)
        #expect(try await run("cn-friend", ["list"], environment: env).lines.map { $0["email"] as? String } == ["alice@example.com"])
        let devices = try await run("cn-account", ["devices"], environment: env)
        #expect(devices.lines.count == 1 && devices.lines.first?["current"] as? Bool == true, "\(devices)")
        let removed = try await run("cn-account", ["remove", "bob@example.com"], environment: env)
        #expect(removed.status == 64, "no terminal, no --force: \(removed)")
        #expect(try await run("cn-account", ["remove", "bob@example.com", "--force"], environment: env).status == 0)
        #expect(try await run("cn-account", ["list"], environment: env).lines.map { $0["default"] as? Bool } == [true])
    }

    @Test func theMnemonicIsForTerminalsUnlessForced() async throws {
        let relay = try await LocalRelay.start()
        defer { Task { await relay.stop() } }
        let alice = try await Device.enroll("alice@example.com", on: relay)
        let refused = try await alice.account(["mnemonic"])
        #expect(refused.status == 64 && !refused.stdout.contains(" "), "\(refused)")
        let shown = try await alice.account(["mnemonic", "--force"])
        let words = (shown.lines.first?["mnemonic"] as? String)?.split(separator: " ") ?? []
        #expect(words.count == 12)
        let stored = try String(contentsOfFile: alice.home + "/user_" + sha256Prefix("alice@example.com") + "/mnemonic", encoding: .utf8)
        #expect(stored.trimmingCharacters(in: .whitespacesAndNewlines) == words.joined(separator: " "))
        // Output that cannot be written is a failure (74), not a silent success.
        let full = try await run("/bin/sh", ["-c", "\"$0\" mnemonic --force > /dev/full", Binaries.path("cn-account")], environment: alice.environment, absolute: true)
        #expect(full.status == 74 && full.errorCode == 74, "\(full)")
    }

    @Test func aRefusedLoginKeepsTheWorkingSession() async throws {
        let relay = try await LocalRelay.start()
        defer { Task { await relay.stop() } }
        let alice = try await Device.enroll("alice@example.com", on: relay)
        let forged = "sess:9999999999:alice@example.com:" + String(repeating: "0", count: 64)
        let refused = try await alice.account(["login", "--token", forged])
        #expect(refused.status == 77, "\(refused)")
        #expect(try await alice.account(["whoami"]).status == 0, "the old session still works")
        let wrongUser = try await alice.account(["login", "--token", try await relay.token("bob@example.com")])
        #expect(wrongUser.status == 77, "\(wrongUser)")
        #expect(try await alice.account(["whoami"]).status == 0)
    }

    @Test func passphrasesFromPipesAndDescriptors() async throws {
        let relay = try await LocalRelay.start()
        defer { Task { await relay.stop() } }
        let alice = try await Device.enroll("alice@example.com", on: relay)
        let set = try await alice.account(["passphrase", "set", "--new-passphrase-file", "/dev/stdin"], stdin: "s3cret pass\n")
        #expect(set.status == 0, "\(set)")
        let viaStdin = try await alice.account(["whoami", "--passphrase-file", "/dev/stdin"], stdin: "s3cret pass\n")
        #expect(viaStdin.status == 0, "\(viaStdin)")
        let viaFD = try await alice.account(["whoami"], stdin: "s3cret pass\n", extraEnvironment: ["CN_PASSPHRASE_FD": "0"])
        #expect(viaFD.status == 0, "\(viaFD)")
        let wrongFD = try await alice.account(["whoami"], stdin: "nope\n", extraEnvironment: ["CN_PASSPHRASE_FD": "0"])
        #expect(wrongFD.status == 77, "\(wrongFD)")
        let emptyFD = try await alice.account(["whoami"], stdin: "", extraEnvironment: ["CN_PASSPHRASE_FD": "0"])
        #expect(emptyFD.status == 78, "\(emptyFD)")
        let badFD = try await alice.account(["whoami"], extraEnvironment: ["CN_PASSPHRASE_FD": "x"])
        #expect(badFD.status == 78, "\(badFD)")
        // The passphrase line is taken from stdin, and the JSON lines after it are left for
        // the stdin mode.
        let batch = try await alice.friend(["--offline"], stdin: "s3cret pass\n" + #"{"op":"list","all":true}"# + "\n" + #"{"op":"trust","email":"x@example.com"}"# + "\n",
                                           extraEnvironment: ["CN_PASSPHRASE_FD": "0"])
        #expect(batch.status == 77 && (batch.lines.last?["line"] as? Int) == 2, "\(batch)")
        // The same from a regular file: what follows the passphrase line is given back.
        let ops = Binaries.temporaryDirectory("ops") + "/ops.txt"
        try ("s3cret pass\n" + #"{"op":"list","all":true}"# + "\n" + #"{"op":"trust","email":"x@example.com"}"# + "\n").write(toFile: ops, atomically: true, encoding: .utf8)
        let fromFile = try await run("/bin/sh", ["-c", "\"$0\" --offline < \"$1\"", Binaries.path("cn-friend"), ops],
                                     environment: alice.environment.merging(["CN_PASSPHRASE_FD": "0"]) { $1 }, absolute: true)
        #expect(fromFile.status == 77 && (fromFile.lines.last?["line"] as? Int) == 2, "\(fromFile)")
    }

    @Test func offlineRunsNeverTouchTheRelay() async throws {
        let relay = try await LocalRelay.start()
        defer { Task { await relay.stop() } }
        let alice = try await Device.enroll("alice@example.com", on: relay)
        let bob = try await Device.enroll("bob@example.com", on: relay)
        try await alice.friendOK(["request", "bob@example.com"])
        try await bob.friendOK(["pending"])
        let batch = try await bob.friend(["batch", "--offline"], stdin: #"{"op":"pending"}"# + "\n" + #"{"op":"block","email":"alice@example.com"}"#)
        #expect(batch.status == 64, "\(batch)")
        #expect(batch.lines.first?["email"] as? String == "alice@example.com", "pending as last synced")
        #expect((batch.lines.last?["error"] as? [String: Any])?["code"] as? Int == 64)
        #expect(try await bob.friendOK(["pending"]).lines.count == 1, "nothing was blocked")
    }

    @Test(arguments: [["cn-account", "--help"], ["cn-account", "init", "--help"], ["cn-account", "help", "passphrase"],
                      ["cn-friend", "--help"], ["cn-friend", "verify", "--help"], ["cn-friend", "help", "batch"]])
    func helpExitsZero(_ argv: [String]) async throws {
        let outcome = try await run(argv[0], Array(argv.dropFirst()), environment: [:])
        #expect(outcome.status == 0 && outcome.stdout.contains("USAGE:") && outcome.stderr.isEmpty, "\(outcome)")
    }
}
