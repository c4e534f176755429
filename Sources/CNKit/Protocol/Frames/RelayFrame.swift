/// A frame the relay sends to a client (PROTOCOL §2–5).
public enum RelayFrame: Sendable, Equatable {
    case authSuccess(AuthSuccess)
    case error(id: String?, ErrorBody)
    case ping
    case pong
    case publicKey(PublicKeyReply)
    case friendRequest(FriendRequestPush)
    case requestSent(TargetEmail)
    case pendingRequests([PendingRequest])
    case friendAccepted(FriendAccepted)
    case friendAcceptedAck(FriendAcceptedAck)
    case friendDenied(PeerEvent)
    case friendRemoved(PeerEvent)
    case userBlocked(TargetEmail)
    case userUnblocked(TargetEmail)
    case userBlockedEvent(PeerEvent)
    case userUnblockedEvent(PeerEvent)
    case message(RelayedMessage)
    case rtc(RTCSignal)
    case delivered(DeliveryNotice)
    case deliveryFailed(DeliveryNotice)
    case sessionList([SessionEntry])
    case peerOnline(sid: String, PeerOnline)
    case peerOffline(sid: String, PeerOffline)
    case turnCredentials(TurnCredentials)

    /// An ERROR frame with the code's standard message.
    public static func error(_ code: ErrorCode, id: String? = nil, message: String? = nil) -> RelayFrame {
        .error(id: id, ErrorBody(code: code, message: message))
    }

    /// The frame's `t`.
    public var type: FrameType {
        switch self {
        case .authSuccess: .authSuccess
        case .error: .error
        case .ping: .ping
        case .pong: .pong
        case .publicKey: .publicKey
        case .friendRequest: .friendRequest
        case .requestSent: .requestSent
        case .pendingRequests: .pendingRequests
        case .friendAccepted: .friendAccepted
        case .friendAcceptedAck: .friendAcceptedAck
        case .friendDenied: .friendDenied
        case .friendRemoved: .friendRemoved
        case .userBlocked: .userBlocked
        case .userUnblocked: .userUnblocked
        case .userBlockedEvent: .userBlockedEvent
        case .userUnblockedEvent: .userUnblockedEvent
        case .message: .message
        case .rtc(let s): s.kind.frameType
        case .delivered: .delivered
        case .deliveryFailed: .deliveredFailed
        case .sessionList: .sessionList
        case .peerOnline: .peerOnline
        case .peerOffline: .peerOffline
        case .turnCredentials: .turnCredentials
        }
    }
}

