import Foundation
import Testing

/// The friend flow through the real binaries and a real relay, each account in its own
/// `$CN_HOME`, users admitted with `cn-relay token`.
@Suite(.serialized)
struct FriendFlowTests {
    @Test func requestWithTheTargetOfflineThenAcceptVerify() async throws {
        let relay = try await LocalRelay.start()
        defer { Task { await relay.stop() } }
        let alice = try await Device.enroll("alice@example.com", on: relay)
        let bob = try await Device.enroll("bob@example.com", on: relay)

        let sent = try await alice.friendOK(["request", "Bob@Example.com"])
        #expect(sent.lines.first?["status"] as? String == "sent")
        #expect(sent.lines.first?["devices"] as? [String] == [try await bob.deviceKey()])

        let pending = try await bob.friendOK(["pending"])
        #expect(pending.lines.map { $0["email"] as? String } == ["alice@example.com"])
        #expect(pending.lines.first?["devices"] as? [String] == [try await alice.deviceKey()])

        let accepted = try await bob.friendOK(["accept", "alice@example.com"])
        #expect(accepted.lines.first?["status"] as? String == "friends")
        #expect(try await bob.friends()["alice@example.com"]?["state"] as? String == "friend")
        let aliceView = try await alice.friendOK(["list"])
        #expect(aliceView.lines.map { $0["email"] as? String } == ["bob@example.com"])
        #expect(aliceView.events.contains { $0["type"] as? String == "friend_accepted" }, "the stored FRIEND_ACCEPTED reached alice")

        let number = try await alice.safetyNumber(with: "bob@example.com")
        #expect(number.split(separator: " ").count == 12)
        #expect(try await bob.safetyNumber(with: "alice@example.com") == number)

        // A wrong number verifies nothing; the right one does.
        var wrong = Array(number)
        wrong[0] = wrong[0] == "1" ? "2" : "1"
        let refused = try await alice.friend(["verify", "bob@example.com", String(wrong)])
        #expect(refused.status == 77 && refused.errorCode == 77, "\(refused)")
        #expect(try await alice.friends()["bob@example.com"]?["verified"] as? Bool == false)
        let verified = try await alice.friendOK(["verify", "bob@example.com", number.replacingOccurrences(of: " ", with: "")])
        #expect(verified.lines.first?["verified"] as? Bool == true)
        #expect(try await alice.friends()["bob@example.com"]?["verified"] as? Bool == true)
    }

    @Test func requestWithTheTargetOnline() async throws {
        let relay = try await LocalRelay.start()
        defer { Task { await relay.stop() } }
        let alice = try await Device.enroll("alice@example.com", on: relay)
        let bob = try await Device.enroll("bob@example.com", on: relay)

        // Bob is online: a cn-friend batch process holds its connection, reading stdin.
        let input = Pipe()
        let online = try Child(Binaries.path("cn-friend"), [], environment: bob.environment, stdin: input)
        online.send(#"{"op":"list"}"#)
        try await online.waitFor("bob connected") { _ in true }
        try await Task.sleep(for: .milliseconds(300))
        try await alice.friendOK(["request", "bob@example.com"])
        try await online.waitFor("live FRIEND_REQUEST") { $0.stderr.contains(#""type":"friend_request""#) }
        online.send(#"{"op":"pending"}"#)
        try await online.waitFor("pending line") { $0.stdout.contains(#""email":"alice@example.com""#) }
        online.send(#"{"op":"accept","email":"alice@example.com"}"#)
        try await online.waitFor("accepted") { $0.stdout.contains(#""status":"friends""#) }
        online.closeInput()
        let outcome = try await online.finish()
        #expect(outcome.status == 0, "\(outcome)")
        #expect(try await alice.friends()["bob@example.com"]?["state"] as? String == "friend")
    }

    @Test func denyBlockUnblockRemove() async throws {
        let relay = try await LocalRelay.start()
        defer { Task { await relay.stop() } }
        let alice = try await Device.enroll("alice@example.com", on: relay)
        let bob = try await Device.enroll("bob@example.com", on: relay)
        let mallory = try await Device.enroll("mallory@example.com", on: relay)

        // Deny: the request is gone on both sides.
        try await alice.friendOK(["request", "bob@example.com"])
        #expect(try await bob.friendOK(["deny", "alice@example.com"]).lines.first?["status"] as? String == "denied")
        #expect(try await bob.friendOK(["pending"]).lines.isEmpty)
        let denied = try await alice.friendOK(["list", "--all"])
        #expect(denied.events.contains { $0["type"] as? String == "friend_denied" })
        #expect(denied.lines.first { $0["email"] as? String == "bob@example.com" }?["state"] as? String == "none")
        let again = try await bob.friend(["deny", "alice@example.com"])
        #expect(again.status == 77, "no pending request: \(again)")

        // Block: the blocked user's request is invisible, and it cannot tell.
        try await bob.friendOK(["block", "mallory@example.com"])
        let hidden = try await mallory.friend(["request", "bob@example.com"])
        #expect(hidden.status == 0 && hidden.lines.first?["status"] as? String == "sent", "no block oracle: \(hidden)")
        // Mallory hears of the block at her next sync (this one); she never knew bob before
        // it, so the event names only his hash.
        #expect(hidden.events.contains { $0["type"] as? String == "blocked" && $0["emailHash"] as? String == sha256Hex("bob@example.com") }, "\(hidden)")
        #expect(try await bob.friendOK(["pending"]).lines.isEmpty)
        #expect(try await bob.friends(all: true)["mallory@example.com"]?["blocked"] as? Bool == true)
        try await bob.friendOK(["unblock", "mallory@example.com"])
        #expect(try await bob.friends(all: true)["mallory@example.com"]?["blocked"] as? Bool == false)
        #expect(try await bob.friendOK(["pending"]).lines.isEmpty, "a request sent while blocked is not restored")
        try await mallory.friendOK(["request", "bob@example.com"])
        #expect(try await bob.friendOK(["pending"]).lines.map { $0["email"] as? String } == ["mallory@example.com"])

        // Remove: both sides end up without the friendship.
        try await alice.friendOK(["request", "bob@example.com"])
        try await bob.friendOK(["accept", "alice@example.com"])
        #expect(try await alice.friends().keys.contains("bob@example.com"))
        #expect(try await alice.friendOK(["remove", "bob@example.com"]).lines.first?["status"] as? String == "removed")
        #expect(try await alice.friends().isEmpty)
        let bobAfter = try await bob.friendOK(["list"])
        #expect(bobAfter.lines.isEmpty)
        #expect(bobAfter.events.contains { $0["type"] as? String == "friend_removed" })
    }
}
