import Foundation
import Testing
import CNProtocol
import CNCrypto
@testable import CNRelayKit

/// Friend requests, accept, deny, unfriend, block (PROTOCOL §5.1–5.5, 5.7, 5.8).
@Suite(.serialized)
struct FriendTests {
    let alice = "alice@example.com", bob = "bob@example.com"

    @Test func liveFriendFlow() async throws {
        let relay = try await TestRelay.start()
        defer { Task { await relay.stop() } }
        let a = try await relay.client(alice), b = try await relay.client(bob)

        try await a.send(.getPublicKey(TargetEmail("BOB@example.com")))
        #expect(try await a.next() == .publicKey(PublicKeyReply(targetEmail: bob, publicKeys: [b.publicKey])))
        try await a.send(.getPublicKey(TargetEmail("nobody@example.com")))
        guard case .publicKey(let none) = try await a.next() else { throw TestFailure("no PUBLIC_KEY") }
        #expect(none.publicKeys.isEmpty && none.publicKey == nil)

        try await a.requestFriend(bob, devices: [b.publicKey], from: alice)
        #expect(try await a.next() == .requestSent(TargetEmail(bob)))
        guard case .friendRequest(let push) = try await b.next() else { throw TestFailure("no FRIEND_REQUEST") }
        #expect(push.senderEmail == alice && push.senderHash == EmailAddress(alice)!.hash)
        #expect(push.publicKeys == [a.publicKey] && push.encryptedPacket == TestClient.packet(for: b.publicKey, from: alice))

        try await b.send(.friendAccept(FriendPackets(targetEmail: alice, payloads: [DevicePacket(publicKey: a.publicKey, encryptedPacket: "acc")])))
        let expectedSid = sid(alice, bob)
        #expect(try await b.next() == .friendAcceptedAck(FriendAcceptedAck(targetEmail: alice, sid: expectedSid)))
        #expect(try await a.next() == .friendAccepted(FriendAccepted(senderHash: EmailAddress(bob)!.hash, senderEmail: bob, sid: expectedSid,
                                                                     publicKeys: [b.publicKey], encryptedPacket: "acc")))
        // Both now see each other online.
        #expect(try await a.next() == .peerOnline(sid: expectedSid, PeerOnline(peerPubKeys: [b.publicKey], devicePublicKey: b.publicKey)))
        #expect(try await b.next() == .peerOnline(sid: expectedSid, PeerOnline(peerPubKeys: [a.publicKey], devicePublicKey: a.publicKey)))
        // And a message goes through at once.
        try await a.send(.message(OutgoingMessage(sid: expectedSid, id: "m1", confirm: true, payloads: [b.publicKey: "hi"])))
        guard case .message(let m) = try await b.next() else { throw TestFailure("no MSG") }
        #expect(m.payloads == [b.publicKey: "hi"] && m.senderKey == a.publicKey)
        // SESSION_LIST after a reconnect lists the friendship.
        let a2 = try await TestClient.connect(port: relay.port, identity: a.identity)
        let (sessions, _) = try await a2.login(relay.token(alice))
        let entry = try #require(sessions.first { $0.sid == expectedSid })
        #expect(entry.peerEmail == bob && entry.online && entry.peerPubKeys == [b.publicKey] && entry.onlinePubKeys == [b.publicKey])
        await a.close(); await a2.close(); await b.close()
    }

    @Test func theSealingDeviceIsListedFirst() async throws {
        let relay = try await TestRelay.start()
        defer { Task { await relay.stop() } }
        let a1 = try await relay.client(alice)
        try await Task.sleep(for: .milliseconds(1_100))  // a2 becomes the newest device
        let a2 = try await relay.client(alice)
        let b1 = try await relay.client(bob)
        try await a1.requestFriend(bob, devices: [b1.publicKey], from: alice)
        guard case .friendRequest(let push) = try await b1.expect(.friendRequest) else { throw TestFailure("no push") }
        #expect(push.publicKey == a1.publicKey && push.publicKeys == [a1.publicKey, a2.publicKey])
        try await b1.send(.getPendingRequests)
        guard case .pendingRequests(let pending) = try await b1.expect(.pendingRequests) else { throw TestFailure("no list") }
        #expect(pending.first?.publicKeys.first == a1.publicKey)
        // The accept, from Bob's older device, names that device first.
        try await Task.sleep(for: .milliseconds(1_100))
        let b2 = try await relay.client(bob)
        try await b1.send(.friendAccept(FriendPackets(targetEmail: alice, payloads: [DevicePacket(publicKey: a1.publicKey, encryptedPacket: "acc")])))
        guard case .friendAccepted(let accepted) = try await a1.expect(.friendAccepted) else { throw TestFailure("no accept") }
        #expect(accepted.publicKeys == [b1.publicKey, b2.publicKey])
        for c in [a1, a2, b1, b2] { await c.close() }
    }

    @Test func requestToAnOfflineTargetWaitsInPendingRequests() async throws {
        let relay = try await TestRelay.start()
        defer { Task { await relay.stop() } }
        // Bob has a device the relay knows, then goes offline.
        let b0 = try await relay.client(bob)
        let bobKey = b0.publicKey
        await b0.close()
        let a = try await relay.client(alice)
        try await a.requestFriend(bob, devices: [bobKey], from: alice)
        _ = try await a.expect(.requestSent)

        let b = try await TestClient.connect(port: relay.port, identity: b0.identity)
        let (_, pending) = try await b.login(relay.token(bob))
        #expect(pending.count == 1)
        #expect(pending.first?.senderEmail == alice && pending.first?.encryptedPacket == TestClient.packet(for: bobKey, from: alice))
        #expect(pending.first?.publicKeys == [a.publicKey])
        try await b.send(.getPendingRequests)
        #expect(try await b.next() == .pendingRequests(pending))
        await a.close(); await b.close()
    }

    @Test func acceptWhileRequesterOfflineArrivesAtItsNextAuth() async throws {
        let relay = try await TestRelay.start()
        defer { Task { await relay.stop() } }
        let a = try await relay.client(alice), b = try await relay.client(bob)
        try await a.requestFriend(bob, devices: [b.publicKey], from: alice)
        _ = try await b.expect(.friendRequest)
        await a.close()
        try await Task.sleep(for: .milliseconds(100))
        try await b.send(.friendAccept(FriendPackets(targetEmail: alice, payloads: [DevicePacket(publicKey: a.publicKey, encryptedPacket: "acc")])))
        _ = try await b.expect(.friendAcceptedAck)

        let a2 = try await TestClient.connect(port: relay.port, identity: a.identity)
        try await a2.auth(relay.token(alice))
        guard case .friendAccepted(let accepted) = try await a2.next() else { throw TestFailure("no stored FRIEND_ACCEPTED") }
        #expect(accepted.senderEmail == bob && accepted.encryptedPacket == "acc" && accepted.sid == sid(alice, bob))
        // Delivered once: the next login does not repeat it.
        await a2.close()
        let a3 = try await TestClient.connect(port: relay.port, identity: a.identity)
        try await a3.auth(relay.token(alice))
        guard case .sessionList = try await a3.next() else { throw TestFailure("notification repeated") }
        await a3.close(); await b.close()
    }

    @Test func acceptWithoutARequestIsRefused() async throws {
        let relay = try await TestRelay.start()
        defer { Task { await relay.stop() } }
        let a = try await relay.client(alice), b = try await relay.client(bob)
        try await b.send(.friendAccept(FriendPackets(targetEmail: alice, encryptedPacket: "x")))
        _ = try await b.expectError(.noPendingRequest)
        try await b.send(.friendDeny(TargetEmail(alice)))
        _ = try await b.expectError(.noPendingRequest)
        // And no friendship came of it.
        try await a.send(.message(OutgoingMessage(sid: sid(alice, bob), payloads: [b.publicKey: "x"])))
        _ = try await a.expectError(.notFriends)
        try await a.requestFriend(alice, devices: [a.publicKey], from: alice)
        _ = try await a.expectError(.selfRequest)
        await a.close(); await b.close()
    }

    @Test func denyReachesTheRequesterLiveAndOffline() async throws {
        let relay = try await TestRelay.start()
        defer { Task { await relay.stop() } }
        let a = try await relay.client(alice), b = try await relay.client(bob)
        try await a.requestFriend(bob, devices: [b.publicKey], from: alice)
        _ = try await b.expect(.friendRequest)
        try await b.send(.friendDeny(TargetEmail(alice)))
        #expect(try await a.expect(.friendDenied) == .friendDenied(PeerEvent(senderHash: EmailAddress(bob)!.hash, senderEmail: bob)))
        try await b.send(.getPendingRequests)
        #expect(try await b.expect(.pendingRequests) == .pendingRequests([]))
        // Offline: stored, then delivered at the next AUTH.
        try await a.requestFriend(bob, devices: [b.publicKey], from: alice)
        _ = try await b.expect(.friendRequest)
        await a.close()
        try await Task.sleep(for: .milliseconds(100))
        try await b.send(.friendDeny(TargetEmail(alice)))
        let a2 = try await TestClient.connect(port: relay.port, identity: a.identity)
        try await a2.auth(relay.token(alice))
        #expect(try await a2.next() == .friendDenied(PeerEvent(senderHash: EmailAddress(bob)!.hash, senderEmail: bob)))
        await a2.close(); await b.close()
    }

    @Test func unfriendEndsTheConversation() async throws {
        let relay = try await TestRelay.start()
        defer { Task { await relay.stop() } }
        let a = try await relay.client(alice), b = try await relay.client(bob)
        let s = try await befriend(a, alice, b, bob)
        try await a.send(.unfriend(TargetEmail(bob)))
        #expect(try await b.expect(.friendRemoved) == .friendRemoved(PeerEvent(senderHash: EmailAddress(alice)!.hash, senderEmail: alice, sid: s)))
        #expect(try await a.expect(.peerOffline) == .peerOffline(sid: s, PeerOffline(devicePublicKey: b.publicKey, online: false)))
        try await a.send(.message(OutgoingMessage(sid: s, id: "late", payloads: [b.publicKey: "x"])))
        #expect(try await a.expectError(.notFriends).id == "late")
        try await a.send(.unfriend(TargetEmail(bob)))
        _ = try await a.expectError(.notFriends)
        await a.close(); await b.close()
    }

    @Test func blockStoresNothingAndRefusesMessages() async throws {
        let relay = try await TestRelay.start()
        defer { Task { await relay.stop() } }
        let a = try await relay.client(alice), b = try await relay.client(bob)
        let s = try await befriend(a, alice, b, bob)
        try await b.send(.block(TargetEmail(alice)))
        #expect(try await b.expect(.userBlocked) == .userBlocked(TargetEmail(alice)))
        #expect(try await a.expect(.userBlockedEvent) == .userBlockedEvent(PeerEvent(senderHash: EmailAddress(bob)!.hash)))
        // Messages are refused; a new request is answered as sent but stored nowhere.
        try await a.send(.message(OutgoingMessage(sid: s, payloads: [b.publicKey: "x"])))
        _ = try await a.expectError(.notFriends)
        try await a.requestFriend(bob, devices: [b.publicKey], from: alice)
        #expect(try await a.expect(.requestSent) == .requestSent(TargetEmail(bob)))
        try await b.expectSilence()
        try await b.send(.getPendingRequests)
        #expect(try await b.expect(.pendingRequests) == .pendingRequests([]))
        // Not after a restart of Bob's session either.
        let b2 = try await TestClient.connect(port: relay.port, identity: b.identity)
        let (_, pending) = try await b2.login(relay.token(bob))
        #expect(pending.isEmpty)
        // Unblock: the event reaches Alice; the friendship is not restored.
        try await b.send(.unblock(TargetEmail(alice)))
        #expect(try await b.expect(.userUnblocked) == .userUnblocked(TargetEmail(alice)))
        #expect(try await a.expect(.userUnblockedEvent) == .userUnblockedEvent(PeerEvent(senderHash: EmailAddress(bob)!.hash)))
        try await a.send(.message(OutgoingMessage(sid: s, payloads: [b.publicKey: "x"])))
        _ = try await a.expectError(.notFriends)
        // A new request now goes through.
        try await a.requestFriend(bob, devices: [b.publicKey], from: alice)
        _ = try await b.expect(.friendRequest)
        await a.close(); await b.close(); await b2.close()
    }

    @Test func publicKeyLookupsAreLimited() async throws {
        let relay = try await TestRelay.start()
        defer { Task { await relay.stop() } }
        let a = try await relay.client(alice)
        for i in 0..<30 {
            try await a.send(.getPublicKey(TargetEmail("u\(i)@example.com")))
            _ = try await a.expect(.publicKey)
        }
        try await a.send(.getPublicKey(TargetEmail("u31@example.com")))
        _ = try await a.expectError(.rateLimited)
        try await a.send(.getPublicKey(TargetEmail("not an address")))
        _ = try await a.expectError(.badFrame)
        await a.close()
    }
}
