import Foundation
import Testing
import NIOWebSocket
import Crypto
import CNProtocol
import CNCrypto
@testable import CNRelayKit

/// AUTH with session tokens (PROTOCOL §3), against a real relay on loopback.
@Suite(.serialized)
struct AuthTests {
    @Test func goodTokenAuthenticatesAndGetsAFreshToken() async throws {
        let relay = try await TestRelay.start()
        defer { Task { await relay.stop() } }
        let c = try await TestClient.connect(port: relay.port)
        let success = try await c.auth(relay.token(" Alice@Example.COM "))
        #expect(success.email == "alice@example.com")
        // The fresh token verifies against the relay's secret and lasts 30 days.
        #expect(try relay.tokens.verify(success.token) == EmailAddress("alice@example.com"))
        let exp = Double(success.token.split(separator: ":")[1])!
        #expect(abs(exp - Date().timeIntervalSince1970 - 30 * 86_400) < 60)
        // Then, in order: SESSION_LIST (self conversation), PENDING_REQUESTS ([]).
        guard case .sessionList(let sessions) = try await c.next() else { throw TestFailure("no SESSION_LIST") }
        #expect(sessions.count == 1 && sessions[0].peerEmail == "alice@example.com")
        #expect(try await c.next() == .pendingRequests([]))
        await c.close()
    }

    @Test func forgedExpiredAndSwappedTokensFailAndTheSocketStaysOpen() async throws {
        let relay = try await TestRelay.start()
        defer { Task { await relay.stop() } }
        let c = try await TestClient.connect(port: relay.port)
        let good = relay.token("alice@example.com")
        let forged = SessionTokenAuthority(secret: Array(repeating: 9, count: 32)).mint(email: EmailAddress("alice@example.com")!, days: 30)
        let expired = relay.tokens.mint(email: EmailAddress("alice@example.com")!, expires: Date().addingTimeInterval(-10))
        let swapped = good.replacingOccurrences(of: "alice@", with: "bob@")
        for token in [forged, expired, swapped, "sess:garbage", ""] {
            try await c.send(.auth(AuthRequest(token: token, publicKey: c.publicKey)))
            let (_, body) = try await c.expectError(.authFailed)
            #expect(body.message == "Auth failed")
        }
        // Still open and usable.
        #expect(try await c.auth(good).email == "alice@example.com")
        await c.close()
    }

    @Test func framesBeforeAuthNeedAuth() async throws {
        let relay = try await TestRelay.start()
        defer { Task { await relay.stop() } }
        let c = try await TestClient.connect(port: relay.port)
        let frames: [ClientFrame] = [
            .getPublicKey(TargetEmail("bob@example.com")), .getPendingRequests, .getTurnCredentials,
            .friendRequest(FriendPackets(targetEmail: "bob@example.com", encryptedPacket: "x")),
            .message(OutgoingMessage(sid: "abc", id: "m1", payloads: [c.publicKey: "x"])),
            .rtc(RTCSignal(kind: .offer, sid: "abc", targetPubKey: c.publicKey, payloads: [c.publicKey: "x"])),
            .ack(AckRequest(ids: ["1"])), .reattach(sid: "abc"),
        ]
        for frame in frames {
            try await c.send(frame)
            let (_, body) = try await c.expectError(.authRequired)
            #expect(body.message == "Auth required")
        }
        // PING needs no AUTH.
        try await c.send(.ping)
        #expect(try await c.next() == .pong)
        await c.close()
    }

    @Test func invalidDeviceKeysAreRefused() async throws {
        let relay = try await TestRelay.start()
        defer { Task { await relay.stop() } }
        let c = try await TestClient.connect(port: relay.port)
        // Off the curve: a valid point with Y changed.
        var raw = c.identity.publicKey.x963Representation
        raw[64] ^= 1
        for key in ["", "not base64", raw.base64EncodedString(), Data(repeating: 4, count: 65).base64EncodedString()] {
            try await c.send(.auth(AuthRequest(token: relay.token("alice@example.com"), publicKey: key)))
            _ = try await c.expectError(.badFrame)
        }
        await c.close()
    }

    @Test func reAuthRefreshesButCannotSwitchAccount() async throws {
        let relay = try await TestRelay.start()
        defer { Task { await relay.stop() } }
        let c = try await relay.client("alice@example.com")
        #expect(try await c.auth(relay.token("alice@example.com")).email == "alice@example.com")
        try await c.send(.auth(AuthRequest(token: relay.token("bob@example.com"), publicKey: c.publicKey)))
        #expect(try await c.expectClose() == .policyViolation)
    }

    @Test func failedAttemptsAreLimitedPerAddress() async throws {
        let relay = try await TestRelay.start()
        defer { Task { await relay.stop() } }
        let c = try await TestClient.connect(port: relay.port)
        for _ in 0..<10 {
            try await c.send(.auth(AuthRequest(token: "sess:1:x@y.z:00", publicKey: c.publicKey)))
            _ = try await c.expectError(.authFailed)
        }
        try await c.send(.auth(AuthRequest(token: "sess:1:x@y.z:00", publicKey: c.publicKey)))
        _ = try await c.expectError(.authRateLimited)
        #expect(try await c.expectClose() == .policyViolation)
        // A good session token from the same address still works (only failures count).
        let d = try await TestClient.connect(port: relay.port)
        #expect(try await d.auth(relay.token("alice@example.com")).email == "alice@example.com")
        await d.close()
    }
}
