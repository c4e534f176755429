import Foundation
import Testing
import CNProtocol
import CNCrypto
import Crypto
@testable import CNRelayKit

/// The mailbox for offline devices (PROTOCOL §5.10) and restarts (DESIGN §5).
@Suite(.serialized)
struct MailboxTests {
    let alice = "alice@example.com", bob = "bob@example.com"

    /// Alice and Bob are friends; Bob's device is known to the relay but offline.
    func offlinePair(_ relay: TestRelay) async throws -> (a: TestClient, bobIdentity: TestClient, sid: String) {
        let a = try await relay.client(alice), b = try await relay.client(bob)
        let s = try await befriend(a, alice, b, bob)
        await b.close()
        _ = try await a.expect(.peerOffline)
        return (a, b, s)
    }

    func reconnect(_ relay: TestRelay, _ like: TestClient, _ email: String, features: [String]?) async throws -> TestClient {
        let c = try await TestClient.connect(port: relay.port, identity: like.identity)
        try await c.login(relay.token(email), features: features)
        return c
    }

    @Test func anOfflineDeviceGetsItsMessagesAtItsNextAuth() async throws {
        let relay = try await TestRelay.start()
        defer { Task { await relay.stop() } }
        let (a, b, s) = try await offlinePair(relay)
        for i in 0..<3 {
            try await a.send(.message(OutgoingMessage(sid: s, id: "m\(i)", confirm: true, priority: 1, payloads: [b.publicKey: "p\(i)"])))
            guard case .delivered(let n) = try await a.expect(.delivered) else { throw TestFailure("stored message not DELIVERED") }
            #expect(n.report.stored == [b.publicKey] && n.report.delivered.isEmpty)
        }
        // Without "ack" (the original app): delivered once, oldest first, then deleted.
        let b2 = try await reconnect(relay, b, bob, features: nil)
        for i in 0..<3 {
            guard case .message(let m) = try await b2.expect(.message) else { throw TestFailure("no mailbox item") }
            #expect(m.queued && m.header.id == "m\(i)" && m.payloads == [b.publicKey: "p\(i)"] && m.senderKey == a.publicKey)
            #expect(m.header.priority == 1 && (m.receivedAt ?? 0) > 1_700_000_000_000)
        }
        await b2.close()
        try await Task.sleep(for: .milliseconds(200))
        let b3 = try await reconnect(relay, b, bob, features: nil)
        try await b3.expectSilence(.milliseconds(500))
        await a.close(); await b3.close()
    }

    @Test func withAckItemsComeAgainUntilAcknowledged() async throws {
        let relay = try await TestRelay.start()
        defer { Task { await relay.stop() } }
        let (a, b, s) = try await offlinePair(relay)
        try await a.send(.message(OutgoingMessage(sid: s, id: "keep", payloads: [b.publicKey: "x"])))
        try await a.send(.message(OutgoingMessage(sid: s, id: "ack-me", payloads: [b.publicKey: "y"])))
        try await Task.sleep(for: .milliseconds(200))
        let b2 = try await reconnect(relay, b, bob, features: ["ack"])
        var ids: [String?] = []
        for _ in 0..<2 {
            guard case .message(let m) = try await b2.expect(.message) else { throw TestFailure("no item") }
            ids.append(m.header.id)
        }
        #expect(ids == ["keep", "ack-me"])
        try await b2.send(.ack(AckRequest(ids: ["ack-me", "unknown-id"])))
        try await Task.sleep(for: .milliseconds(200))
        await b2.close()
        let b3 = try await reconnect(relay, b, bob, features: ["ack"])
        guard case .message(let again) = try await b3.expect(.message) else { throw TestFailure("unacknowledged item not resent") }
        #expect(again.header.id == "keep")
        try await b3.expectSilence()
        await a.close(); await b3.close()
    }

    @Test func itemsExpire() async throws {
        let relay = try await TestRelay.start { $0.mailboxTTL = 1 }
        defer { Task { await relay.stop() } }
        let (a, b, s) = try await offlinePair(relay)
        try await a.send(.message(OutgoingMessage(sid: s, id: "old", payloads: [b.publicKey: "x"])))
        try await Task.sleep(for: .milliseconds(2_100))
        let b2 = try await reconnect(relay, b, bob, features: ["ack"])
        try await b2.expectSilence(.milliseconds(500))
        await a.close(); await b2.close()
    }

