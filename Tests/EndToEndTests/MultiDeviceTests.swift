import Foundation
import Testing

/// Several devices of one account: own-device copies, a peer's devices all receiving,
/// a device added later catching up from the agent (MANIFEST), and profiles.
@Suite(.serialized)
struct MultiDeviceTests {

    /// A second device of `device`'s account, accepted on the first one.
    static func addDevice(to device: Device, label: String) async throws -> Device {
        let added = try await Device.enroll(device.email, on: device.relay, label: label)
        let listed = try await device.account(["devices", "--accept-all"])
        #expect(listed.status == 0, "\(listed)")
        let listedAgain = try await device.account(["devices", "--accept-all"])
        let key = try await added.deviceKey()
        #expect(listedAgain.lines.first { $0["device"] as? String == key }?["trust"] as? String == "trusted", "\(listedAgain)")
        return added
    }

    @Test func ownDevicesSeeWhatEachSendsAndEveryDeviceOfThePeerReceives() async throws {
        let relay = try await LocalRelay.start()
        defer { Task { await relay.stop() } }
        let alice = try await Device.enroll("alice@example.com", on: relay)
        let bob = try await Device.enroll("bob@example.com", on: relay)
        try await alice.befriend(bob)
        let alice2 = try await Self.addDevice(to: alice, label: "alice2")
        let bob2 = try await Self.addDevice(to: bob, label: "bob2")
        // Each side learns the other's new device at its next sync (an unverified peer: trusted at once).
        try await alice.friendOK(["list"])
        try await alice2.friendOK(["list"])
        try await bob.friendOK(["list"])

        let sent = try await alice.send(["--to", "bob@example.com", "to every device"])
        #expect(sent.status == 0, "\(sent)")
        let result = try #require(sent.lines.first)
        let expected = Set([try await bob.deviceKey(), try await bob2.deviceKey(), try await alice2.deviceKey()])
        #expect(Set(result["stored"] as? [String] ?? []) == expected, "\(result)")

        for device in [bob, bob2] {
            let got = (try await device.recv()).messages
            #expect(got.map { $0["text"] as? String } == ["to every device"], "\(device.home)")
        }
        // The second device of alice shows what the first sent (its own-device copy).
        let copy = try #require((try await alice2.recv()).messages.first)
        #expect(copy["from"] as? String == "alice@example.com")
        #expect(copy["to"] as? String == "bob@example.com")
        #expect(copy["fromDevice"] as? String == (try await alice.deviceKey()))
        #expect(copy["id"] as? String == result["id"] as? String)

        // And the other way: bob2 replies; alice's two devices both get it, bob's first device its copy.
        let reply = try await bob2.send(["--to", "alice@example.com", "from bob's second device"])
        #expect(reply.status == 0, "\(reply)")
        for device in [alice, alice2, bob] {
            #expect((try await device.recv()).messages.map { $0["text"] as? String } == ["from bob's second device"], "\(device.home)")
        }
    }

    @Test func aDeviceAddedLaterCatchesUpFromTheAgent() async throws {
        let relay = try await LocalRelay.start()
        defer { Task { await relay.stop() } }
        let alice = try await Device.enroll("alice@example.com", on: relay)
        let bob = try await Device.enroll("bob@example.com", on: relay)
        try await alice.befriend(bob)
        for text in ["one", "two", "three"] { #expect(try await alice.send(["--to", "bob@example.com", text]).status == 0) }
        #expect(try await bob.send(["--to", "alice@example.com", "four"]).status == 0)
        #expect((try await alice.recv()).messages.count == 1)

        let agent = try alice.start("cn-recv", ["--follow"])
        defer { agent.process.terminate() }
        try await Task.sleep(for: .milliseconds(500))
        let later = try await Self.addDevice(to: alice, label: "alice-later")
        // The new device comes online; the agent sends it a MANIFEST.
        let caughtUp = try await later.recv(["--idle", "3"])
        let sync = try #require(caughtUp.lines.first { $0["type"] as? String == "sync" }, "\(caughtUp)")
        #expect(sync["messages"] as? Int == 4)
        let history = try await later.recv(["--history"])
        #expect(history.lines.map { $0["text"] as? String } == ["one", "two", "three", "four"], "\(history)")
        #expect(history.lines.map { $0["from"] as? String } == ["alice@example.com", "alice@example.com", "alice@example.com", "bob@example.com"])
    }

    @Test func aProfileNameReachesFriendsAndOnlyRises() async throws {
        let relay = try await LocalRelay.start()
        defer { Task { await relay.stop() } }
        let alice = try await Device.enroll("alice@example.com", on: relay)
        let bob = try await Device.enroll("bob@example.com", on: relay)
        try await alice.befriend(bob)
        let set = try await alice.account(["profile", "--name", "Alice A."])
        #expect(set.status == 0, "\(set)")
        #expect(set.lines.first?["nameVersion"] as? Int == 1)
        #expect(set.lines.first?["status"] as? String == "sent")
        let event = try #require(try await bob.recv().lines.first { $0["type"] as? String == "profile" })
        #expect(event["email"] as? String == "alice@example.com")
        #expect(event["name"] as? String == "Alice A.")
        #expect(try await bob.friends()["alice@example.com"]?["name"] as? String == "Alice A.")

        #expect(try await alice.account(["profile", "--name", "Alice B."]).lines.first?["nameVersion"] as? Int == 2)
        _ = try await bob.recv()
        #expect(try await bob.friends()["alice@example.com"]?["name"] as? String == "Alice B.")
        let shown = try await alice.account(["profile"])
        #expect(shown.lines.first?["name"] as? String == "Alice B.")

        // A friend made later gets the name in the friend packet itself.
        let carol = try await Device.enroll("carol@example.com", on: relay)
        try await alice.befriend(carol)
        #expect(try await carol.friends()["alice@example.com"]?["name"] as? String == "Alice B.")
    }
}
