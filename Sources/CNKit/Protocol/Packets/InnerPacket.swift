#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The plaintext inside a sealed MSG payload (PROTOCOL §7):
/// `{"t":"MSG","data":{"type":TYPE,…}}`. One case per type this client understands;
/// anything else decodes as ``unknown(_:)`` and is ignored by the receiver.
public enum InnerPacket: Sendable, Equatable {
    case text(TextPacket)
    case textChunk(TextChunkPacket)
    case edit(EditPacket)
    case delete(DeletePacket)
    case reaction(ReactionPacket)
    case receipt(ReceiptPacket)
    case profileVersion(ProfileVersionPacket)
    case getProfile(GetProfilePacket)
    case profileData(ProfileDataPacket)
    case manifest(ManifestPacket)
    /// A type this client does not know (a newer client's, a file or call packet before
    /// those services exist): ignored.
    case unknown(String)

    /// The `data.type` of each case.
    public var type: String {
        switch self {
        case .text: "TEXT"
        case .textChunk: "TEXT_CHUNK"
        case .edit: "EDIT"
        case .delete: "DELETE"
        case .reaction: "REACTION"
        case .receipt: "RECEIPT"
        case .profileVersion: "PROFILE_VERSION"
        case .getProfile: "GET_PROFILE"
        case .profileData: "PROFILE_DATA"
        case .manifest: "MANIFEST"
        case .unknown(let type): type
        }
    }
}

/// Why an inner packet was refused.
public struct PacketError: Error, Equatable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// The limits an inner packet's fields are held to.
public enum PacketLimits {
    /// Text longer than this many characters travels as TEXT_CHUNK packets (PROTOCOL §7).
    public static let textChunkCharacters = 12_000
    /// The most chunks one message may have (a 2 MiB message in 12,000-character chunks).
    public static let maximumChunks = 512
    /// The longest message or packet id.
    public static let maximumIDLength = 128
    /// The longest reaction.
    public static let maximumEmojiLength = 64
    /// The most message ids one receipt names.
    public static let maximumReceiptIDs = 1_000
    /// The longest profile name.
    public static let maximumNameLength = 256
    /// The most items of one MANIFEST section.
    public static let maximumManifestItems = 1_000
    /// The latest timestamp accepted (year 3000, in milliseconds): timestamps are the
    /// author's clock, compared and subtracted, so they are held to 0...this.
    public static let maximumTimestamp: Int64 = 32_503_680_000_000
}

/// TEXT: a message.
public struct TextPacket: Codable, Sendable, Equatable {
    public var id: String
    public var text: String
    /// The author's clock, milliseconds since 1970.
    public var timestamp: Int64
    public var replyTo: String?
    /// The conversation's other member, as the author names it (**new**; the original app
    /// ignores it): the author's other devices refuse a copy the relay moved to another
    /// conversation, since nothing else in the packet names the recipient.
    public var to: String?
    public init(id: String, text: String, timestamp: Int64, replyTo: String? = nil, to: String? = nil) {
        self.id = id
        self.text = text
        self.timestamp = timestamp
        self.replyTo = replyTo
        self.to = to
    }
}

/// TEXT_CHUNK: one part of a text over 12,000 characters.
public struct TextChunkPacket: Codable, Sendable, Equatable {
    public var id: String
    public var chunkIndex: Int
    public var totalChunks: Int
    public var textChunk: String
    public var timestamp: Int64
    public var replyTo: String?
    /// As ``TextPacket/to``.
    public var to: String?
    public init(id: String, chunkIndex: Int, totalChunks: Int, textChunk: String, timestamp: Int64, replyTo: String? = nil, to: String? = nil) {
        self.id = id
        self.chunkIndex = chunkIndex
        self.totalChunks = totalChunks
        self.textChunk = textChunk
        self.timestamp = timestamp
        self.replyTo = replyTo
        self.to = to
    }
}

