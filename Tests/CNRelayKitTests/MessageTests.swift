import Foundation
import Testing
import CNProtocol
import CNCrypto
@testable import CNRelayKit

/// MSG routing per device key, DELIVERED details, multi-device and the self
/// conversation, RTC_*, TURN (PROTOCOL §5.6, 5.8, 5.9).
@Suite(.serialized)
struct MessageTests {
    let alice = "alice@example.com", bob = "bob@example.com", carol = "carol@example.com"

    @Test func eachPayloadReachesExactlyItsDevice() async throws {
        let relay = try await TestRelay.start()
        defer { Task { await relay.stop() } }
        let a = try await relay.client(alice)
        // Bob: two devices; the first has two sockets (two processes of one device).
        let b1 = try await relay.client(bob)
        let b1bis = try await TestClient.connect(port: relay.port, identity: b1.identity)
        try await b1bis.login(relay.token(bob))
        let b2 = try await relay.client(bob)
        let s = try await befriend(a, alice, b1, bob)
        let stranger = try await relay.client(carol)

        try await a.send(.message(OutgoingMessage(sid: s, id: "m1", confirm: true, priority: 0, payloads: [
            b1.publicKey: "for-b1", b2.publicKey: "for-b2", stranger.publicKey: "for-carol", "bogus": "x",
        ])))
        for (client, expected) in [(b1, "for-b1"), (b1bis, "for-b1"), (b2, "for-b2")] {
            guard case .message(let m) = try await client.expect(.message) else { throw TestFailure("no MSG") }
            #expect(m.payloads == [client.publicKey: expected])
            #expect(m.header == MessageHeader(sid: s, id: "m1", priority: 0))
            #expect(m.senderHash == EmailAddress(alice)!.hash && m.senderKey == a.publicKey && !m.queued)
        }
        guard case .delivered(let notice) = try await a.expect(.delivered) else { throw TestFailure("no DELIVERED") }
        #expect(notice.id == "m1" && notice.sid == s)
        #expect(Set(notice.report.delivered) == [b1.publicKey, b2.publicKey] && notice.report.stored.isEmpty)
        // Carol's key is nobody's in this conversation: she gets nothing.
        try await stranger.expectSilence()
        for c in [a, b1, b1bis, b2, stranger] { await c.close() }
    }

    @Test func hostileMessageIDsSurviveTheHandWrittenFrames() async throws {
        let relay = try await TestRelay.start()
        defer { Task { await relay.stop() } }
        let a = try await relay.client(alice), b = try await relay.client(bob)
        let s = try await befriend(a, alice, b, bob)
        let id = "q\"uote\\ é\n\u{01}😀/"
        try await a.send(.message(OutgoingMessage(sid: s, id: id, confirm: true, payloads: [b.publicKey: "a/b+c=="])))
        guard case .message(let m) = try await b.expect(.message) else { throw TestFailure("no MSG") }
        #expect(m.header.id == id && m.payloads == [b.publicKey: "a/b+c=="])
        #expect(try await a.expect(.delivered) == .delivered(DeliveryNotice(sid: s, id: id, report: DeliveryReport(delivered: [b.publicKey]))))
        await a.close(); await b.close()
    }

