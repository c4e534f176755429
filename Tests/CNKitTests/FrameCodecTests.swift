import Foundation
import Testing
import CNProtocol

/// Every frame type round-trips through the codec, and bad input gives typed errors.
struct FrameCodecTests {
    static let key = "BPm7Ry7dlkQRNbyUHiXX0cRn2C2SJk2pVU1c0dIy3pV6b2vCV9vXFgRUWsU5SNRsjeZ3Jq6cRMd9fTFQnZJGq+0="

    static let clientFrames: [ClientFrame] = [
        .auth(AuthRequest(token: "sess:1:a@b.c:00", publicKey: key, features: ["ack"])),
        .auth(AuthRequest(token: "eyJ.x.y", publicKey: key)),
        .ping, .pong,
        .getPublicKey(TargetEmail("bob@example.com")),
        .friendRequest(FriendPackets(targetEmail: "bob@example.com", payloads: [DevicePacket(publicKey: key, encryptedPacket: "aXY=.Y3Q=")])),
        .friendRequest(FriendPackets(targetEmail: "bob@example.com", encryptedPacket: "aXY=.Y3Q=")),
        .getPendingRequests,
        .friendAccept(FriendPackets(targetEmail: "a@example.com", payloads: [DevicePacket(publicKey: key, encryptedPacket: "p")])),
        .friendDeny(TargetEmail("a@example.com")),
        .unfriend(TargetEmail("a@example.com")),
        .block(TargetEmail("a@example.com")),
        .unblock(TargetEmail("a@example.com")),
        .message(OutgoingMessage(sid: "abc", id: "m1", confirm: true, priority: 2, payloads: [key: "cGF5bG9hZA=="])),
        .message(OutgoingMessage(sid: "abc", payloads: [key: "x/y+z="])),
        .ack(AckRequest(ids: ["m1", "m2"])),
        .reattach(sid: "abc"),
        .rtc(RTCSignal(kind: .offer, sid: "abc", id: "c1", targetPubKey: key, payloads: [key: "sdp"])),
        .rtc(RTCSignal(kind: .answer, sid: "abc", targetPubKey: key, payloads: [key: "sdp"])),
        .rtc(RTCSignal(kind: .ice, sid: "abc", targetPubKey: key, payloads: [key: "cand"])),
        .getTurnCredentials,
    ]

    static let relayFrames: [RelayFrame] = [
        .authSuccess(AuthSuccess(email: "a@example.com", token: "sess:1:a@example.com:00")),
        .error(.authRequired, id: "x"),
        .error(.notFriends),
        .ping, .pong,
        .publicKey(PublicKeyReply(targetEmail: "b@example.com", publicKeys: [key])),
        .publicKey(PublicKeyReply(targetEmail: "b@example.com", publicKeys: [])),
        .friendRequest(FriendRequestPush(senderHash: "aa", senderEmail: "a@example.com", publicKeys: [key], encryptedPacket: "p")),
        .requestSent(TargetEmail("b@example.com")),
        .pendingRequests([PendingRequest(senderHash: "aa", senderEmail: "a@example.com", publicKeys: [key], encryptedPacket: "p", timestamp: "2026-11-26T20:00:00Z")]),
        .pendingRequests([]),
        .friendAccepted(FriendAccepted(senderHash: "bb", senderEmail: "b@example.com", sid: "s", publicKeys: [key], encryptedPacket: "p")),
        .friendAcceptedAck(FriendAcceptedAck(targetEmail: "a@example.com", sid: "s")),
        .friendDenied(PeerEvent(senderHash: "bb", senderEmail: "b@example.com")),
        .friendRemoved(PeerEvent(senderHash: "bb", senderEmail: "b@example.com", sid: "s")),
        .userBlocked(TargetEmail("b@example.com")),
        .userUnblocked(TargetEmail("b@example.com")),
        .userBlockedEvent(PeerEvent(senderHash: "bb")),
        .userUnblockedEvent(PeerEvent(senderHash: "bb")),
        .message(RelayedMessage(header: MessageHeader(sid: "s", id: "m", priority: 1), senderHash: "aa", senderKey: key, payloads: [key: "p"])),
        .message(RelayedMessage(header: MessageHeader(sid: "s", id: "m"), senderHash: "aa", senderKey: key, queued: true, receivedAt: 1_700_000_000_000, payloads: [key: "p"])),
        .rtc(RTCSignal(kind: .ice, sid: "s", targetPubKey: key, senderHash: "aa", senderKey: key, payloads: [key: "c"])),
        .delivered(DeliveryNotice(sid: "s", id: "m", report: DeliveryReport(delivered: [key], stored: [], offline: []))),
        .deliveryFailed(DeliveryNotice(sid: "s", id: nil, report: DeliveryReport(offline: [key]))),
        .sessionList([SessionEntry(sid: "s", peerHash: "bb", peerEmail: "b@example.com", online: true, peerPubKeys: [key], onlinePubKeys: [key], ownPubKeys: [])]),
        .sessionList([]),
        .peerOnline(sid: "s", PeerOnline(peerPubKeys: [key], devicePublicKey: key)),
        .peerOffline(sid: "s", PeerOffline(devicePublicKey: key, online: false)),
        .turnCredentials(TurnCredentials(urls: ["turn:turn.example.com:3478"], username: "1:abcd", credential: "c2VjcmV0", ttl: 600)),
    ]