/// EDIT: new text for message `id` (its author's devices only, within 24 h).
public struct EditPacket: Codable, Sendable, Equatable {
    public var id: String
    public var text: String
    public var timestamp: Int64
    /// As ``TextPacket/to``.
    public var to: String?
    public init(id: String, text: String, timestamp: Int64, to: String? = nil) {
        self.id = id
        self.text = text
        self.timestamp = timestamp
        self.to = to
    }
}

/// DELETE: message `id` deleted for everyone (its author only, within 24 h).
public struct DeletePacket: Codable, Sendable, Equatable {
    public var id: String
    public var timestamp: Int64
    /// As ``TextPacket/to``.
    public var to: String?
    public init(id: String, timestamp: Int64, to: String? = nil) {
        self.id = id
        self.timestamp = timestamp
        self.to = to
    }
}

/// REACTION: an emoji added to or removed from message `messageId`.
public struct ReactionPacket: Codable, Sendable, Equatable {
    public enum Action: String, Codable, Sendable { case add, remove }
    public var messageId: String
    public var emoji: String
    public var action: Action
    public var timestamp: Int64
    /// As ``TextPacket/to``.
    public var to: String?
    public init(messageId: String, emoji: String, action: Action, timestamp: Int64, to: String? = nil) {
        self.messageId = messageId
        self.emoji = emoji
        self.action = action
        self.timestamp = timestamp
        self.to = to
    }
}

/// RECEIPT: the recipient's device has (`delivered`) or showed (`read`) messages `ids`.
public struct ReceiptPacket: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable { case delivered, read }
    public var ids: [String]
    public var kind: Kind
    public var timestamp: Int64
    public init(ids: [String], kind: Kind, timestamp: Int64) {
        self.ids = ids
        self.kind = kind
        self.timestamp = timestamp
    }
}

/// PROFILE_VERSION: the sender's profile versions (a peer with older ones asks GET_PROFILE).
public struct ProfileVersionPacket: Codable, Sendable, Equatable {
    public var nameVersion: Int
    public var avatarVersion: Int
    public var timestamp: Int64?
    public init(nameVersion: Int, avatarVersion: Int, timestamp: Int64?) {
        self.nameVersion = nameVersion
        self.avatarVersion = avatarVersion
        self.timestamp = timestamp
    }
}

/// GET_PROFILE: asks the receiver for its PROFILE_DATA.
public struct GetProfilePacket: Codable, Sendable, Equatable {
    public var timestamp: Int64?
    public init(timestamp: Int64?) { self.timestamp = timestamp }
}

/// PROFILE_DATA: the sender's profile; a lower version never replaces a higher one.
public struct ProfileDataPacket: Codable, Sendable, Equatable {
    public var name: String?
    public var nameVersion: Int
    public var avatarVersion: Int
    public var timestamp: Int64?
    public init(name: String?, nameVersion: Int, avatarVersion: Int, timestamp: Int64?) {
        self.name = name
        self.nameVersion = nameVersion
        self.avatarVersion = avatarVersion
        self.timestamp = timestamp
    }
}

/// MANIFEST: what one device of an account tells another of the same account when it
/// comes online; every item carries a timestamp and is merged last-write-wins.
public struct ManifestPacket: Codable, Sendable, Equatable {
    public struct Sections: Codable, Sendable, Equatable {
        public var blocks: [Block]?
        public var requests: [Request]?
        public var aliases: [Alias]?
        public var profile: Profile?
        public var messages: [Message]?
        public init(blocks: [Block]? = nil, requests: [Request]? = nil, aliases: [Alias]? = nil, profile: Profile? = nil, messages: [Message]? = nil) {
            self.blocks = blocks
            self.requests = requests
            self.aliases = aliases
            self.profile = profile
            self.messages = messages
        }
    }

    /// A user this account blocks (or no longer blocks).
    public struct Block: Codable, Sendable, Equatable {
        public var email: String
        public var blocked: Bool
        public var ts: Int64
        public init(email: String, blocked: Bool, ts: Int64) {
            self.email = email
            self.blocked = blocked
            self.ts = ts
        }
    }

