import Foundation
import CNProtocol

/// Something that happened to the account, reported as one JSON line in DESIGN §4's event
/// vocabulary: `{"type":"message","id":…,"sid":…,"from":…,…}`. `cn-recv` prints these on
/// stdout; the other commands on stderr as `{"event":{…}}`.
public enum ClientEvent: Sendable, Equatable {
    /// A message (TEXT, or TEXT_CHUNK parts put together), received or sent by another
    /// device of this account.
    case message(MessageEvent)
    case edit(EditEvent)
    case delete(DeleteEvent)
    case reaction(ReactionEvent)
    case receipt(ReceiptEvent)
    /// The relay's word on a message this account sent (DELIVERED): live only.
    case delivered(DeliveryEvent)
    /// A peer's (or own) device came or went: live only.
    case presence(PresenceEvent)
    /// `friend_request`, `friend_accepted`, `friend_denied`, `friend_removed`, `blocked`, `unblocked`.
    case friend(FriendEvent)
    case keyChange(KeyChangeEvent)
    /// Something the relay or a peer sent failed a check and was refused.
    case rejected(RejectedEvent)
    /// A peer's (or this account's) profile changed.
    case profile(ProfileEvent)
    /// Another device of this account shared what it knows (MANIFEST).
    case sync(SyncEvent)

    /// The event's `type`.
    public var type: String {
        switch self {
        case .message: "message"
        case .edit: "edit"
        case .delete: "delete"
        case .reaction: "reaction"
        case .receipt: "receipt"
        case .delivered: "delivered"
        case .presence: "presence"
        case .friend(let e): e.kind.rawValue
        case .keyChange: "key_change"
        case .rejected: "rejected"
        case .profile: "profile"
        case .sync: "sync"
        }
    }

    /// Whether the event goes into the account's log for `cn-recv` (presence and the
    /// relay's delivery notes are news of the moment, not history).
    public var isLogged: Bool {
        switch self {
        // `rejected` too: a hostile relay could otherwise fill the log at its own pace.
        case .delivered, .presence, .rejected: false
        default: true
        }
    }

    /// The event without message text, for where a command reports news on stderr (text
    /// there would land in logs and cron mail; `cn-recv` prints it on stdout).
    public var withoutText: ClientEvent {
        switch self {
        case .message(var e):
            e.text = nil
            return .message(e)
        case .edit(var e):
            e.text = nil
            return .edit(e)
        default:
            return self
        }
    }

    /// Whether `-q` may hide it: a key change is never hidden.
    public var isQuietable: Bool {
        if case .keyChange = self { return false }
        return true
    }

    /// When it happened, milliseconds since 1970.
    public var ts: Int64 {
        switch self {
        case .message(let e): e.ts
        case .edit(let e): e.ts
        case .delete(let e): e.ts
        case .reaction(let e): e.ts
        case .receipt(let e): e.ts
        case .delivered(let e): e.ts
        case .presence(let e): e.ts
        case .friend(let e): e.ts
        case .keyChange(let e): e.ts
        case .rejected(let e): e.ts
        case .profile(let e): e.ts
        case .sync(let e): e.ts
        }
    }

    /// The event's JSON object on one line (keys sorted), without a newline.
    public var line: [UInt8] {
        if case .message(let event) = self { return event.line }  // one per message: written directly
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? Array(encoder.encode(self))) ?? Array(#"{"type":"rejected","reason":"unencodable event"}"#.utf8)
    }
}

extension ClientEvent: Encodable {
    private enum TypeKey: String, CodingKey { case type }

    public func encode(to encoder: any Encoder) throws {
        switch self {
        case .message(let e): try e.encode(to: encoder)
        case .edit(let e): try e.encode(to: encoder)
        case .delete(let e): try e.encode(to: encoder)
        case .reaction(let e): try e.encode(to: encoder)
        case .receipt(let e): try e.encode(to: encoder)
        case .delivered(let e): try e.encode(to: encoder)
        case .presence(let e): try e.encode(to: encoder)
        case .friend(let e): try e.encode(to: encoder)
        case .keyChange(let e): try e.encode(to: encoder)
        case .rejected(let e): try e.encode(to: encoder)
        case .profile(let e): try e.encode(to: encoder)
        case .sync(let e): try e.encode(to: encoder)
        }
        var c = encoder.container(keyedBy: TypeKey.self)
        try c.encode(type, forKey: .type)
    }
}

