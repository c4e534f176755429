// The `data` objects of the frames of PROTOCOL §3–5, one struct per shape.
// Field names are the wire names; optional fields are omitted when nil.

/// `AUTH` data: a token, the device's public key, and the features the client speaks.
public struct AuthRequest: Codable, Sendable, Equatable {
    /// A session token (`sess:…`) or an OpenID Connect ID token.
    public var token: String
    /// The device id: `b64` of the 65-byte uncompressed P-256 point.
    public var publicKey: String
    /// Optional protocol features, such as ``ClientFeature/ack``.
    public var features: [String]?

    public init(token: String, publicKey: String, features: [String]? = nil) {
        self.token = token
        self.publicKey = publicKey
        self.features = features
    }
}

/// Protocol features a client can announce in ``AuthRequest/features``.
public enum ClientFeature: String, Sendable {
    /// The client confirms mailbox items with `ACK` (PROTOCOL §5.10).
    case ack
}

/// `AUTH_SUCCESS` data: the normalized e-mail and a fresh session token.
public struct AuthSuccess: Codable, Sendable, Equatable {
    public var email: String
    public var token: String
    public init(email: String, token: String) {
        self.email = email
        self.token = token
    }
}

/// `ERROR` data.
public struct ErrorBody: Codable, Sendable, Equatable {
    /// The machine-readable code; unknown codes from a newer relay decode as `internal`.
    public var code: ErrorCode
    public var message: String

    public init(code: ErrorCode, message: String? = nil) {
        self.code = code
        self.message = message ?? code.defaultMessage
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let raw = try c.decode(String.self, forKey: .code)
        code = ErrorCode(rawValue: raw) ?? .internal
        message = try c.decodeIfPresent(String.self, forKey: .message) ?? ""
    }
}

/// Data naming one other user: GET_PUBLIC_KEY, FRIEND_DENY, UNFRIEND, BLOCK_USER,
/// UNBLOCK_USER, REQUEST_SENT, USER_BLOCKED, USER_UNBLOCKED.
public struct TargetEmail: Codable, Sendable, Equatable {
    public var targetEmail: String
    public init(_ targetEmail: String) { self.targetEmail = targetEmail }
}

/// `PUBLIC_KEY` data: the target's device keys active in 30 days, newest first.
public struct PublicKeyReply: Codable, Sendable, Equatable {
    public var targetEmail: String
    public var publicKeys: [String]
    /// The newest key, kept for old clients; absent when there is none.
    public var publicKey: String?

    public init(targetEmail: String, publicKeys: [String]) {
        self.targetEmail = targetEmail
        self.publicKeys = publicKeys
        self.publicKey = publicKeys.first
    }
}

/// One friend packet addressed to one device key.
public struct DevicePacket: Codable, Sendable, Equatable {
    public var publicKey: String
    public var encryptedPacket: String
    public init(publicKey: String, encryptedPacket: String) {
        self.publicKey = publicKey
        self.encryptedPacket = encryptedPacket
    }
}

/// `FRIEND_REQUEST` and `FRIEND_ACCEPT` data from a client: one packet per target device,
/// or the old single-packet form.
public struct FriendPackets: Codable, Sendable, Equatable {
    public var targetEmail: String
    public var payloads: [DevicePacket]?
    /// The old single-device form; used for devices that `payloads` does not name.
    public var encryptedPacket: String?

    public init(targetEmail: String, payloads: [DevicePacket]? = nil, encryptedPacket: String? = nil) {
        self.targetEmail = targetEmail
        self.payloads = payloads
        self.encryptedPacket = encryptedPacket
    }

    /// The packet addressed to `deviceKey`, falling back to the single-packet form.
    public func packet(for deviceKey: String) -> String? {
        payloads?.first(where: { $0.publicKey == deviceKey })?.encryptedPacket ?? encryptedPacket
    }

    /// The total length of all packets, for the size limit.
    public var totalPacketCharacters: Int {
        (payloads ?? []).reduce(encryptedPacket?.utf8.count ?? 0) { $0 + $1.encryptedPacket.utf8.count + $1.publicKey.utf8.count }
    }
}

/// `FRIEND_REQUEST` data pushed by the relay to one device of the target.
public struct FriendRequestPush: Codable, Sendable, Equatable {
    public var senderHash: String
    /// The relay-verified e-mail of the sender; the packet's e-mail must equal it.
    public var senderEmail: String
    public var publicKeys: [String]
    public var publicKey: String?
    /// The packet addressed to the receiving device.
    public var encryptedPacket: String

    public init(senderHash: String, senderEmail: String, publicKeys: [String], encryptedPacket: String) {
        self.senderHash = senderHash
        self.senderEmail = senderEmail
        self.publicKeys = publicKeys
        self.publicKey = publicKeys.first
        self.encryptedPacket = encryptedPacket
    }
}

/// One entry of `PENDING_REQUESTS`.
public struct PendingRequest: Codable, Sendable, Equatable {
    public var senderHash: String
    public var senderEmail: String
    public var publicKeys: [String]
    public var publicKey: String?
    public var encryptedPacket: String
    /// RFC 3339 time the request was made.
    public var timestamp: String

