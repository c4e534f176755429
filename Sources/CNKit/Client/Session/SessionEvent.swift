/// Something that happened to this account's relationships, reported as one JSON line
/// (`{"type":"friend_request","email":…}`), in the event vocabulary of DESIGN §4.
public struct SessionEvent: Codable, Sendable, Equatable {
    /// `friend_request`, `friend_accepted`, `friend_denied`, `friend_removed`, `blocked`,
    /// `unblocked`, `key_change`, or `rejected` (a packet that failed a check).
    public var type: String
    /// The other user.
    public var email: String?
    /// Their e-mail hash, when the relay names only that (a block by a stranger).
    public var emailHash: String?
    /// Device keys the event is about (a request's devices, or a key change's new keys).
    public var devices: [String]?
    /// For `key_change`: keys held back until accepted (the peer is verified).
    public var unconfirmed: [String]?
    /// For `key_change`: keys that are no longer listed.
    public var retired: [String]?
    /// The profile name the peer sent, if any.
    public var name: String?
    /// Why a packet was rejected.
    public var reason: String?
    /// For `key_change`: the new keys are this account's own devices (accept them with
    /// `cn-account devices --accept`).
    public var own: Bool?
    /// Milliseconds since 1970.
    public var ts: Int64

    public init(type: String, email: String? = nil, emailHash: String? = nil, devices: [String]? = nil,
                unconfirmed: [String]? = nil, retired: [String]? = nil, name: String? = nil, reason: String? = nil, own: Bool? = nil, ts: Int64) {
        self.type = type
        self.email = email
        self.emailHash = emailHash
        self.devices = devices
        self.unconfirmed = unconfirmed
        self.retired = retired
        self.name = name
        self.reason = reason
        self.own = own
        self.ts = ts
    }
}
