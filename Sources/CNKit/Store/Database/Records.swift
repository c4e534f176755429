import Foundation
import GRDB
import CNCrypto

/// Where a friendship with a peer stands.
public enum FriendshipState: String, Codable, Sendable, DatabaseValueConvertible {
    /// No relationship (or it ended).
    case none
    /// This account asked; the peer has not answered.
    case outgoing
    /// The peer asked; this account has not answered.
    case incoming
    /// Friends.
    case friend
}

/// Whether a peer device key may be encrypted to (PROTOCOL §6.4).
public enum DeviceTrust: String, Codable, Sendable, DatabaseValueConvertible {
    /// Pinned and usable.
    case trusted
    /// A key the relay added to a verified peer: pinned, reported, not used until accepted.
    case unconfirmed
    /// No longer listed by the relay (inactive for 30 days, or replaced): not used.
    case retired
}

/// Another user this account knows: a friend, someone asked or asking, or someone blocked.
public struct PeerRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "peer"

    /// Normalized e-mail (the primary key).
    public var email: String
    /// The conversation id with this peer.
    public var sid: String
    public var state: FriendshipState
    /// This account blocks the peer.
    public var blocked: Bool
    /// The user compared safety numbers and marked the peer verified.
    public var verified: Bool
    /// The profile (name and versions) from the peer's friend packet, sealed under the field key.
    public var profile: Data?
    /// A device key of the peer appeared or changed and the user has not acknowledged it.
    public var keyChanged: Bool
    /// Milliseconds since 1970 of the last state change.
    public var updatedAt: Int64
    /// Milliseconds since 1970 when the friendship began.
    public var friendsSince: Int64?

    public init(email: String, sid: String, state: FriendshipState = .none, blocked: Bool = false, verified: Bool = false,
                profile: Data? = nil, keyChanged: Bool = false, updatedAt: Int64, friendsSince: Int64? = nil) {
        self.email = email
        self.sid = sid
        self.state = state
        self.blocked = blocked
        self.verified = verified
        self.profile = profile
        self.keyChanged = keyChanged
        self.updatedAt = updatedAt
        self.friendsSince = friendsSince
    }
}

/// A pinned device key of a peer (TOFU).
public struct PeerDeviceRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "peerDevice"

    public var email: String
    /// The device id: `b64` of the 65-byte point.
    public var publicKey: String
    public var trust: DeviceTrust
    /// Milliseconds since 1970 when this key was first pinned.
    public var firstSeen: Int64
    /// Milliseconds since 1970 when the relay last listed it.
    public var lastSeen: Int64

    public init(email: String, publicKey: String, trust: DeviceTrust, firstSeen: Int64, lastSeen: Int64) {
        self.email = email
        self.publicKey = publicKey
        self.trust = trust
        self.firstSeen = firstSeen
        self.lastSeen = lastSeen
    }
}

/// Another device of this account, as the relay lists it (SESSION_LIST `ownPubKeys`).
public struct OwnDeviceRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "ownDevice"

    public var publicKey: String
    public var firstSeen: Int64
    public var lastSeen: Int64
    /// Listed by the relay at the last sync.
    public var active: Bool
    /// `trusted`, or `unconfirmed` for a device that appeared after the first sync and
    /// has not been accepted.
    public var trust: DeviceTrust

    public init(publicKey: String, firstSeen: Int64, lastSeen: Int64, active: Bool, trust: DeviceTrust = .trusted) {
        self.publicKey = publicKey
        self.firstSeen = firstSeen
        self.lastSeen = lastSeen
        self.active = active
        self.trust = trust
    }
}

/// The profile a peer sent in its friend packet; stored sealed.
public struct PeerProfile: Codable, Sendable, Equatable {
    /// The profile part of a received friend packet.
    public init(_ packet: FriendPacket) {
        self.init(name: packet.name, nameVersion: packet.nameVersion, avatarVersion: packet.avatarVersion)
    }

    public var name: String?
    public var nameVersion: Int
    public var avatarVersion: Int

    public init(name: String?, nameVersion: Int, avatarVersion: Int) {
        self.name = name
        self.nameVersion = nameVersion
        self.avatarVersion = avatarVersion
    }
}
