import Foundation
import Testing

/// Bad input gets a clear error, the right exit code and loses nothing (DESIGN §4, §6).
@Suite(.serialized)
struct BadInputTests {
    @Test func malformedAddressesSelfRequestsAndUnknownAccounts() async throws {
        let relay = try await LocalRelay.start()
        defer { Task { await relay.stop() } }
        let alice = try await Device.enroll("alice@example.com", on: relay)

        for bad in ["not-an-email", "a@@b.c", "", "@example.com"] {
            let outcome = try await alice.friend(["request", bad])
            #expect(outcome.status == 64 && outcome.errorCode == 64, "\(bad): \(outcome)")
        }
        let selfRequest = try await alice.friend(["request", "ALICE@example.com"])
        #expect(selfRequest.status == 65 && selfRequest.errorCode == 65, "\(selfRequest)")
        let unknownUser = try await alice.friend(["request", "nobody@example.com"])
        #expect(unknownUser.status == 65, "\(unknownUser)")

        let unknownAccount = try await alice.friend(["list", "--account", "carol@example.com"])
        #expect(unknownAccount.status == 78 && unknownAccount.errorCode == 78, "\(unknownAccount)")
        let emptyStore = try await run("cn-friend", ["list"], environment: ["CN_HOME": Binaries.temporaryDirectory("empty")])
        #expect(emptyStore.status == 78, "\(emptyStore)")
        let badRelay = try await alice.friend(["list", "--relay", "ftp://x"])
        #expect(badRelay.status == 78, "\(badRelay)")
        // A session token never crosses a network in the clear.
        let cleartext = try await alice.friend(["list", "--relay", "ws://relay.example:9000"])
        #expect(cleartext.status == 78 && cleartext.stderr.contains("wss://"), "\(cleartext)")
    }

    @Test func batchLinesFailAloneAndTheOthersRun() async throws {
        let relay = try await LocalRelay.start()
        defer { Task { await relay.stop() } }
        let alice = try await Device.enroll("alice@example.com", on: relay)
        _ = try await Device.enroll("bob@example.com", on: relay)
        let input = [
            #"{"op":"request","email":"bob@example.com"}"#,
            #"{"op":"request","email":"not an email"}"#,
            "this is not json",
            #"{"op":"explode","email":"bob@example.com"}"#,
            #"{"email":"bob@example.com"}"#,
            String(repeating: "x", count: 100_000),
            "",
            #"{"op":"list","all":true}"#,
        ].joined(separator: "\n")
        let outcome = try await alice.friend([], stdin: input)
        #expect(outcome.status == 65, "\(outcome)")
        // Bytes that are not UTF-8 are refused, not replaced into a plausible address.
        let binary = try await run("/bin/sh", ["-c", #"printf '{"op":"request","email":"b\377ob@example.com"}\n{"op":"list","all":true}\n' | "$0""#, Binaries.path("cn-friend")],
                                   environment: alice.environment, absolute: true)
        #expect(binary.status == 65 && binary.lines.first?["line"] as? Int == 1 && binary.lines.count == 2, "\(binary)")
        let lines = outcome.lines
        #expect(lines.first?["status"] as? String == "sent")
        let errors = lines.compactMap { line -> Int? in (line["error"] as? [String: Any]) != nil ? line["line"] as? Int : nil }
        #expect(errors == [2, 3, 4, 5, 6])
        #expect(lines.last?["email"] as? String == "bob@example.com" && lines.last?["state"] as? String == "outgoing")
    }

    @Test func relayDownIs69() async throws {
        let relay = try await LocalRelay.start()
        let alice = try await Device.enroll("alice@example.com", on: relay)
        await relay.stop()
        let outcome = try await alice.friend(["request", "bob@example.com", "--timeout", "3"])
        #expect(outcome.status == 69 && outcome.errorCode == 69, "\(outcome)")
        let whoami = try await alice.account(["whoami"])
        #expect(whoami.status == 69, "\(whoami)")
        #expect(try await alice.account(["whoami", "--offline"]).status == 0)
        #expect(try await alice.friend(["list", "--offline"]).status == 0)
    }

    @Test func passphraseSourcesAndFailures() async throws {
        let relay = try await LocalRelay.start()
        defer { Task { await relay.stop() } }
        let alice = try await Device.enroll("alice@example.com", on: relay)
        let dir = Binaries.temporaryDirectory("pass")
        let good = dir + "/good", bad = dir + "/bad"
        try "correct horse battery\n".write(toFile: good, atomically: true, encoding: .utf8)
        try "wrong\n".write(toFile: bad, atomically: true, encoding: .utf8)
        let set = try await alice.account(["passphrase", "set", "--new-passphrase-file", good])
        #expect(set.status == 0, "\(set)")

        // No tty and no source: 78 at once, no hang (stdin is /dev/null, the timeout would fail the test).
        let none = try await alice.account(["whoami", "--offline"])
        #expect(none.status == 78 && none.errorCode == 78, "\(none)")
        let wrong = try await alice.account(["whoami", "--offline", "--passphrase-file", bad])
        #expect(wrong.status == 77 && wrong.errorCode == 77, "\(wrong)")
        for (variable, value) in [("CN_PASSPHRASE_FILE", good), ("CN_PASSPHRASE", "correct horse battery"),
                                  ("CN_PASSPHRASE_COMMAND", "printf 'correct horse battery\\n'")] {
            let outcome = try await alice.account(["whoami"], extraEnvironment: [variable: value])
            #expect(outcome.status == 0, "\(variable): \(outcome)")
        }
        let failingCommand = try await alice.account(["whoami"], extraEnvironment: ["CN_PASSPHRASE_COMMAND": "exit 3"])
        #expect(failingCommand.status == 78, "\(failingCommand)")
        // --passphrase-file comes first: a wrong file is not rescued by a right variable.
        let order = try await alice.account(["whoami", "--passphrase-file", bad], extraEnvironment: ["CN_PASSPHRASE": "correct horse battery"])
        #expect(order.status == 77, "\(order)")
        // The session token is sealed too, and still refreshed by every AUTH.
        #expect(try await alice.friend(["list"], extraEnvironment: ["CN_PASSPHRASE_FILE": good]).status == 0)
        let removed = try await alice.account(["passphrase", "remove", "--passphrase-file", good])
        #expect(removed.status == 0, "\(removed)")
        #expect(try await alice.account(["whoami"]).status == 0)
    }

    @Test func corruptedRegistryIsReportedAndKept() async throws {
        let relay = try await LocalRelay.start()
        defer { Task { await relay.stop() } }
        let alice = try await Device.enroll("alice@example.com", on: relay)
        let path = alice.home + "/accounts.json"
        let damaged = String(try String(contentsOfFile: path, encoding: .utf8).dropLast(20))
        try damaged.write(toFile: path, atomically: true, encoding: .utf8)
        for outcome in [try await alice.friend(["list"]), try await alice.account(["list"]),
                        try await alice.account(["init", "--email", "x@example.com", "--relay", relay.url, "--token", "t"])] {
            #expect(outcome.status == 78 && outcome.stderr.contains("accounts.json"), "\(outcome)")
        }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == damaged, "nothing overwritten")
    }