/// Who sent a packet: the account and device the relay named, after the checks.
public struct PacketOrigin: Sendable, Equatable {
    public var sid: String
    /// The author's e-mail.
    public var from: String
    public var fromDevice: String
    public init(sid: String, from: String, fromDevice: String) {
        self.sid = sid
        self.from = from
        self.fromDevice = fromDevice
    }
}

/// `message`.
public struct MessageEvent: Encodable, Sendable, Equatable {
    public var id: String
    public var sid: String
    public var from: String
    public var fromDevice: String
    /// The recipient: this account, or the peer for a message another own device sent.
    public var to: String
    /// The text (nil only in ``ClientEvent/withoutText``).
    public var text: String?
    public var replyTo: String?
    /// The author's timestamp.
    public var ts: Int64
    /// It came from the relay's mailbox (the device was offline when it was sent).
    public var queued: Bool?

    public init(id: String, origin: PacketOrigin, to: String, text: String, replyTo: String?, ts: Int64, queued: Bool? = nil) {
        self.id = id
        self.sid = origin.sid
        self.from = origin.from
        self.fromDevice = origin.fromDevice
        self.to = to
        self.text = text
        self.replyTo = replyTo
        self.ts = ts
        self.queued = queued
    }
}

/// `edit`: message `id` has new text.
public struct EditEvent: Encodable, Sendable, Equatable {
    public var id: String
    public var sid: String
    public var from: String
    public var fromDevice: String
    /// The new text (nil only in ``ClientEvent/withoutText``).
    public var text: String?
    public var ts: Int64
    public init(id: String, origin: PacketOrigin, text: String, ts: Int64) {
        self.id = id
        self.sid = origin.sid
        self.from = origin.from
        self.fromDevice = origin.fromDevice
        self.text = text
        self.ts = ts
    }
}

/// `delete`: message `id` was deleted for everyone.
public struct DeleteEvent: Encodable, Sendable, Equatable {
    public var id: String
    public var sid: String
    public var from: String
    public var fromDevice: String
    public var ts: Int64
    public init(id: String, origin: PacketOrigin, ts: Int64) {
        self.id = id
        self.sid = origin.sid
        self.from = origin.from
        self.fromDevice = origin.fromDevice
        self.ts = ts
    }
}

/// `reaction`: `emoji` added to or removed from message `id`.
public struct ReactionEvent: Encodable, Sendable, Equatable {
    public var id: String
    public var sid: String
    public var from: String
    public var fromDevice: String
    public var emoji: String
    /// `add` or `remove`.
    public var action: String
    public var ts: Int64
    public init(id: String, origin: PacketOrigin, emoji: String, action: String, ts: Int64) {
        self.id = id
        self.sid = origin.sid
        self.from = origin.from
        self.fromDevice = origin.fromDevice
        self.emoji = emoji
        self.action = action
        self.ts = ts
    }
}

/// `receipt`: a device of the peer has (`delivered`) or showed (`read`) this account's messages.
public struct ReceiptEvent: Encodable, Sendable, Equatable {
    public var ids: [String]
    /// `delivered` or `read`.
    public var kind: String
    public var sid: String
    public var from: String
    public var fromDevice: String
    public var ts: Int64
    public init(ids: [String], kind: String, origin: PacketOrigin, ts: Int64) {
        self.ids = ids
        self.kind = kind
        self.sid = origin.sid
        self.from = origin.from
        self.fromDevice = origin.fromDevice
        self.ts = ts
    }
}

/// `delivered`: where the relay put a message this account sent.
public struct DeliveryEvent: Encodable, Sendable, Equatable {
    public var id: String
    public var sid: String
    public var to: String
    /// `delivered`, `stored` or `queued`.
    public var status: String
    public var delivered: [String]
    public var stored: [String]
    public var pending: [String]
    public var ts: Int64
    public init(id: String, sid: String, to: String, status: String, delivered: [String], stored: [String], pending: [String], ts: Int64) {
        self.id = id
        self.sid = sid
        self.to = to
        self.status = status
        self.delivered = delivered
        self.stored = stored
        self.pending = pending
        self.ts = ts
    }
}