    public init(senderHash: String, senderEmail: String, publicKeys: [String], encryptedPacket: String, timestamp: String) {
        self.senderHash = senderHash
        self.senderEmail = senderEmail
        self.publicKeys = publicKeys
        self.publicKey = publicKeys.first
        self.encryptedPacket = encryptedPacket
        self.timestamp = timestamp
    }
}

/// `FRIEND_ACCEPTED` data, to one device of the requester.
public struct FriendAccepted: Codable, Sendable, Equatable {
    public var senderHash: String
    public var senderEmail: String
    public var sid: String
    public var publicKeys: [String]
    public var publicKey: String?
    public var encryptedPacket: String

    public init(senderHash: String, senderEmail: String, sid: String, publicKeys: [String], encryptedPacket: String) {
        self.senderHash = senderHash
        self.senderEmail = senderEmail
        self.sid = sid
        self.publicKeys = publicKeys
        self.publicKey = publicKeys.first
        self.encryptedPacket = encryptedPacket
    }
}

/// `FRIEND_ACCEPTED_ACK` data, to the accepter.
public struct FriendAcceptedAck: Codable, Sendable, Equatable {
    public var targetEmail: String
    public var sid: String
    public init(targetEmail: String, sid: String) {
        self.targetEmail = targetEmail
        self.sid = sid
    }
}

/// Data of events about another user: FRIEND_DENIED, FRIEND_REMOVED, USER_BLOCKED_EVENT,
/// USER_UNBLOCKED_EVENT.
public struct PeerEvent: Codable, Sendable, Equatable {
    public var senderHash: String
    public var senderEmail: String?
    public var sid: String?
    public init(senderHash: String, senderEmail: String? = nil, sid: String? = nil) {
        self.senderHash = senderHash
        self.senderEmail = senderEmail
        self.sid = sid
    }
}

/// `ACK` data: mailbox item ids the client has stored.
public struct AckRequest: Codable, Sendable, Equatable {
    public var ids: [String]
    public init(ids: [String]) { self.ids = ids }
}

/// The `data` of DELIVERED and DELIVERED_FAILED: which device keys got the message.
public struct DeliveryReport: Codable, Sendable, Equatable {
    /// Keys whose device had an online socket that was handed the payload.
    public var delivered: [String]
    /// Keys whose payload the relay's mailbox holds.
    public var stored: [String]
    /// Keys that got neither (offline, and mailbox off or full).
    public var offline: [String]
    public init(delivered: [String] = [], stored: [String] = [], offline: [String] = []) {
        self.delivered = delivered
        self.stored = stored
        self.offline = offline
    }
}

/// One entry of `SESSION_LIST`: a friendship, or the self conversation.
public struct SessionEntry: Codable, Sendable, Equatable {
    public var sid: String
    public var peerHash: String
    public var peerEmail: String
    public var online: Bool
    public var peerPubKeys: [String]
    public var onlinePubKeys: [String]
    public var ownPubKeys: [String]
    public init(sid: String, peerHash: String, peerEmail: String, online: Bool, peerPubKeys: [String], onlinePubKeys: [String], ownPubKeys: [String]) {
        self.sid = sid
        self.peerHash = peerHash
        self.peerEmail = peerEmail
        self.online = online
        self.peerPubKeys = peerPubKeys
        self.onlinePubKeys = onlinePubKeys
        self.ownPubKeys = ownPubKeys
    }
}

/// `PEER_ONLINE` data.
public struct PeerOnline: Codable, Sendable, Equatable {
    public var peerPubKeys: [String]
    public var devicePublicKey: String
    public init(peerPubKeys: [String], devicePublicKey: String) {
        self.peerPubKeys = peerPubKeys
        self.devicePublicKey = devicePublicKey
    }
}

/// `PEER_OFFLINE` data.
public struct PeerOffline: Codable, Sendable, Equatable {
    public var devicePublicKey: String
    /// Whether any device of that member is still connected.
    public var online: Bool
    public init(devicePublicKey: String, online: Bool) {
        self.devicePublicKey = devicePublicKey
        self.online = online
    }
}

/// `TURN_CREDS` data, coturn's `use-auth-secret` scheme.
public struct TurnCredentials: Codable, Sendable, Equatable {
    public var urls: [String]
    public var username: String
    public var credential: String
    public var ttl: Int
    public init(urls: [String], username: String, credential: String, ttl: Int) {
        self.urls = urls
        self.username = username
        self.credential = credential
        self.ttl = ttl
    }
}

/// The `data` of MSG and RTC frames: sealed payloads keyed by device public key.
public struct SealedPayloads: Codable, Sendable, Equatable {
    public var payloads: [String: String]
    public init(payloads: [String: String]) { self.payloads = payloads }

    /// The total length of the payload strings, for the 409,600-character limit.
    public var totalCharacters: Int { payloads.values.reduce(0) { $0 + $1.utf8.count } }
}