    @Test func badTokensAndAccountsThatExist() async throws {
        let relay = try await LocalRelay.start()
        defer { Task { await relay.stop() } }
        let home = Binaries.temporaryDirectory("tokens")
        let env = ["CN_HOME": home]
        let forged = try await run("cn-account", ["init", "--email", "eve@example.com", "--relay", relay.url,
                                                  "--token", "sess:9999999999:eve@example.com:" + String(repeating: "0", count: 64)], environment: env)
        #expect(forged.status == 77, "\(forged)")
        #expect(try await run("cn-account", ["list"], environment: env).lines.isEmpty, "nothing half-made stays behind")
        let someoneElses = try await run("cn-account", ["init", "--email", "eve@example.com", "--relay", relay.url,
                                                        "--token", try await relay.token("alice@example.com")], environment: env)
        #expect(someoneElses.status == 77, "\(someoneElses)")
        let alice = try await Device.enroll("alice@example.com", on: relay)
        // The token may come from a file or a pipe instead of the command line (ps shows that).
        let bobHome = Binaries.temporaryDirectory("token-file")
        let viaPipe = try await run("cn-account", ["init", "--email", "bob@example.com", "--relay", relay.url, "--token-file", "/dev/stdin"],
                                    environment: ["CN_HOME": bobHome], stdin: try await relay.token("bob@example.com") + "\n")
        #expect(viaPipe.status == 0, "\(viaPipe)")
        let missing = try await run("cn-account", ["init", "--email", "carol@example.com", "--relay", relay.url, "--token-file", bobHome + "/nope"],
                                    environment: ["CN_HOME": bobHome])
        #expect(missing.status == 66, "\(missing)")
        let twice = try await alice.account(["init", "--email", "alice@example.com", "--relay", relay.url, "--token", try await relay.token("alice@example.com")])
        #expect(twice.status == 73, "\(twice)")
        let usage = try await alice.account(["init", "--email", "x@example.com", "--relay", relay.url])
        #expect(usage.status == 64, "\(usage)")
        // Logout forgets the token: relay commands need a new sign-in (77), then work again.
        #expect(try await alice.account(["logout"]).status == 0)
        #expect(try await alice.friend(["list"]).status == 77)
        #expect(try await alice.account(["login", "--token", try await relay.token("alice@example.com")]).status == 0)
        #expect(try await alice.friend(["list"]).status == 0)
    }

    @Test func twoProcessesOfOneAccountAtOnce() async throws {
        let relay = try await LocalRelay.start()
        defer { Task { await relay.stop() } }
        let alice = try await Device.enroll("alice@example.com", on: relay)
        for name in ["bob", "carol", "dave", "erin"] { _ = try await Device.enroll("\(name)@example.com", on: relay) }
        async let first = alice.friend([], stdin: #"{"op":"request","email":"bob@example.com"}"# + "\n" + #"{"op":"request","email":"carol@example.com"}"#)
        async let second = alice.friend([], stdin: #"{"op":"request","email":"dave@example.com"}"# + "\n" + #"{"op":"request","email":"erin@example.com"}"#)
        let (a, b) = try await (first, second)
        #expect(a.status == 0 && b.status == 0, "\(a)\n\(b)")
        let peers = try await alice.friends(all: true)
        #expect(Set(peers.keys) == ["bob@example.com", "carol@example.com", "dave@example.com", "erin@example.com"])
        #expect(peers.values.allSatisfy { $0["state"] as? String == "outgoing" })
    }
}
