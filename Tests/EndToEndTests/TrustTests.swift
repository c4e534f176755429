import Foundation
import Testing

/// Device keys: pinned on first use, changes reported, a verified peer's new keys held
/// back until accepted (PROTOCOL §6.4).
@Suite(.serialized)
struct TrustTests {
    static func friends(on relay: LocalRelay) async throws -> (alice: Device, bob: Device) {
        let alice = try await Device.enroll("alice@example.com", on: relay)
        let bob = try await Device.enroll("bob@example.com", on: relay)
        try await alice.friendOK(["request", "bob@example.com"])
        try await bob.friendOK(["accept", "alice@example.com"])
        try await alice.friendOK(["list"])
        return (alice, bob)
    }

    static func devices(_ peer: [String: Any]?) -> [String: String] {
        Dictionary(uniqueKeysWithValues: ((peer?["devices"] as? [[String: Any]]) ?? []).map { ($0["key"] as! String, $0["trust"] as! String) })
    }

    @Test func aSecondDeviceIsSeenAndPinned() async throws {
        let relay = try await LocalRelay.start()
        defer { Task { await relay.stop() } }
        let (alice, bob) = try await Self.friends(on: relay)
        let laptop = try await Device.enroll("alice@example.com", on: relay, label: "alice-laptop")
        let keys = Set([try await alice.deviceKey(), try await laptop.deviceKey()])

        let sync = try await bob.friendOK(["list"])
        let change = try #require(sync.events.first { $0["type"] as? String == "key_change" }, "\(sync)")
        #expect(change["email"] as? String == "alice@example.com")
        #expect(change["devices"] as? [String] == [try await laptop.deviceKey()])
        let alicePeer = sync.lines.first { $0["email"] as? String == "alice@example.com" }
        #expect(Set(Self.devices(alicePeer).keys) == keys)
        #expect(Self.devices(alicePeer).values.allSatisfy { $0 == "trusted" }, "an unverified peer's new key is pinned and reported")
        #expect(alicePeer?["keyChanged"] as? Bool == true)

        // Both of alice's devices see the friendship, and their own other device: the
        // laptop trusts the phone it found at its first sync; the phone is told of the
        // laptop, which stays out of its safety numbers until alice accepts it there.
        #expect(try await laptop.friends()["bob@example.com"]?["state"] as? String == "friend")
        let own = try await laptop.account(["devices"])
        #expect(Set(own.lines.compactMap { $0["device"] as? String }) == keys)
        #expect(own.lines.allSatisfy { $0["trust"] as? String == "trusted" })
        let phoneSync = try await alice.account(["devices"])
        #expect(phoneSync.events.contains { $0["type"] as? String == "key_change" && $0["own"] as? Bool == true }, "\(phoneSync)")
        let laptopKey = try await laptop.deviceKey()
        #expect(phoneSync.lines.first { $0["device"] as? String == laptopKey }?["trust"] as? String == "unconfirmed")
        let number = try await bob.safetyNumber(with: "alice@example.com")
        #expect(try await laptop.safetyNumber(with: "bob@example.com") == number)
        #expect(try await alice.safetyNumber(with: "bob@example.com") != number, "an unaccepted own device is not in the number")
        let accepted = try await alice.account(["devices", "--offline", "--accept", laptopKey])
        #expect(accepted.status == 0 && accepted.lines.allSatisfy { $0["trust"] as? String == "trusted" }, "\(accepted)")
        // The safety number covers both devices, the same on all three.
        #expect(try await alice.safetyNumber(with: "bob@example.com") == number)
    }

    @Test func reinitialisingADeviceIsReportedAsAKeyChange() async throws {
        let relay = try await LocalRelay.start()
        defer { Task { await relay.stop() } }
        let (alice, bob) = try await Self.friends(on: relay)
        let before = try await bob.safetyNumber(with: "alice@example.com")
        let oldKey = try await alice.deviceKey()
        #expect(try await alice.account(["remove", "alice@example.com", "--force"]).status == 0)
        try await alice.initialise()
        let newKey = try await alice.deviceKey()
        #expect(newKey != oldKey)

        let sync = try await bob.friendOK(["list"])
        let change = try #require(sync.events.first { $0["type"] as? String == "key_change" }, "\(sync)")
        #expect(change["devices"] as? [String] == [newKey])
        #expect(sync.lines.first?["keyChanged"] as? Bool == true)
        #expect(try await bob.safetyNumber(with: "alice@example.com") != before)
        // Accepting the change clears the flag.
        try await bob.friendOK(["trust", "alice@example.com"])
        #expect(try await bob.friends()["alice@example.com"]?["keyChanged"] as? Bool == false)
    }

    @Test func aVerifiedPeersNewKeyIsNotUsedUntilAccepted() async throws {
        let relay = try await LocalRelay.start()
        defer { Task { await relay.stop() } }
        let (alice, bob) = try await Self.friends(on: relay)
        let number = try await bob.safetyNumber(with: "alice@example.com")
        try await bob.friendOK(["verify", "alice@example.com", number])
        let laptop = try await Device.enroll("alice@example.com", on: relay, label: "alice-laptop")
        let laptopKey = try await laptop.deviceKey(), phoneKey = try await alice.deviceKey()

        let sync = try await bob.friendOK(["list"])
        let change = try #require(sync.events.first { $0["type"] as? String == "key_change" })
        #expect(change["unconfirmed"] as? [String] == [laptopKey])
        #expect(Self.devices(sync.lines.first) == [phoneKey: "trusted", laptopKey: "unconfirmed"])

        // Not used: a new friend request from bob is sealed to the trusted key only.
        try await bob.friendOK(["remove", "alice@example.com"])
        let request = try await bob.friendOK(["request", "alice@example.com"])
        #expect(request.lines.first?["devices"] as? [String] == [phoneKey])
        #expect(request.lines.first?["unconfirmed"] as? [String] == [laptopKey])
        // The laptop got no packet it could open: its pending list is empty; the phone's is not.
        #expect(try await laptop.friendOK(["pending"]).lines.isEmpty)
        #expect(try await alice.friendOK(["pending"]).lines.map { $0["email"] as? String } == ["bob@example.com"])

        // The old number no longer verifies; the new one (covering the laptop) accepts it.
        #expect(try await bob.friend(["verify", "alice@example.com", number]).status == 77)
        let newNumber = try await bob.safetyNumber(with: "alice@example.com")
        #expect(newNumber != number)
        try await bob.friendOK(["verify", "alice@example.com", newNumber])
        #expect(Self.devices(try await bob.friends(all: true)["alice@example.com"]) == [phoneKey: "trusted", laptopKey: "trusted"])
        let resent = try await bob.friendOK(["request", "alice@example.com"])
        #expect(Set(resent.lines.first?["devices"] as? [String] ?? []) == [phoneKey, laptopKey])
    }
}
