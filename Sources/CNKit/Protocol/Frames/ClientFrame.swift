/// A frame a client sends to the relay (PROTOCOL §3–5).
public enum ClientFrame: Sendable, Equatable {
    case auth(AuthRequest)
    case ping
    case pong
    case getPublicKey(TargetEmail)
    case friendRequest(FriendPackets)
    case getPendingRequests
    case friendAccept(FriendPackets)
    case friendDeny(TargetEmail)
    case unfriend(TargetEmail)
    case block(TargetEmail)
    case unblock(TargetEmail)
    case message(OutgoingMessage)
    case ack(AckRequest)
    case reattach(sid: String)
    case rtc(RTCSignal)
    case getTurnCredentials

    /// The frame's `t`.
    public var type: FrameType {
        switch self {
        case .auth: .auth
        case .ping: .ping
        case .pong: .pong
        case .getPublicKey: .getPublicKey
        case .friendRequest: .friendRequest
        case .getPendingRequests: .getPendingRequests
        case .friendAccept: .friendAccept
        case .friendDeny: .friendDeny
        case .unfriend: .unfriend
        case .block: .blockUser
        case .unblock: .unblockUser
        case .message: .message
        case .ack: .ack
        case .reattach: .reattach
        case .rtc(let s): s.kind.frameType
        case .getTurnCredentials: .getTurnCredentials
        }
    }
}

extension ClientFrame: Codable {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: EnvelopeKey.self)
        let raw = try c.decode(String.self, forKey: .t)
        guard let type = FrameType(rawValue: raw) else { throw FrameError.unknownType(raw) }
        switch type {
        case .auth: self = .auth(try c.decode(AuthRequest.self, forKey: .data))
        case .ping: self = .ping
        case .pong: self = .pong
        case .getPublicKey: self = .getPublicKey(try c.decode(TargetEmail.self, forKey: .data))
        case .friendRequest: self = .friendRequest(try c.decode(FriendPackets.self, forKey: .data))
        case .getPendingRequests: self = .getPendingRequests
        case .friendAccept: self = .friendAccept(try c.decode(FriendPackets.self, forKey: .data))
        case .friendDeny: self = .friendDeny(try c.decode(TargetEmail.self, forKey: .data))
        case .unfriend: self = .unfriend(try c.decode(TargetEmail.self, forKey: .data))
        case .blockUser: self = .block(try c.decode(TargetEmail.self, forKey: .data))
        case .unblockUser: self = .unblock(try c.decode(TargetEmail.self, forKey: .data))
        case .message:
            self = .message(OutgoingMessage(
                sid: try c.decode(String.self, forKey: .sid),
                id: try c.decodeIfPresent(String.self, forKey: .id),
                confirm: try c.decodeIfPresent(Bool.self, forKey: .c) ?? false,
                priority: try c.decodeIfPresent(Int.self, forKey: .p),
                payloads: try c.decode(SealedPayloads.self, forKey: .data).payloads))
        case .ack: self = .ack(try c.decode(AckRequest.self, forKey: .data))
        case .reattach: self = .reattach(sid: try c.decode(String.self, forKey: .sid))
        case .rtcOffer, .rtcAnswer, .rtcICE:
            self = .rtc(RTCSignal(
                kind: RTCKind(rawValue: raw)!,
                sid: try c.decode(String.self, forKey: .sid),
                id: try c.decodeIfPresent(String.self, forKey: .id),
                targetPubKey: try c.decode(String.self, forKey: .targetPubKey),
                payloads: try c.decode(SealedPayloads.self, forKey: .data).payloads))
        case .getTurnCredentials: self = .getTurnCredentials
        default:
            // A relay-to-client type sent by a client: as unknown as any other name.
            throw FrameError.unknownType(raw)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: EnvelopeKey.self)
        try c.encode(type.rawValue, forKey: .t)
        switch self {
        case .auth(let d): try c.encode(d, forKey: .data)
        case .ping, .pong, .getPendingRequests, .getTurnCredentials: break
        case .getPublicKey(let d), .friendDeny(let d), .unfriend(let d), .block(let d), .unblock(let d):
            try c.encode(d, forKey: .data)
        case .friendRequest(let d), .friendAccept(let d): try c.encode(d, forKey: .data)
        case .message(let m):
            try c.encode(m.header.sid, forKey: .sid)
            try c.encodeIfPresent(m.header.id, forKey: .id)
            if m.confirm { try c.encode(true, forKey: .c) }
            try c.encodeIfPresent(m.header.priority, forKey: .p)
            try c.encode(SealedPayloads(payloads: m.payloads), forKey: .data)
        case .ack(let d): try c.encode(d, forKey: .data)
        case .reattach(let sid): try c.encode(sid, forKey: .sid)
        case .rtc(let s):
            try c.encode(s.sid, forKey: .sid)
            try c.encodeIfPresent(s.id, forKey: .id)
            try c.encode(s.targetPubKey, forKey: .targetPubKey)
            try c.encode(SealedPayloads(payloads: s.payloads), forKey: .data)
        }
    }
}