    @Test func aFullMailboxRefusesAndReportsOffline() async throws {
        let relay = try await TestRelay.start { $0.mailboxMaxItems = 2 }
        defer { Task { await relay.stop() } }
        let (a, b, s) = try await offlinePair(relay)
        var reports: [DeliveryReport] = []
        for i in 0..<3 {
            try await a.send(.message(OutgoingMessage(sid: s, id: "m\(i)", confirm: true, payloads: [b.publicKey: "x"])))
            switch try await a.next() {
            case .delivered(let n), .deliveryFailed(let n): reports.append(n.report)
            case let other: throw TestFailure("unexpected \(other)")
            }
        }
        #expect(reports.map(\.stored) == [[b.publicKey], [b.publicKey], []])
        #expect(reports[2].offline == [b.publicKey])
        // The stored ones are kept, not dropped for the refused one.
        let b2 = try await reconnect(relay, b, bob, features: nil)
        for id in ["m0", "m1"] {
            guard case .message(let m) = try await b2.expect(.message) else { throw TestFailure("no item") }
            #expect(m.header.id == id)
        }
        await a.close(); await b2.close()
    }

    @Test func mailboxOffKeepsTheRelayEphemeral() async throws {
        let relay = try await TestRelay.start { $0.mailboxEnabled = false }
        defer { Task { await relay.stop() } }
        let (a, b, s) = try await offlinePair(relay)
        try await a.send(.message(OutgoingMessage(sid: s, id: "m", confirm: true, payloads: [b.publicKey: "x"])))
        #expect(try await a.next() == .deliveryFailed(DeliveryNotice(sid: s, id: "m", report: DeliveryReport(offline: [b.publicKey]))))
        let b2 = try await reconnect(relay, b, bob, features: ["ack"])
        try await b2.expectSilence()
        await a.close(); await b2.close()
    }

    @Test func aRestartLosesNothing() async throws {
        let dir = TestRelay.temporaryDirectory()
        let relay = try await TestRelay.start(dataDirectory: dir)
        let carol = "carol@example.com"
        // A friendship with a mailbox item for Bob, a pending request to Carol, and a stored
        // FRIEND_DENIED for Alice.
        let (a, b, s) = try await offlinePair(relay)
        let c0 = try await relay.client(carol)
        let carolDevice = c0.identity
        await c0.close()
        try await a.send(.message(OutgoingMessage(sid: s, id: "survivor", payloads: [b.publicKey: "x"])))
        try await a.requestFriend(carol, devices: [TestClient.publicKey(of: carolDevice)], from: alice)
        _ = try await a.expect(.requestSent)
        let d = try await relay.client("dave@example.com")
        try await a.requestFriend("dave@example.com", devices: [d.publicKey], from: alice)
        _ = try await d.expect(.friendRequest)
        await a.close()
        try await Task.sleep(for: .milliseconds(100))
        try await d.send(.friendDeny(TargetEmail(alice)))
        try await Task.sleep(for: .milliseconds(100))
        await d.close()
        await relay.stop()

        let restarted = try await TestRelay.start(dataDirectory: dir)
        defer { Task { await restarted.stop() } }
        let b2 = try await reconnect(restarted, b, bob, features: nil)
        guard case .message(let m) = try await b2.expect(.message) else { throw TestFailure("mailbox item lost") }
        #expect(m.header.id == "survivor")
        let c = try await TestClient.connect(port: restarted.port, identity: carolDevice)
        let (_, pending) = try await c.login(restarted.token(carol))
        #expect(pending.map(\.senderEmail) == [alice])
        let a2 = try await TestClient.connect(port: restarted.port, identity: a.identity)
        try await a2.auth(restarted.token(alice))
        #expect(try await a2.next() == .friendDenied(PeerEvent(senderHash: EmailAddress("dave@example.com")!.hash, senderEmail: "dave@example.com")))
        guard case .sessionList(let sessions) = try await a2.next() else { throw TestFailure("no SESSION_LIST") }
        #expect(sessions.contains { $0.sid == s && $0.peerPubKeys == [b.publicKey] })
        await b2.close(); await c.close(); await a2.close()
    }
}

extension TestClient {
    static func publicKey(of identity: P256.KeyAgreement.PrivateKey) -> String { DevicePublicKey(identity.publicKey).base64 }
}