/// `presence`: a device of `email` connected or disconnected.
public struct PresenceEvent: Encodable, Sendable, Equatable {
    public var sid: String
    public var email: String
    public var device: String
    public var online: Bool
    public var ts: Int64
    public init(sid: String, email: String, device: String, online: Bool, ts: Int64) {
        self.sid = sid
        self.email = email
        self.device = device
        self.online = online
        self.ts = ts
    }
}

/// A change in a relationship.
public struct FriendEvent: Encodable, Sendable, Equatable {
    public enum Kind: String, Sendable {
        case friendRequest = "friend_request"
        case friendAccepted = "friend_accepted"
        case friendDenied = "friend_denied"
        case friendRemoved = "friend_removed"
        case blocked
        case unblocked
    }

    public var kind: Kind
    /// The other user.
    public var email: String?
    /// Their e-mail hash, when the relay names only that (a block by a stranger).
    public var emailHash: String?
    /// Their device keys (a request's, an accept's).
    public var devices: [String]?
    /// The profile name they sent.
    public var name: String?
    public var ts: Int64

    public init(_ kind: Kind, email: String? = nil, emailHash: String? = nil, devices: [String]? = nil, name: String? = nil, ts: Int64) {
        self.kind = kind
        self.email = email
        self.emailHash = emailHash
        self.devices = devices
        self.name = name
        self.ts = ts
    }

    private enum CodingKeys: String, CodingKey { case email, emailHash, devices, name, ts }
}

/// `key_change`: a known peer (or this account, `own`) has new or retired device keys.
public struct KeyChangeEvent: Encodable, Sendable, Equatable {
    public var email: String
    /// The new keys.
    public var devices: [String]
    /// Keys held back until accepted (the peer is verified; for `own`, every new device).
    public var unconfirmed: [String]?
    /// Keys no longer listed.
    public var retired: [String]?
    /// The keys are this account's own devices (accept them with `cn-account devices --accept`).
    public var own: Bool?
    public var ts: Int64
    public init(email: String, devices: [String], unconfirmed: [String]? = nil, retired: [String]? = nil, own: Bool? = nil, ts: Int64) {
        self.email = email
        self.devices = devices
        self.unconfirmed = unconfirmed
        self.retired = retired
        self.own = own
        self.ts = ts
    }
}

/// `rejected`: why something was refused; who sent it when that is known.
public struct RejectedEvent: Encodable, Sendable, Equatable {
    public var reason: String
    public var sid: String?
    public var from: String?
    public var fromDevice: String?
    public var ts: Int64
    public init(_ reason: String, sid: String? = nil, from: String? = nil, fromDevice: String? = nil, ts: Int64) {
        self.reason = reason
        self.sid = sid
        self.from = from
        self.fromDevice = fromDevice
        self.ts = ts
    }
}

/// `profile`: the name `email` shows, at `version`.
public struct ProfileEvent: Encodable, Sendable, Equatable {
    public var email: String
    public var name: String?
    public var version: Int
    public var ts: Int64
    public init(email: String, name: String?, version: Int, ts: Int64) {
        self.email = email
        self.name = name
        self.version = version
        self.ts = ts
    }
}

/// `sync`: what a MANIFEST from another device of this account changed here.
public struct SyncEvent: Encodable, Sendable, Equatable {
    public var fromDevice: String
    public var messages = 0
    public var blocks = 0
    public var requests = 0
    public var profile = false
    public var ts: Int64
    public init(fromDevice: String, ts: Int64) {
        self.fromDevice = fromDevice
        self.ts = ts
    }
}

extension MessageEvent {
    /// The event's JSON line, written directly: the bytes JSONEncoder writes for
    /// ``ClientEvent/message(_:)`` (keys sorted, `type` among them).
    var line: [UInt8] {
        var line = JSONObjectWriter(capacity: (text?.utf8.count ?? 0) + 240)
        line.field("from", from)
        line.field("fromDevice", fromDevice)
        line.field("id", id)
        line.field("queued", queued)
        line.field("replyTo", replyTo)
        line.field("sid", sid)
        line.field("text", text)
        line.field("to", to)
        line.field("ts", ts)
        line.field("type", "message")
        return line.finished
    }
}
