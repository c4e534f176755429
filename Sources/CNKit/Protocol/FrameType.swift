/// The `t` field of a frame: every frame type of PROTOCOL §1–5, both directions.
///
/// Some names travel both ways with different shapes (`MSG`, `FRIEND_REQUEST`, `RTC_*`,
/// `PING`), which is why decoding is split into ``ClientFrame`` and ``RelayFrame``.
public enum FrameType: String, Sendable, CaseIterable, Codable {
    case auth = "AUTH"
    case authSuccess = "AUTH_SUCCESS"
    case error = "ERROR"
    case ping = "PING"
    case pong = "PONG"
    case getPublicKey = "GET_PUBLIC_KEY"
    case publicKey = "PUBLIC_KEY"
    case friendRequest = "FRIEND_REQUEST"
    case requestSent = "REQUEST_SENT"
    case getPendingRequests = "GET_PENDING_REQUESTS"
    case pendingRequests = "PENDING_REQUESTS"
    case friendAccept = "FRIEND_ACCEPT"
    case friendAccepted = "FRIEND_ACCEPTED"
    case friendAcceptedAck = "FRIEND_ACCEPTED_ACK"
    case friendDeny = "FRIEND_DENY"
    case friendDenied = "FRIEND_DENIED"
    case unfriend = "UNFRIEND"
    case friendRemoved = "FRIEND_REMOVED"
    case blockUser = "BLOCK_USER"
    case userBlocked = "USER_BLOCKED"
    case userBlockedEvent = "USER_BLOCKED_EVENT"
    case unblockUser = "UNBLOCK_USER"
    case userUnblocked = "USER_UNBLOCKED"
    case userUnblockedEvent = "USER_UNBLOCKED_EVENT"
    case message = "MSG"
    case ack = "ACK"
    case delivered = "DELIVERED"
    case deliveredFailed = "DELIVERED_FAILED"
    case sessionList = "SESSION_LIST"
    case peerOnline = "PEER_ONLINE"
    case peerOffline = "PEER_OFFLINE"
    case reattach = "REATTACH"
    case rtcOffer = "RTC_OFFER"
    case rtcAnswer = "RTC_ANSWER"
    case rtcICE = "RTC_ICE"
    case getTurnCredentials = "GET_TURN_CREDS"
    case turnCredentials = "TURN_CREDS"
}

/// The three call-signaling frame kinds, which share one shape (PROTOCOL §5.9).
public enum RTCKind: String, Sendable, CaseIterable, Codable {
    case offer = "RTC_OFFER"
    case answer = "RTC_ANSWER"
    case ice = "RTC_ICE"

    /// The frame type that carries this kind.
    public var frameType: FrameType { FrameType(rawValue: rawValue)! }
}