    /// A friend request this account sent and that is not answered.
    public struct Request: Codable, Sendable, Equatable {
        public var email: String
        public var ts: Int64
        public init(email: String, ts: Int64) {
            self.email = email
            self.ts = ts
        }
    }

    /// A local name for a peer.
    public struct Alias: Codable, Sendable, Equatable {
        public var email: String
        public var alias: String?
        public var ts: Int64
        public init(email: String, alias: String?, ts: Int64) {
            self.email = email
            self.alias = alias
            self.ts = ts
        }
    }

    /// This account's profile.
    public struct Profile: Codable, Sendable, Equatable {
        public var name: String?
        public var nameVersion: Int
        public var ts: Int64
        public init(name: String?, nameVersion: Int, ts: Int64) {
            self.name = name
            self.nameVersion = nameVersion
            self.ts = ts
        }
    }

    /// A recent message of a conversation, as the sending device has it now.
    public struct Message: Codable, Sendable, Equatable {
        public var id: String
        /// The other member of the conversation.
        public var peer: String
        public var author: String
        public var authorDevice: String
        public var text: String
        public var replyTo: String?
        public var sentAt: Int64
        public var editedAt: Int64?
        public var deletedAt: Int64?
        public init(id: String, peer: String, author: String, authorDevice: String, text: String, replyTo: String?, sentAt: Int64,
                    editedAt: Int64?, deletedAt: Int64?) {
            self.id = id
            self.peer = peer
            self.author = author
            self.authorDevice = authorDevice
            self.text = text
            self.replyTo = replyTo
            self.sentAt = sentAt
            self.editedAt = editedAt
            self.deletedAt = deletedAt
        }
    }

    public var sections: Sections
    public var timestamp: Int64
    public init(sections: Sections, timestamp: Int64) {
        self.sections = sections
        self.timestamp = timestamp
    }
}

extension InnerPacket {
    private struct Envelope<Body: Encodable>: Encodable {
        var t = "MSG"
        var data: Body
    }

    /// A body with its `type` first-class: `{"type":…, fields…}`.
    private struct Typed<Body: Encodable>: Encodable {
        var type: String
        var body: Body
        func encode(to encoder: any Encoder) throws {
            try body.encode(to: encoder)
            var c = encoder.container(keyedBy: TypeKey.self)
            try c.encode(type, forKey: .type)
        }
    }

    private enum TypeKey: String, CodingKey { case type }
    private enum EnvelopeKey: String, CodingKey { case t, data }

