import Foundation
import Testing
import NIOCore
import NIOWebSocket
import CNProtocol
import CNCrypto
@testable import CNRelayKit

/// Malformed, oversized and hostile input: each gets its documented answer, the socket
/// stays usable where PROTOCOL §1–2 says so, and nothing reaches a third party.
@Suite(.serialized)
struct HostileInputTests {
    let alice = "alice@example.com", bob = "bob@example.com"

    @Test func badFramesGetErrorsAndTheSocketStaysUsable() async throws {
        let relay = try await TestRelay.start()
        defer { Task { await relay.stop() } }
        let c = try await relay.client(alice)
        let cases: [(String, ErrorCode)] = [
            ("not json", .badFrame),
            ("{\"t\":\"MSG\",", .badFrame),
            ("[1,2,3]", .badFrame),
            ("{\"t\":5}", .badFrame),
            ("{\"t\":\"NO_SUCH_TYPE\",\"id\":\"u1\"}", .unknownType),
            ("{\"t\":\"JOIN_ACCEPT\"}", .unknownType),
            ("{\"t\":\"CONNECT_REQ\"}", .unknownType),
            ("{\"t\":\"AUTH_SUCCESS\",\"data\":{}}", .unknownType),
            ("{\"t\":\"GET_PUBLIC_KEY\",\"data\":{\"targetEmail\":7}}", .badFrame),
            ("{\"t\":\"MSG\",\"sid\":\"s\",\"data\":{\"payloads\":{\"k\":1}}}", .badFrame),
            ("{\"t\":\"MSG\",\"sid\":\"s\",\"data\":{\"payloads\":{}}}", .badFrame),
            ("{\"t\":\"MSG\",\"sid\":\"s\",\"p\":9,\"data\":{\"payloads\":{\"k\":\"v\"}}}", .badFrame),
            ("{\"t\":\"MSG\",\"sid\":\"s\",\"data\":{\"payloads\":{\"k\":\"v\"}},}", .badFrame),
            ("{\"t\":\"RTC_OFFER\",\"sid\":\"s\",\"data\":{\"payloads\":{\"k\":\"v\"}}}", .badFrame),
            ("{\"t\":\"MSG\",\"sid\":\"\(String(repeating: "s", count: 129))\",\"data\":{\"payloads\":{\"k\":\"v\"}}}", .tooLarge),
            ("{\"t\":\"GET_PUBLIC_KEY\",\"data\":{\"targetEmail\":\"\(String(repeating: "x", count: 400))@example.com\"}}", .tooLarge),
            ("{\"t\":\"MSG\",\"sid\":\"s\",\"id\":\"big\",\"data\":{\"payloads\":{\"k\":\"\(String(repeating: "A", count: 409_601))\"}}}", .tooLarge),
        ]
        for (input, code) in cases {
            try await c.sendText(input)
            let (id, _) = try await c.expectError(code)
            if input.contains("\"u1\"") { #expect(id == "u1") }
            if input.contains("\"big\"") { #expect(id == "big") }
        }
        // A binary frame is not a frame of this protocol.
        try await c.sendRaw([1, 2, 3], opcode: .binary)
        _ = try await c.expectError(.badFrame)
        try await c.send(.ping)
        #expect(try await c.next() == .pong)
        await c.close()
    }

    @Test func twentyBadFramesInAMinuteClose() async throws {
        let relay = try await TestRelay.start()
        defer { Task { await relay.stop() } }
        let c = try await TestClient.connect(port: relay.port)
        for _ in 0..<21 { try await c.sendText("{") }
        for _ in 0..<21 { _ = try await c.expectError(.badFrame) }
        #expect(try await c.expectClose() == .policyViolation)
    }

    @Test func anOversizeMessageClosesWith1009() async throws {
        let relay = try await TestRelay.start()
        defer { Task { await relay.stop() } }
        let c = try await relay.client(alice)
        // The relay may close while the frame is still being written: the write can fail.
        try? await c.sendRaw(Array(repeating: UInt8(ascii: " "), count: ProtocolLimits.maxFrameBytes + 1))
        #expect(try await c.expectClose() == .messageTooLarge)
        // Fragmented past the limit: the same.
        let d = try await relay.client(bob)
        let half = Array(repeating: UInt8(ascii: " "), count: ProtocolLimits.maxFrameBytes / 2 + 1)
        try await d.sendRaw(half, opcode: .text, fin: false)
        try? await d.sendRaw(half, opcode: .continuation, fin: true)
        #expect(try await d.expectClose() == .messageTooLarge)
    }

    @Test func foreignConversationsAndStrangersKeysLeakNothing() async throws {
        let relay = try await TestRelay.start()
        defer { Task { await relay.stop() } }
        let a = try await relay.client(alice), b = try await relay.client(bob)
        let s = try await befriend(a, alice, b, bob)
        let mallory = try await relay.client("mallory@example.com")
        // Mallory uses Alice and Bob's sid, and then her own self sid with Bob's key.
        try await mallory.send(.message(OutgoingMessage(sid: s, id: "x", payloads: [b.publicKey: "evil"])))
        #expect(try await mallory.expectError(.notFriends).id == "x")
        try await mallory.send(.message(OutgoingMessage(sid: sid("mallory@example.com", "mallory@example.com"), payloads: [b.publicKey: "evil"])))
        try await mallory.send(.reattach(sid: s))
        _ = try await mallory.expectError(.notFriends)
        // Mallory claims Bob's device key as her own: she still receives nothing of his.
        let clone = try await TestClient.connect(port: relay.port, identity: b.identity)
        try await clone.login(relay.token("mallory@example.com"))
        try await a.send(.message(OutgoingMessage(sid: s, id: "private", payloads: [b.publicKey: "for bob"])))
        guard case .message(let m) = try await b.expect(.message) else { throw TestFailure("Bob lost his message") }
        #expect(m.header.id == "private")
        try await clone.expectSilence()
        try await b.expectSilence()
        for c in [a, b, mallory, clone] { await c.close() }
    }

    /// A socket that never reads fills its queue and is closed, while two other clients'
    /// messages all arrive, in order.
    @Test func aStalledReaderDoesNotStopOthers() async throws {
        let relay = try await TestRelay.start { $0.messageRate = 0; $0.maxOutboundBytes = 256 << 10 }
        defer { Task { await relay.stop() } }
        let a = try await relay.client(alice), b = try await relay.client(bob)
        let s = try await befriend(a, alice, b, bob)
        let stalled = try await relay.client("stalled@example.com")
        let stalledSid = try await befriend(a, alice, stalled, "stalled@example.com")
        _ = try await stalled.expect(.peerOnline)
        try await stalled.channel.setOption(ChannelOptions.autoRead, value: false).get()

        let big = String(repeating: "A", count: 300_000)
        let count = 400
        let sender = Task {
            for i in 0..<count {
                try await a.send(.message(OutgoingMessage(sid: s, id: "m\(i)", payloads: [b.publicKey: "\(i)"])))
                if i % 4 == 0 {
                    try await a.send(.message(OutgoingMessage(sid: stalledSid, id: "junk\(i)", payloads: [stalled.publicKey: big])))
                }
            }
        }
        var received: [String] = []
        while received.count < count {
            guard case .message(let m) = try await b.next(timeout: .seconds(20)) else { continue }
            received.append(m.header.id ?? "")
        }
        try await sender.value
        #expect(received == (0..<count).map { "m\($0)" })
        // The stalled socket was closed: Alice hears its device go offline.
        var sawOffline = false
        while !sawOffline {
            if case .peerOffline(let sidOff, let off) = try await a.next(timeout: .seconds(20)), sidOff == stalledSid {
                #expect(off.devicePublicKey == stalled.publicKey)
                sawOffline = true
            }
        }
        await a.close(); await b.close(); await stalled.close()
    }
}