    @Test func theSelfConversationLinksOwnDevices() async throws {
        let relay = try await TestRelay.start()
        defer { Task { await relay.stop() } }
        let d1 = try await relay.client(alice)
        let d2 = try await TestClient.connect(port: relay.port)
        let (sessions, _) = try await d2.login(relay.token(alice))
        let selfSid = sid(alice, alice)
        #expect(sessions == [SessionEntry(sid: selfSid, peerHash: EmailAddress(alice)!.hash, peerEmail: alice, online: true,
                                          peerPubKeys: [d1.publicKey], onlinePubKeys: [d1.publicKey], ownPubKeys: [d1.publicKey])])
        guard case .peerOnline(let onSid, let on) = try await d1.expect(.peerOnline) else { throw TestFailure("no PEER_ONLINE") }
        #expect(onSid == selfSid && on.devicePublicKey == d2.publicKey && Set(on.peerPubKeys) == [d1.publicKey, d2.publicKey])
        try await d1.send(.message(OutgoingMessage(sid: selfSid, id: "sync", confirm: true, payloads: [d2.publicKey: "note", d1.publicKey: "mine"])))
        guard case .message(let m) = try await d2.expect(.message) else { throw TestFailure("no MSG") }
        #expect(m.payloads == [d2.publicKey: "note"])
        guard case .delivered(let n) = try await d1.expect(.delivered) else { throw TestFailure("no DELIVERED") }
        #expect(n.report.delivered == [d2.publicKey])
        // Only the sender's own device online: DELIVERED_FAILED (no other device got it).
        await d2.close()
        _ = try await d1.expect(.peerOffline)
        try await d1.send(.message(OutgoingMessage(sid: selfSid, id: "alone", confirm: true, payloads: [d1.publicKey: "mine"])))
        guard case .deliveryFailed = try await d1.expect(.deliveredFailed) else { throw TestFailure("no DELIVERED_FAILED") }
        await d1.close()
    }

    @Test func ownOtherDevicesDoNotCountAsDelivery() async throws {
        let relay = try await TestRelay.start { $0.mailboxEnabled = false }
        defer { Task { await relay.stop() } }
        let a1 = try await relay.client(alice), a2 = try await relay.client(alice)
        let b = try await relay.client(bob)
        let s = try await befriend(a1, alice, b, bob)
        await b.close()
        try await Task.sleep(for: .milliseconds(100))
        try await a1.send(.message(OutgoingMessage(sid: s, id: "m", confirm: true, payloads: [a2.publicKey: "copy", b.publicKey: "x"])))
        guard case .message = try await a2.expect(.message) else { throw TestFailure("own device did not get its copy") }
        guard case .deliveryFailed(let n) = try await a1.expect(.deliveredFailed) else { throw TestFailure("expected DELIVERED_FAILED") }
        #expect(n.report.delivered == [a2.publicKey] && n.report.offline == [b.publicKey])
        for c in [a1, a2] { await c.close() }
    }

    @Test func presenceFollowsDevices() async throws {
        let relay = try await TestRelay.start()
        defer { Task { await relay.stop() } }
        let a = try await relay.client(alice), b1 = try await relay.client(bob)
        let s = try await befriend(a, alice, b1, bob)
        _ = try await a.expect(.peerOnline)
        let b2 = try await relay.client(bob)
        guard case .peerOnline(let sidOn, let on) = try await a.expect(.peerOnline) else { throw TestFailure("no PEER_ONLINE") }
        #expect(sidOn == s && on.devicePublicKey == b2.publicKey && Set(on.peerPubKeys) == [b1.publicKey, b2.publicKey])
        await b2.close()
        #expect(try await a.expect(.peerOffline) == .peerOffline(sid: s, PeerOffline(devicePublicKey: b2.publicKey, online: true)))
        await b1.close()
        #expect(try await a.expect(.peerOffline) == .peerOffline(sid: s, PeerOffline(devicePublicKey: b1.publicKey, online: false)))
        // REATTACH: a no-op for a member, not_friends for anyone else.
        try await a.send(.reattach(sid: s))
        try await a.expectSilence()
        try await a.send(.reattach(sid: sid(bob, carol)))
        _ = try await a.expectError(.notFriends)
        await a.close()
    }

    @Test func messagesAreRateLimitedPerSocket() async throws {
        // One message a second with a burst of two: the third of a quick run is refused
        // (a later one if the machine is so loaded that sending took over a second).
        let relay = try await TestRelay.start { $0.messageRate = 1 }
        defer { Task { await relay.stop() } }
        let a = try await relay.client(alice), b = try await relay.client(bob)
        let s = try await befriend(a, alice, b, bob)
        _ = try await a.expect(.peerOnline, timeout: .seconds(15))
        for i in 0..<12 {
            try await a.send(.message(OutgoingMessage(sid: s, id: "m\(i)", payloads: [b.publicKey: "x"])))
        }
        let (id, body) = try await a.expectError(.rateLimited, timeout: .seconds(15))
        let refused = Int(id?.dropFirst() ?? "") ?? -1
        #expect((2..<12).contains(refused), "the burst of two passes first: \(String(describing: id))")
        #expect(body.message == "Rate limit exceeded: Too many messages per second")
        try await Task.sleep(for: .seconds(2))
        try await a.send(.message(OutgoingMessage(sid: s, id: "later", confirm: true, payloads: [b.publicKey: "x"])))
        _ = try await a.expect(.delivered, timeout: .seconds(15))
        await a.close(); await b.close()
    }

    @Test func rtcSignalsGoOnlyToTheTargetDevice() async throws {
        let relay = try await TestRelay.start()
        defer { Task { await relay.stop() } }
        let a = try await relay.client(alice), b1 = try await relay.client(bob), b2 = try await relay.client(bob)
        let s = try await befriend(a, alice, b1, bob)
        for kind in RTCKind.allCases {
            try await a.send(.rtc(RTCSignal(kind: kind, sid: s, id: "c1", targetPubKey: b2.publicKey, payloads: [b2.publicKey: "sdp"])))
            guard case .rtc(let signal) = try await b2.expect(kind.frameType) else { throw TestFailure("no \(kind)") }
            #expect(signal.senderHash == EmailAddress(alice)!.hash && signal.senderKey == a.publicKey && signal.payloads == [b2.publicKey: "sdp"])
        }
        _ = try await b1.expect(.peerOnline)
        try await b1.expectSilence()
        let stranger = try await relay.client(carol)
        try await stranger.send(.rtc(RTCSignal(kind: .offer, sid: s, targetPubKey: b2.publicKey, payloads: [b2.publicKey: "x"])))
        _ = try await stranger.expectError(.notFriends)
        for c in [a, b1, b2, stranger] { await c.close() }
    }

    @Test func turnCredentialsWhenConfigured() async throws {
        let plain = try await TestRelay.start()
        let a = try await plain.client(alice)
        try await a.send(.getTurnCredentials)
        _ = try await a.expectError(.notConfigured)
        await a.close()
        await plain.stop()

        let relay = try await TestRelay.start { $0.turnSecret = "s3cret"; $0.turnURLs = ["turn:127.0.0.1:3478"] }
        defer { Task { await relay.stop() } }
        let c = try await relay.client(alice)
        try await c.send(.getTurnCredentials)
        guard case .turnCredentials(let creds) = try await c.next() else { throw TestFailure("no TURN_CREDS") }
        #expect(creds.urls == ["turn:127.0.0.1:3478"] && creds.ttl == 600)
        #expect(creds.username.hasSuffix(":" + EmailAddress(alice)!.hash.prefix(16)))
        #expect(!creds.username.contains("@"))
        await c.close()
    }
}