    /// The packet as compact JSON, ready to seal.
    public func encoded() throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        func wrap(_ body: some Encodable) throws -> [UInt8] { Array(try encoder.encode(Envelope(data: Typed(type: type, body: body)))) }
        switch self {
        case .text(let p): return p.encodedPacket
        case .textChunk(let p): return try wrap(p)
        case .edit(let p): return try wrap(p)
        case .delete(let p): return try wrap(p)
        case .reaction(let p): return try wrap(p)
        case .receipt(let p): return try wrap(p)
        case .profileVersion(let p): return try wrap(p)
        case .getProfile(let p): return try wrap(p)
        case .profileData(let p): return try wrap(p)
        case .manifest(let p): return try wrap(p)
        case .unknown: throw PacketError("an unknown packet cannot be sent")
        }
    }

    /// Decodes and checks an opened payload. Unknown types decode as ``unknown(_:)``; a known
    /// type with missing, mistyped or out-of-bounds fields is a ``PacketError``. One pass of
    /// the decoder: the `type` and the fields are read from the same `data` object.
    ///
    /// Strict JSON only (RFC 8259, nesting ≤ 512), as every client writes it: what a peer
    /// sends never reaches JSONDecoder otherwise (which traps on some malformed input). A
    /// TEXT packet — one per message — is read from the scanner's single pass; every other
    /// packet with Codable.
    public static func decode(_ json: [UInt8]) throws(PacketError) -> InnerPacket {
        guard let fields = RoutedFrameScanner.scanInnerPacket(json) else { throw PacketError("an inner packet that is not strict JSON") }
        let packet: InnerPacket
        if let text = RoutedFrameScanner.textPacket(fields) {
            packet = .text(text)
        } else {
            packet = try decodeWithCodable(json)
        }
        try packet.validate()
        return packet
    }

    /// The packet as the Codable decoder reads it (not validated).
    static func decodeWithCodable(_ json: [UInt8]) throws(PacketError) -> InnerPacket {
        do {
            return try JSONDecoder().decode(Outer.self, from: Data(json)).packet
        } catch let error as PacketError {
            throw error
        } catch {
            throw PacketError("not an inner packet {\"t\":\"MSG\",\"data\":{\"type\":…}}")
        }
    }

    /// The agreement rule of the TEXT fast path: a packet it reads must be exactly what the
    /// Codable decoder reads. Nil if they agree (tests and the fuzz target).
    public static func crossCheck(_ json: [UInt8]) -> String? {
        guard let fields = RoutedFrameScanner.scanInnerPacket(json), let fast = RoutedFrameScanner.textPacket(fields) else { return nil }
        guard let decoded = try? decodeWithCodable(json) else { return "the fast path read a TEXT the codec refused" }
        return decoded == .text(fast) ? nil : "TEXT fields differ"
    }

    /// `{"t":"MSG","data":{"type":…,…}}`, the body decoded by its type.
    private struct Outer: Decodable {
        let packet: InnerPacket

        init(from decoder: any Decoder) throws {
            let data = try decoder.container(keyedBy: EnvelopeKey.self).superDecoder(forKey: .data)
            let type = try data.container(keyedBy: TypeKey.self).decode(String.self, forKey: .type)
            func body<T: Decodable>(_: T.Type) throws -> T {
                do { return try T(from: data) } catch { throw PacketError("a malformed \(type) packet") }
            }
            switch type {
            case "TEXT": packet = .text(try body(TextPacket.self))
            case "TEXT_CHUNK": packet = .textChunk(try body(TextChunkPacket.self))
            case "EDIT": packet = .edit(try body(EditPacket.self))
            case "DELETE": packet = .delete(try body(DeletePacket.self))
            case "REACTION": packet = .reaction(try body(ReactionPacket.self))
            case "RECEIPT": packet = .receipt(try body(ReceiptPacket.self))
            case "PROFILE_VERSION": packet = .profileVersion(try body(ProfileVersionPacket.self))
            case "GET_PROFILE": packet = .getProfile(try body(GetProfilePacket.self))
            case "PROFILE_DATA": packet = .profileData(try body(ProfileDataPacket.self))
            case "MANIFEST": packet = .manifest(try body(ManifestPacket.self))
            default: packet = .unknown(String(type.prefix(64)))
            }
        }
    }

    /// The conversation member the author names (``TextPacket/to``), for the packets that carry one.
    public var namedRecipient: String? {
        switch self {
        case .text(let p): p.to
        case .textChunk(let p): p.to
        case .edit(let p): p.to
        case .delete(let p): p.to
        case .reaction(let p): p.to
        default: nil
        }
    }

    /// The author's timestamp, for the packets that carry one.
    var timestamp: Int64? {
        switch self {
        case .text(let p): p.timestamp
        case .textChunk(let p): p.timestamp
        case .edit(let p): p.timestamp
        case .delete(let p): p.timestamp
        case .reaction(let p): p.timestamp
        case .receipt(let p): p.timestamp
        case .profileVersion(let p): p.timestamp
        case .getProfile(let p): p.timestamp
        case .profileData(let p): p.timestamp
        case .manifest(let p): p.timestamp
        case .unknown: nil
        }
    }

    /// The bounds of PROTOCOL §7 and ``PacketLimits``.
    func validate() throws(PacketError) {
        if let timestamp, !(0...PacketLimits.maximumTimestamp).contains(timestamp) {
            throw PacketError("\(type): a timestamp outside 1970 to 3000")
        }
        func id(_ value: String, _ what: String) throws(PacketError) {
            guard !value.isEmpty, value.utf8.count <= PacketLimits.maximumIDLength else { throw PacketError("\(type): a bad \(what)") }
        }
        switch self {
        case .text(let p):
            try id(p.id, "id")
            if let reply = p.replyTo { try id(reply, "replyTo") }
        case .textChunk(let p):
            try id(p.id, "id")
            if let reply = p.replyTo { try id(reply, "replyTo") }
            guard (1...PacketLimits.maximumChunks).contains(p.totalChunks), (0..<p.totalChunks).contains(p.chunkIndex) else {
                throw PacketError("TEXT_CHUNK: chunk \(p.chunkIndex) of \(p.totalChunks) is out of range")
            }
            guard p.textChunk.count <= PacketLimits.textChunkCharacters else { throw PacketError("TEXT_CHUNK: a chunk over \(PacketLimits.textChunkCharacters) characters") }
        case .edit(let p): try id(p.id, "id")
        case .delete(let p): try id(p.id, "id")
        case .reaction(let p):
            try id(p.messageId, "messageId")
            guard !p.emoji.isEmpty, p.emoji.utf8.count <= PacketLimits.maximumEmojiLength else { throw PacketError("REACTION: a bad emoji") }
        case .receipt(let p):
            guard !p.ids.isEmpty, p.ids.count <= PacketLimits.maximumReceiptIDs else { throw PacketError("RECEIPT: no ids, or too many") }
            for value in p.ids { try id(value, "id") }
        case .profileVersion(let p):
            guard p.nameVersion >= 0, p.avatarVersion >= 0 else { throw PacketError("PROFILE_VERSION: a negative version") }
        case .getProfile: break
        case .profileData(let p):
            guard p.nameVersion >= 0, p.avatarVersion >= 0 else { throw PacketError("PROFILE_DATA: a negative version") }
            if let name = p.name, name.count > PacketLimits.maximumNameLength { throw PacketError("PROFILE_DATA: a name over \(PacketLimits.maximumNameLength) characters") }
        case .manifest(let p):
            let s = p.sections
            guard [s.blocks?.count, s.requests?.count, s.aliases?.count, s.messages?.count].allSatisfy({ ($0 ?? 0) <= PacketLimits.maximumManifestItems }) else {
                throw PacketError("MANIFEST: a section over \(PacketLimits.maximumManifestItems) items")
            }
            let stamps = (s.blocks ?? []).map(\.ts) + (s.requests ?? []).map(\.ts) + (s.aliases ?? []).map(\.ts) + [s.profile?.ts ?? 0]
                + (s.messages ?? []).flatMap { [$0.sentAt, $0.editedAt ?? 0, $0.deletedAt ?? 0] }
            guard stamps.allSatisfy({ (0...PacketLimits.maximumTimestamp).contains($0) }) else { throw PacketError("MANIFEST: a timestamp outside 1970 to 3000") }
            for m in s.messages ?? [] {
                try id(m.id, "message id")
                if let reply = m.replyTo { try id(reply, "replyTo") }
            }
            if let name = s.profile?.name, name.count > PacketLimits.maximumNameLength { throw PacketError("MANIFEST: a profile name that is too long") }
        case .unknown: break
        }
    }
}

extension TextPacket {
    /// The whole packet, `{"data":{…,"type":"TEXT"},"t":"MSG"}`, written directly (the
    /// packet every message is): the bytes ``InnerPacket/encoded()`` would write with JSONEncoder.
    var encodedPacket: [UInt8] {
        var data = JSONObjectWriter(capacity: text.utf8.count + 160)
        data.field("id", id)
        data.field("replyTo", replyTo)
        data.field("text", text)
        data.field("timestamp", timestamp)
        data.field("to", to)
        data.field("type", "TEXT")
        var outer = JSONObjectWriter(capacity: data.bytes.count + 16)
        outer.field("data", object: data)
        outer.field("t", "MSG")
        return outer.finished
    }
}
