/// The envelope keys of PROTOCOL §1. Every frame is one JSON object with these keys;
/// everything a frame carries besides routing lives under `data`.
enum EnvelopeKey: String, CodingKey {
    case t, sid, id, c, p, sh, spk, targetPubKey, q, ts, data
}

/// A frame that names a conversation and a message: what MSG carries besides `data`.
public struct MessageHeader: Sendable, Equatable {
    /// The conversation id.
    public var sid: String
    /// The client's message id, echoed on DELIVERED / DELIVERED_FAILED / ERROR.
    public var id: String?
    /// The priority hint: 0 urgent, 1 normal, 2 bulk.
    public var priority: Int?

    public init(sid: String, id: String? = nil, priority: Int? = nil) {
        self.sid = sid
        self.id = id
        self.priority = priority
    }
}

/// A MSG as a client sends it.
public struct OutgoingMessage: Sendable, Equatable {
    public var header: MessageHeader
    /// Whether the sender wants a DELIVERED / DELIVERED_FAILED reply (`c`).
    public var confirm: Bool
    public var payloads: [String: String]

    public init(sid: String, id: String? = nil, confirm: Bool = false, priority: Int? = nil, payloads: [String: String]) {
        self.header = MessageHeader(sid: sid, id: id, priority: priority)
        self.confirm = confirm
        self.payloads = payloads
    }
}

/// A MSG as the relay delivers it: one payload, for the receiving device, with the
/// relay-asserted sender.
public struct RelayedMessage: Sendable, Equatable {
    public var header: MessageHeader
    /// The sender's e-mail hash, set by the relay (`sh`).
    public var senderHash: String
    /// The sender's device key, set by the relay (`spk`).
    public var senderKey: String
    /// True for an item from the mailbox (`q`).
    public var queued: Bool
    /// For mailbox items: when the relay received it, Unix milliseconds (`ts`).
    public var receivedAt: Int64?
    public var payloads: [String: String]

    public init(header: MessageHeader, senderHash: String, senderKey: String, queued: Bool = false, receivedAt: Int64? = nil, payloads: [String: String]) {
        self.header = header
        self.senderHash = senderHash
        self.senderKey = senderKey
        self.queued = queued
        self.receivedAt = receivedAt
        self.payloads = payloads
    }
}

/// An RTC_OFFER / RTC_ANSWER / RTC_ICE frame, in either direction. From a client,
/// `senderHash` and `senderKey` are nil; the relay sets them.
public struct RTCSignal: Sendable, Equatable {
    public var kind: RTCKind
    public var sid: String
    public var id: String?
    public var targetPubKey: String
    public var senderHash: String?
    public var senderKey: String?
    public var payloads: [String: String]

    public init(kind: RTCKind, sid: String, id: String? = nil, targetPubKey: String, senderHash: String? = nil, senderKey: String? = nil, payloads: [String: String]) {
        self.kind = kind
        self.sid = sid
        self.id = id
        self.targetPubKey = targetPubKey
        self.senderHash = senderHash
        self.senderKey = senderKey
        self.payloads = payloads
    }
}

/// DELIVERED / DELIVERED_FAILED: which devices got message `id` of `sid`.
public struct DeliveryNotice: Sendable, Equatable {
    public var sid: String
    public var id: String?
    public var report: DeliveryReport
    public init(sid: String, id: String?, report: DeliveryReport) {
        self.sid = sid
        self.id = id
        self.report = report
    }
}