    /// A request id goes into the envelope of any client frame; a MSG keeps an id of its own.
    @Test(arguments: clientFrames)
    func requestIDsJoinTheEnvelope(_ frame: ClientFrame) throws {
        let bytes = FrameCodec.encode(frame, id: "c7\"")
        let envelope = try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
        let decoded = try FrameCodec.decodeClientFrame(bytes)
        switch frame {
        case .message(let m) where m.header.id != nil:
            #expect(envelope["id"] as? String == m.header.id && decoded == frame)
        case .rtc(let r) where r.id != nil:
            #expect(envelope["id"] as? String == r.id && decoded == frame)
        case .message, .rtc:
            // Without an id of its own, the request id is the frame's id.
            #expect(envelope["id"] as? String == "c7\"" && decoded.type == frame.type)
        default:
            #expect(envelope["id"] as? String == "c7\"" && decoded == frame)
        }
    }

    /// MSG is written by hand (the client's hot path): it must read back as the same frame,
    /// whatever its strings hold, and parse as the same JSON as the encoder's.
    @Test func handWrittenMessagesReadBackWhateverTheirStringsHold() throws {
        let odd = "q\"b\\s/n\nt\tr\r\u{1}\u{1F}é👋\u{7F}"
        let message = OutgoingMessage(sid: odd, id: odd + "#1", confirm: true, priority: 2, payloads: [odd: "p" + odd, "k2": "v2"])
        let bytes = FrameCodec.encode(.message(message))
        #expect(try FrameCodec.decodeClientFrame(bytes) == .message(message))
        let mine = try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? NSDictionary)
        let encoder = JSONEncoder()
        encoder.outputFormatting = .withoutEscapingSlashes
        let theirs = try #require(try JSONSerialization.jsonObject(with: try encoder.encode(ClientFrame.message(message))) as? NSDictionary)
        #expect(mine == theirs)
        let plain = OutgoingMessage(sid: "s", payloads: ["k": "v"])
        #expect(String(decoding: FrameCodec.encode(.message(plain)), as: UTF8.self) == #"{"t":"MSG","sid":"s","data":{"payloads":{"k":"v"}}}"#)
    }

    @Test func everyFrameTypeIsCovered() {
        let covered = Set(Self.clientFrames.map(\.type)).union(Self.relayFrames.map(\.type))
        #expect(covered == Set(FrameType.allCases))
    }

    @Test(arguments: clientFrames)
    func clientFramesRoundTrip(_ frame: ClientFrame) throws {
        let bytes = FrameCodec.encode(frame)
        #expect(try FrameCodec.decodeClientFrame(bytes) == frame)
    }

    @Test(arguments: relayFrames)
    func relayFramesRoundTrip(_ frame: RelayFrame) throws {
        let bytes = FrameCodec.encode(frame)
        #expect(try FrameCodec.decodeRelayFrame(bytes) == frame)
    }

    @Test func wireShapesMatchTheProtocol() throws {
        let auth = String(decoding: FrameCodec.encode(.auth(AuthRequest(token: "t", publicKey: "k"))), as: UTF8.self)
        let json = try JSONSerialization.jsonObject(with: Data(auth.utf8)) as! [String: Any]
        #expect(json["t"] as? String == "AUTH")
        #expect((json["data"] as? [String: Any])?["token"] as? String == "t")
        // Slashes stay unescaped, as the original app writes base64.
        let msg = String(decoding: FrameCodec.encode(.message(OutgoingMessage(sid: "s", payloads: ["a/b": "c/d"]))), as: UTF8.self)
        #expect(msg.contains("c/d") && !msg.contains("\\/"))
        let empty = String(decoding: FrameCodec.encode(.pendingRequests([])), as: UTF8.self)
        #expect(empty.contains("\"data\":[]"))
    }

    @Test(arguments: [
        ("not json", FrameError.Kind.invalidJSON),
        ("{\"t\":\"MSG\"", .invalidJSON),
        ("[]", .badShape),
        ("{}", .badShape),
        ("{\"t\":7}", .badShape),
        ("{\"t\":\"AUTH\"}", .badShape),
        ("{\"t\":\"AUTH\",\"data\":{\"token\":1,\"publicKey\":\"k\"}}", .badShape),
        ("{\"t\":\"MSG\",\"sid\":\"s\",\"data\":{\"payloads\":{\"k\":5}}}", .badShape),
        ("{\"t\":\"JOIN_ACCEPT\"}", .unknownType("JOIN_ACCEPT")),
        ("{\"t\":\"AUTH_SUCCESS\",\"data\":{}}", .unknownType("AUTH_SUCCESS")),
    ])
    func malformedFramesGiveTypedErrors(_ input: String, _ kind: FrameError.Kind) {
        #expect(throws: FrameError(kind)) { try FrameCodec.decodeClientFrame(Array(input.utf8)) }
    }

    @Test func errorsEchoTheFrameID() {
        do {
            _ = try FrameCodec.decodeClientFrame(Array(#"{"t":"GET_PUBLIC_KEY","id":"q7","data":{}}"#.utf8))
            Issue.record("decoded a frame without targetEmail")
        } catch {
            #expect(error.id == "q7")
            #expect(error.code == .badFrame)
        }
    }

    @Test func unknownErrorCodesDecodeAsInternal() throws {
        let frame = try FrameCodec.decodeRelayFrame(Array(#"{"t":"ERROR","data":{"code":"from_the_future","message":"m"}}"#.utf8))
        #expect(frame == .error(id: nil, ErrorBody(code: .internal, message: "m")))
    }
}
