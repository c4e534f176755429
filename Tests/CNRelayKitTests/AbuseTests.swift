import Foundation
import Testing
import NIOCore
import NIOPosix
import NIOWebSocket
import CNProtocol
import CNCrypto
@testable import CNRelayKit

/// The limits added after the security review (docs/relay.md, "Abuse limits").
@Suite(.serialized)
struct AbuseTests {
    let alice = "alice@example.com", bob = "bob@example.com"

    @Test func repeatedBlocksStoreOneNotification() async throws {
        let relay = try await TestRelay.start()
        defer { Task { await relay.stop() } }
        let b0 = try await relay.client(bob)
        await b0.close()
        let a = try await relay.client(alice)
        for _ in 0..<25 {
            try await a.send(.block(TargetEmail(bob)))
            _ = try await a.expect(.userBlocked)
        }
        try await a.send(.unblock(TargetEmail(bob)))
        _ = try await a.expect(.userUnblocked)
        try await a.send(.block(TargetEmail(bob)))
        _ = try await a.expect(.userBlocked)
        // Bob hears the last state once.
        let b = try await TestClient.connect(port: relay.port, identity: b0.identity)
        try await b.auth(relay.token(bob))
        #expect(try await b.next() == .userBlockedEvent(PeerEvent(senderHash: EmailAddress(alice)!.hash)))
        guard case .sessionList = try await b.next() else { throw TestFailure("more than one notification") }
        // And block changes are limited: 30 a minute.
        for _ in 0..<3 {
            try await a.send(.unblock(TargetEmail(bob)))
            try await a.send(.block(TargetEmail(bob)))
        }
        #expect(try await a.expect(.error) == .error(.rateLimited, message: "Too many block changes"))
        await a.close(); await b.close()
    }

    @Test func acksAreRateLimitedLikeMessages() async throws {
        // One a second with a burst of two: a quick run of twelve is refused from the third
        // on, even on a machine so loaded that each send takes a while.
        let relay = try await TestRelay.start { $0.messageRate = 1 }
        defer { Task { await relay.stop() } }
        let a = try await relay.client(alice)
        for i in 0..<12 { try await a.send(.ack(AckRequest(ids: ["x\(i)"]))) }
        _ = try await a.expectError(.rateLimited)
        await a.close()
    }

    @Test func anAccountHasAtMost32ActiveDevices() async throws {
        let relay = try await TestRelay.start()
        defer { Task { await relay.stop() } }
        var clients: [TestClient] = []
        for _ in 0..<RelayHub.maxDevicesPerAccount { clients.append(try await relay.client(alice)) }
        let extra = try await TestClient.connect(port: relay.port)
        try await extra.send(.auth(AuthRequest(token: relay.token(alice), publicKey: extra.publicKey)))
        let (_, body) = try await extra.expectError(.authFailed)
        #expect(body.message.contains("Too many devices"))
        // A known device still gets in.
        let again = try await TestClient.connect(port: relay.port, identity: clients[0].identity)
        #expect(try await again.auth(relay.token(alice)).email == alice)
        for c in clients + [extra, again] { await c.close() }
    }

    @Test func idleAndUnauthenticatedSocketsAreClosed() async throws {
        let relay = try await TestRelay.start { $0.authenticationTimeout = 1; $0.preUpgradeTimeout = 1; $0.heartbeatInterval = 1 }
        defer { Task { await relay.stop() } }
        // Upgraded, never authenticated.
        let c = try await TestClient.connect(port: relay.port)
        #expect(try await c.expectClose(timeout: .seconds(5)) == .policyViolation)
        // A bare TCP connection that never speaks.
        let raw = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton).connect(host: "127.0.0.1", port: relay.port).get()
        #expect(raw.isActive)
        try await Task.sleep(for: .seconds(3))
        #expect(!raw.isActive)
    }

    @Test func blockingPurgesWhatTheBlockedUserLeftInTheMailbox() async throws {
        let relay = try await TestRelay.start()
        defer { Task { await relay.stop() } }
        let a = try await relay.client(alice), b1 = try await relay.client(bob), b2 = try await relay.client(bob)
        let s = try await befriend(a, alice, b1, bob)
        await b2.close()
        try await Task.sleep(for: .milliseconds(100))
        try await a.send(.message(OutgoingMessage(sid: s, id: "before-block", confirm: true, payloads: [b2.publicKey: "x"])))
        guard case .delivered(let n) = try await a.expect(.delivered) else { throw TestFailure("not stored") }
        #expect(n.report.stored == [b2.publicKey])
        try await b1.send(.block(TargetEmail(alice)))
        _ = try await b1.expect(.userBlocked)
        try await Task.sleep(for: .milliseconds(200))
        let b2again = try await TestClient.connect(port: relay.port, identity: b2.identity)
        try await b2again.login(relay.token(bob))
        try await b2again.expectSilence(.milliseconds(500))
        for c in [a, b1, b2again] { await c.close() }
    }
}