extension RelayFrame: Codable {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: EnvelopeKey.self)
        let raw = try c.decode(String.self, forKey: .t)
        guard let type = FrameType(rawValue: raw) else { throw FrameError.unknownType(raw) }
        func data<T: Decodable>(_: T.Type) throws -> T { try c.decode(T.self, forKey: .data) }
        switch type {
        case .authSuccess: self = .authSuccess(try data(AuthSuccess.self))
        case .error: self = .error(id: try c.decodeIfPresent(String.self, forKey: .id), try data(ErrorBody.self))
        case .ping: self = .ping
        case .pong: self = .pong
        case .publicKey: self = .publicKey(try data(PublicKeyReply.self))
        case .friendRequest: self = .friendRequest(try data(FriendRequestPush.self))
        case .requestSent: self = .requestSent(try data(TargetEmail.self))
        case .pendingRequests: self = .pendingRequests(try c.decodeIfPresent([PendingRequest].self, forKey: .data) ?? [])
        case .friendAccepted: self = .friendAccepted(try data(FriendAccepted.self))
        case .friendAcceptedAck: self = .friendAcceptedAck(try data(FriendAcceptedAck.self))
        case .friendDenied: self = .friendDenied(try data(PeerEvent.self))
        case .friendRemoved: self = .friendRemoved(try data(PeerEvent.self))
        case .userBlocked: self = .userBlocked(try data(TargetEmail.self))
        case .userUnblocked: self = .userUnblocked(try data(TargetEmail.self))
        case .userBlockedEvent: self = .userBlockedEvent(try data(PeerEvent.self))
        case .userUnblockedEvent: self = .userUnblockedEvent(try data(PeerEvent.self))
        case .message:
            self = .message(RelayedMessage(
                header: MessageHeader(
                    sid: try c.decode(String.self, forKey: .sid),
                    id: try c.decodeIfPresent(String.self, forKey: .id),
                    priority: try c.decodeIfPresent(Int.self, forKey: .p)),
                senderHash: try c.decode(String.self, forKey: .sh),
                senderKey: try c.decode(String.self, forKey: .spk),
                queued: try c.decodeIfPresent(Bool.self, forKey: .q) ?? false,
                receivedAt: try c.decodeIfPresent(Int64.self, forKey: .ts),
                payloads: try data(SealedPayloads.self).payloads))
        case .rtcOffer, .rtcAnswer, .rtcICE:
            self = .rtc(RTCSignal(
                kind: RTCKind(rawValue: raw)!,
                sid: try c.decode(String.self, forKey: .sid),
                id: try c.decodeIfPresent(String.self, forKey: .id),
                targetPubKey: try c.decode(String.self, forKey: .targetPubKey),
                senderHash: try c.decodeIfPresent(String.self, forKey: .sh),
                senderKey: try c.decodeIfPresent(String.self, forKey: .spk),
                payloads: try data(SealedPayloads.self).payloads))
        case .delivered, .deliveredFailed:
            let notice = DeliveryNotice(
                sid: try c.decode(String.self, forKey: .sid),
                id: try c.decodeIfPresent(String.self, forKey: .id),
                report: try data(DeliveryReport.self))
            self = type == .delivered ? .delivered(notice) : .deliveryFailed(notice)
        case .sessionList: self = .sessionList(try c.decodeIfPresent([SessionEntry].self, forKey: .data) ?? [])
        case .peerOnline: self = .peerOnline(sid: try c.decode(String.self, forKey: .sid), try data(PeerOnline.self))
        case .peerOffline: self = .peerOffline(sid: try c.decode(String.self, forKey: .sid), try data(PeerOffline.self))
        case .turnCredentials: self = .turnCredentials(try data(TurnCredentials.self))
        default:
            throw FrameError.unknownType(raw)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: EnvelopeKey.self)
        try c.encode(type.rawValue, forKey: .t)
        switch self {
        case .authSuccess(let d): try c.encode(d, forKey: .data)
        case .error(let id, let d):
            try c.encodeIfPresent(id, forKey: .id)
            try c.encode(d, forKey: .data)
        case .ping, .pong: break
        case .publicKey(let d): try c.encode(d, forKey: .data)
        case .friendRequest(let d): try c.encode(d, forKey: .data)
        case .requestSent(let d), .userBlocked(let d), .userUnblocked(let d): try c.encode(d, forKey: .data)
        case .pendingRequests(let d): try c.encode(d, forKey: .data)
        case .friendAccepted(let d): try c.encode(d, forKey: .data)
        case .friendAcceptedAck(let d): try c.encode(d, forKey: .data)
        case .friendDenied(let d), .friendRemoved(let d), .userBlockedEvent(let d), .userUnblockedEvent(let d):
            try c.encode(d, forKey: .data)
        case .message(let m):
            try c.encode(m.header.sid, forKey: .sid)
            try c.encodeIfPresent(m.header.id, forKey: .id)
            try c.encodeIfPresent(m.header.priority, forKey: .p)
            try c.encode(m.senderHash, forKey: .sh)
            try c.encode(m.senderKey, forKey: .spk)
            if m.queued { try c.encode(true, forKey: .q) }
            try c.encodeIfPresent(m.receivedAt, forKey: .ts)
            try c.encode(SealedPayloads(payloads: m.payloads), forKey: .data)
        case .rtc(let s):
            try c.encode(s.sid, forKey: .sid)
            try c.encodeIfPresent(s.id, forKey: .id)
            try c.encode(s.targetPubKey, forKey: .targetPubKey)
            try c.encodeIfPresent(s.senderHash, forKey: .sh)
            try c.encodeIfPresent(s.senderKey, forKey: .spk)
            try c.encode(SealedPayloads(payloads: s.payloads), forKey: .data)
        case .delivered(let n), .deliveryFailed(let n):
            try c.encode(n.sid, forKey: .sid)
            try c.encodeIfPresent(n.id, forKey: .id)
            try c.encode(n.report, forKey: .data)
        case .sessionList(let d): try c.encode(d, forKey: .data)
        case .peerOnline(let sid, let d):
            try c.encode(sid, forKey: .sid)
            try c.encode(d, forKey: .data)
        case .peerOffline(let sid, let d):
            try c.encode(sid, forKey: .sid)
            try c.encode(d, forKey: .data)
        case .turnCredentials(let d): try c.encode(d, forKey: .data)
        }
    }
}
