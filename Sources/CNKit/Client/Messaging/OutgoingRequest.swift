import CNCrypto
import CNProtocol
import CNStore

/// Something to send to a friend: a message, or an action on one (DESIGN §4, `cn-send`).
public enum OutgoingRequest: Sendable, Equatable {
    /// A message (TEXT, or TEXT_CHUNK parts over 12,000 characters), optionally a reply.
    case text(to: EmailAddress, text: String, replyTo: String?)
    /// New text for one of this account's messages (within 24 h).
    case edit(to: EmailAddress, id: String, text: String)
    /// Deletes one of this account's messages for everyone (within 24 h).
    case delete(to: EmailAddress, id: String)
    /// Adds (or with `remove`, takes back) a reaction to a message of the conversation.
    case react(to: EmailAddress, id: String, emoji: String, remove: Bool)

    /// The friend it goes to.
    public var to: EmailAddress {
        switch self {
        case .text(let to, _, _), .edit(let to, _, _), .delete(let to, _), .react(let to, _, _, _): to
        }
    }

    /// The operation's name in result lines.
    public var op: String {
        switch self {
        case .text: "text"
        case .edit: "edit"
        case .delete: "delete"
        case .react: "react"
        }
    }
}

/// What was queued for one request: the items to watch and the devices they go to.
public struct SendTicket: Sendable, Equatable {
    public var op: String
    /// The new message's id, or the id of the message acted on.
    public var id: String
    public var sid: String
    public var to: String
    /// The outbox items (MSG frame ids) carrying it.
    public var itemIDs: [String]
    /// The peer's devices it was sealed to.
    public var peerDevices: [String]
    /// This account's other devices it was sealed to.
    public var ownDevices: [String]
    /// The peer's keys held back until accepted (verified peer): nothing was sealed to them.
    public var heldBack: [String]
}

/// The result line of one request (`cn-send`'s output).
public struct SendResult: Encodable, Sendable, Equatable {
    public var op: String?
    public var id: String
    public var sid: String
    public var to: String
    /// `delivered` (a peer device has it), `stored` (the relay's mailbox holds it for the
    /// peer's offline devices) or `queued` (kept here; sent later).
    public var status: String
    /// Device keys that got it, whose mailbox holds it, and that still lack it.
    public var delivered: [String]
    public var stored: [String]
    public var pending: [String]
    /// The peer's keys held back until accepted (nothing was sealed to them).
    public var unconfirmed: [String]?

    /// Whether the request reached the relay for at least one of the peer's devices.
    public var isAccepted: Bool { status != DeliveryStatus.queued.name }
}

extension SendResult {
    /// The result line, written directly: the bytes JSONEncoder writes (keys sorted) for
    /// `cn-send`'s one line per message.
    public var line: [UInt8] {
        var line = JSONObjectWriter(capacity: 200 + 48 * (delivered.count + stored.count + pending.count))
        line.field("delivered", delivered)
        line.field("id", id)
        line.field("op", op)
        line.field("pending", pending)
        line.field("sid", sid)
        line.field("status", status)
        line.field("stored", stored)
        line.field("to", to)
        line.field("unconfirmed", unconfirmed)
        return line.finished
    }
}
