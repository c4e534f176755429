import Foundation
import GRDB

/// How far a message got (PROTOCOL §7.1), per device and for the message as a whole (the
/// furthest any of the peer's devices got).
public enum DeliveryStatus: Int, Codable, Sendable, Comparable, CaseIterable {
    /// Kept here: the relay has not taken it (unreachable, mailbox off or full).
    case queued = 0
    /// The relay's mailbox holds it for an offline device (§7.1's "pending").
    case stored = 1
    /// A device has it (relay DELIVERED, or a RECEIPT).
    case delivered = 2
    /// A device showed it (RECEIPT read).
    case read = 3

    public static func < (a: DeliveryStatus, b: DeliveryStatus) -> Bool { a.rawValue < b.rawValue }

    /// The name used in output lines.
    public var name: String {
        switch self {
        case .queued: "queued"
        case .stored: "stored"
        case .delivered: "delivered"
        case .read: "read"
        }
    }
}

/// A message of a conversation, sent or received, as the account database keeps it. The
/// text is sealed under the database key at rest; ids, times and status stay plain.
public struct MessageRecord: Sendable, Equatable {
    /// The message id (the TEXT packet's, a UUID).
    public var id: String
    public var sid: String
    /// The other member of the conversation.
    public var peer: String
    /// Who wrote it (this account or the peer).
    public var author: String
    /// The device it was written on.
    public var authorDevice: String
    /// Written by this account (on this device or another of its devices).
    public var outgoing: Bool
    /// The author's clock, milliseconds since 1970.
    public var sentAt: Int64
    /// When this device stored it.
    public var storedAt: Int64
    public var text: String
    public var replyTo: String?
    public var editedAt: Int64?
    public var deletedAt: Int64?
    public var status: DeliveryStatus

    public init(id: String, sid: String, peer: String, author: String, authorDevice: String, outgoing: Bool, sentAt: Int64,
                storedAt: Int64, text: String, replyTo: String? = nil, editedAt: Int64? = nil, deletedAt: Int64? = nil,
                status: DeliveryStatus) {
        self.id = id
        self.sid = sid
        self.peer = peer
        self.author = author
        self.authorDevice = authorDevice
        self.outgoing = outgoing
        self.sentAt = sentAt
        self.storedAt = storedAt
        self.text = text
        self.replyTo = replyTo
        self.editedAt = editedAt
        self.deletedAt = deletedAt
        self.status = status
    }
}

/// One sealed payload waiting to reach one device (PROTOCOL §7.3): the outbox row.
public struct OutboxItem: Sendable, Equatable {
    /// The MSG frame id (the relay echoes it on DELIVERED).
    public var itemID: String
    /// The recipient device key.
    public var device: String
    public var sid: String
    /// The message whose delivery status this item moves, if it carries one.
    public var messageID: String?
    /// The payload sealed for ``device``.
    public var payload: String
    public var createdAt: Int64

    public init(itemID: String, device: String, sid: String, messageID: String?, payload: String, createdAt: Int64) {
        self.itemID = itemID
        self.device = device
        self.sid = sid
        self.messageID = messageID
        self.payload = payload
        self.createdAt = createdAt
    }
}

/// What storing one TEXT_CHUNK gave.
public enum ChunkOutcome: Sendable, Equatable {
    /// Stored; more chunks are missing.
    case incomplete
    /// The last missing chunk: the whole text's parts, in order (the chunks are gone).
    case complete([String])
    /// This chunk was already here.
    case duplicate
    /// Its count disagrees with the chunks already stored for the message.
    case inconsistent
    /// The author already has ``AccountDatabase/maximumOpenChunkSets`` sets incomplete.
    case tooMany
}

/// The tables of the messaging service (migrations v3 to v5).
enum MessageLedgerSchema {
    /// v5: outbox rows found by message (a receipt removes what waited for it): without it
    /// each receipt scanned every row queued for the device, and a burst of n messages cost
    /// n² row visits.
    static func indexOutboxByMessage(_ db: Database) throws {
        try db.create(index: "outbox_by_message", on: "outbox", columns: ["messageId", "device"])
    }

    /// v4: an item the relay handed to a peer's socket stays (`awaiting`) until that
    /// device's RECEIPT says it stored it; `attempts` counts transmissions.
    static func addReceiptWait(_ db: Database) throws {
        try db.alter(table: "outbox") { t in
            t.add(column: "awaiting", .boolean).notNull().defaults(to: false)
            t.add(column: "attempts", .integer).notNull().defaults(to: 0)
        }
    }

    static func create(_ db: Database) throws {
        try db.create(table: "message") { t in
            t.primaryKey("id", .text)
            t.column("sid", .text).notNull()
            t.column("peer", .text).notNull()
            t.column("author", .text).notNull()
            t.column("authorDevice", .text).notNull()
            t.column("outgoing", .boolean).notNull()
            t.column("sentAt", .integer).notNull()
            t.column("storedAt", .integer).notNull()
            t.column("body", .blob).notNull()
            t.column("replyTo", .text)
            t.column("editedAt", .integer)
            t.column("deletedAt", .integer)
            t.column("status", .integer).notNull()
        }
        try db.create(index: "message_by_peer", on: "message", columns: ["peer", "sentAt"])
        try db.create(index: "message_by_time", on: "message", columns: ["sentAt"])
        // Per-device delivery of outgoing messages.
        try db.create(table: "delivery") { t in
            t.column("messageId", .text).notNull()
            t.column("device", .text).notNull()
            t.column("status", .integer).notNull()
            t.column("at", .integer).notNull()
            t.primaryKey(["messageId", "device"])
        }
        try db.create(table: "reaction") { t in
            t.column("messageId", .text).notNull()
            t.column("author", .text).notNull()
            t.column("emoji", .text).notNull()
            t.column("active", .boolean).notNull()
            t.column("at", .integer).notNull()
            t.primaryKey(["messageId", "author", "emoji"])
        }
        try db.create(table: "outbox") { t in
            t.column("itemId", .text).notNull()
            t.column("device", .text).notNull()
            t.column("sid", .text).notNull()
            t.column("messageId", .text)
            t.column("payload", .text).notNull()
            t.column("createdAt", .integer).notNull()
            t.column("claimedBy", .text)
            t.column("claimedUntil", .integer)
            t.primaryKey(["itemId", "device"])
        }
        try db.create(index: "outbox_by_device", on: "outbox", columns: ["device"])
        try db.create(table: "textChunk") { t in
            t.column("id", .text).notNull()
            t.column("author", .text).notNull()
            t.column("chunkIndex", .integer).notNull()
            t.column("totalChunks", .integer).notNull()
            t.column("body", .blob).notNull()
            t.column("at", .integer).notNull()
            t.primaryKey(["id", "author", "chunkIndex"])
        }
        // Digests of the inner packets this account sealed: a payload the relay hands back
        // as if a peer had sent it is recognised by them (the pairwise key is the same both ways).
        try db.create(table: "sentPacket") { t in
            t.primaryKey("digest", .blob)
            t.column("at", .integer).notNull()
        }
        // The account's event log, read by `cn-recv` through the `recvCursor` setting.
        try db.create(table: "event") { t in
            t.autoIncrementedPrimaryKey("seq")
            t.column("at", .integer).notNull()
            t.column("body", .blob).notNull()
        }
    }
}

extension AccountDatabase {
    private static let bodyColumn = "message.body"
    private static let chunkColumn = "textChunk.body"
    private static let eventColumn = "event.body"

    // MARK: Messages

    /// Stores a message unless one with its id exists; returns whether it was stored.
    /// `event`, the event line announcing it, is logged in the same transaction.
    @discardableResult
    public func insertMessage(_ message: MessageRecord, event: [UInt8]?) throws -> Bool {
        try insertMessages([(message, event)])[0]
    }

    /// ``insertMessage(_:event:)`` for several messages in one transaction (a burst of
    /// messages is one write); whether each was stored (false: it was here already).
    public func insertMessages(_ messages: [(message: MessageRecord, event: [UInt8]?)]) throws -> [Bool] {
        let sealed = try messages.map { entry in
            (body: try sealBytes(Array(entry.message.text.utf8), column: Self.bodyColumn),
             event: try entry.event.map { try sealBytes($0, column: Self.eventColumn) })
        }
        return try connection.write { db in
            try zip(messages, sealed).map { entry, sealed in
                try Self.insert(entry.message, body: sealed.body, db)
                guard db.changesCount > 0 else { return false }
                if let event = sealed.event { try Self.log(event, at: entry.message.storedAt, db) }
                return true
            }
        }
    }

    private static func insert(_ m: MessageRecord, body: Data, _ db: Database) throws {
        try db.executeDirect(sql: """
            INSERT OR IGNORE INTO message (id, sid, peer, author, authorDevice, outgoing, sentAt, storedAt, body, replyTo, editedAt, deletedAt, status)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, .text(m.id), .text(m.sid), .text(m.peer), .text(m.author), .text(m.authorDevice), .boolean(m.outgoing), .integer(m.sentAt),
            .integer(m.storedAt), .blob(body), .text(m.replyTo), .integer(m.editedAt), .integer(m.deletedAt), .integer(Int64(m.status.rawValue)))
    }

    /// The message with `id`, if it is here.
    public func message(_ id: String) throws -> MessageRecord? {
        try lookUp { db in try Row.fetchOne(try db.cachedStatement(sql: "SELECT * FROM message WHERE id = ?"), arguments: [id]) }.map(record)
    }

    /// Changes a stored message in one transaction: `change` returns whether it changed it;
    /// if so the message is saved and `event` logged. Nil if there is no such message.
    @discardableResult
    public func updateMessage(_ id: String, event: [UInt8]?, now: Int64,
                              _ change: (inout MessageRecord) -> Bool) throws -> (MessageRecord, changed: Bool)? {
        let eventBody = try event.map { try sealBytes($0, column: Self.eventColumn) }
        return try connection.write { db -> (MessageRecord, changed: Bool)? in
            guard let row = try Row.fetchOne(try db.cachedStatement(sql: "SELECT * FROM message WHERE id = ?"), arguments: [id]) else { return nil }
            var message = try record(row)
            let before = message
            guard change(&message), message != before else { return (before, false) }
            try db.cachedExecute(sql: "UPDATE message SET body = ?, editedAt = ?, deletedAt = ?, status = ? WHERE id = ?",
                           arguments: [try sealBytes(Array(message.text.utf8), column: Self.bodyColumn), message.editedAt, message.deletedAt,
                                       message.status.rawValue, id])
            if let eventBody { try Self.log(eventBody, at: now, db) }
            return (message, true)
        }
    }

    /// Stored messages, oldest first: with `peer`, of that conversation; with `since`, sent
    /// at or after it; with `limit`, the newest `limit` of them.
    public func messages(peer: String? = nil, since: Int64? = nil, limit: Int? = nil) throws -> [MessageRecord] {
        var conditions: [String] = []
        var arguments: StatementArguments = []
        if let peer { conditions.append("peer = ?"); arguments += [peer] }
        if let since { conditions.append("sentAt >= ?"); arguments += [since] }
        let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        let sql = "SELECT * FROM (SELECT * FROM message \(filter) ORDER BY sentAt DESC, storedAt DESC, id DESC LIMIT ?) ORDER BY sentAt, storedAt, id"
        arguments += [limit ?? -1]
        return try connection.read { db in try Row.fetchAll(db, sql: sql, arguments: arguments) }.map(record)
    }

    private func record(_ row: Row) throws -> MessageRecord {
        let body: Data = row["body"]
        return MessageRecord(id: row["id"], sid: row["sid"], peer: row["peer"], author: row["author"], authorDevice: row["authorDevice"],
                             outgoing: row["outgoing"], sentAt: row["sentAt"], storedAt: row["storedAt"],
                             text: String(decoding: try openBytes(body, column: Self.bodyColumn), as: UTF8.self), replyTo: row["replyTo"],
                             editedAt: row["editedAt"], deletedAt: row["deletedAt"],
                             status: DeliveryStatus(rawValue: row["status"]) ?? .queued)
    }

    // MARK: Reactions

    /// Records a reaction (last write wins per author and emoji); returns whether it changed
    /// anything, and then logs `event`.
    public func setReaction(messageID: String, author: String, emoji: String, active: Bool, at: Int64, event: [UInt8]?, now: Int64) throws -> Bool {
        let eventBody = try event.map { try sealBytes($0, column: Self.eventColumn) }
        return try connection.write { db in
            if let row = try Row.fetchOne(db, sql: "SELECT active, at FROM reaction WHERE messageId = ? AND author = ? AND emoji = ?",
                                          arguments: [messageID, author, emoji]) {
                let previous: Int64 = row["at"]
                let wasActive: Bool = row["active"]
                guard at > previous || (at == previous && wasActive && !active) else { return false }
                if wasActive == active {
                    try db.cachedExecute(sql: "UPDATE reaction SET at = ? WHERE messageId = ? AND author = ? AND emoji = ?",
                                   arguments: [at, messageID, author, emoji])
                    return false
                }
            }
            try db.cachedExecute(sql: "INSERT OR REPLACE INTO reaction (messageId, author, emoji, active, at) VALUES (?, ?, ?, ?, ?)",
                           arguments: [messageID, author, emoji, active, at])
            if let eventBody { try Self.log(eventBody, at: now, db) }
            return true
        }
    }

    /// The active reactions on a message: author and emoji.
    public func reactions(on messageID: String) throws -> [(author: String, emoji: String)] {
        try connection.read { db in
            try Row.fetchAll(db, sql: "SELECT author, emoji FROM reaction WHERE messageId = ? AND active ORDER BY at, author, emoji",
                             arguments: [messageID]).map { ($0["author"], $0["emoji"]) }
        }
    }

    // MARK: Delivery

    /// Raises the delivery status of this account's messages `ids` of conversation `sid` on `device` (never
    /// lowers it) and the messages' overall status with it. Returns the ids whose status on
    /// that device rose; `event(ids)` is logged when there are any.
    public func recordDelivery(ids: [String], sid: String, device: String, status: DeliveryStatus, now: Int64,
                               event: ([String]) throws -> [UInt8]?) throws -> [String] {
        try connection.write { db in
            var raised: [String] = []
            var seen: Set<String> = []
            for id in ids where seen.insert(id).inserted {
                guard let outgoing = try Bool.fetchOne(try db.cachedStatement(sql: "SELECT outgoing FROM message WHERE id = ? AND sid = ?"), arguments: [id, sid]),
                      outgoing else { continue }
                // The device has it: nothing of this message waits for it any more.
                try db.executeDirect(sql: "DELETE FROM outbox WHERE messageId = ? AND device = ?", .text(id), .text(device))
                let current = try Int.fetchOne(try db.cachedStatement(sql: "SELECT status FROM delivery WHERE messageId = ? AND device = ?"), arguments: [id, device])
                guard current.map({ $0 < status.rawValue }) ?? true else { continue }
                try db.executeDirect(sql: "INSERT OR REPLACE INTO delivery (messageId, device, status, at) VALUES (?, ?, ?, ?)",
                                     .text(id), .text(device), .integer(Int64(status.rawValue)), .integer(now))
                try db.executeDirect(sql: "UPDATE message SET status = max(status, ?) WHERE id = ?", .integer(Int64(status.rawValue)), .text(id))
                raised.append(id)
            }
            if !raised.isEmpty, let bytes = try event(raised) { try Self.log(try self.sealBytes(bytes, column: Self.eventColumn), at: now, db) }
            return raised
        }
    }

    /// The per-device status of an outgoing message.
    public func deliveries(of messageID: String) throws -> [String: DeliveryStatus] {
        try connection.read { db in
            var result: [String: DeliveryStatus] = [:]
            for row in try Row.fetchAll(try db.cachedStatement(sql: "SELECT device, status FROM delivery WHERE messageId = ?"), arguments: [messageID]) {
                result[row["device"]] = DeliveryStatus(rawValue: row["status"]) ?? .queued
            }
            return result
        }
    }

    /// Marks received messages read here (for `--mark-read`); returns those that were not yet.
    public func markRead(_ ids: [String]) throws -> [String] {
        try connection.write { db in
            var marked: [String] = []
            for id in ids {
                try db.cachedExecute(sql: "UPDATE message SET status = ? WHERE id = ? AND NOT outgoing AND status < ?",
                               arguments: [DeliveryStatus.read.rawValue, id, DeliveryStatus.read.rawValue])
                if db.changesCount > 0 { marked.append(id) }
            }
            return marked
        }
    }

    // MARK: Outbox

    /// Queues sends in one transaction: each its sealed payloads (and the outgoing message
    /// they carry, nil for other packets, with a `queued` delivery row per recipient
    /// device), and the digests of its inner packets, to recognise them if the relay hands
    /// them back. The items are claimed by `owner` for `lease` milliseconds: the process that
    /// queues them sends them first.
    public func enqueue(_ sends: [(items: [OutboxItem], message: MessageRecord?, digests: [[UInt8]])], owner: String, lease: Int64, now: Int64) throws {
        let bodies = try sends.map { send in try send.message.map { try sealBytes(Array($0.text.utf8), column: Self.bodyColumn) } }
        try connection.write { db in
            for (send, body) in zip(sends, bodies) {
                if let message = send.message, let body {
                    try Self.insert(message, body: body, db)
                    for device in Set(send.items.filter { $0.messageID == message.id }.map(\.device)) {
                        try db.executeDirect(sql: "INSERT OR IGNORE INTO delivery (messageId, device, status, at) VALUES (?, ?, 0, ?)",
                                             .text(message.id), .text(device), .integer(now))
                    }
                }
                for item in send.items {
                    try db.executeDirect(sql: """
                        INSERT OR REPLACE INTO outbox (itemId, device, sid, messageId, payload, createdAt, claimedBy, claimedUntil)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                        """, .text(item.itemID), .text(item.device), .text(item.sid), .text(item.messageID), .text(item.payload),
                        .integer(item.createdAt), .text(owner), .integer(now + lease))
                }
                for digest in send.digests {
                    try db.executeDirect(sql: "INSERT OR IGNORE INTO sentPacket (digest, at) VALUES (?, ?)", .blob(Data(digest)), .integer(now))
                }
            }
        }
    }

    /// Claims outbox items for sending by `owner` for `lease` milliseconds: those not
    /// claimed by a live claim of another process, for `devices` if given, oldest first.
    /// Items waiting for a receipt are included only with `awaiting` (the device came online
    /// again, or this process reconnected: what it was handed may be lost) or once their
    /// wait is over. Two processes never hold a claim on the same item at once (DESIGN §3).
    public func claimOutbox(owner: String, devices: Set<String>? = nil, itemIDs: Set<String>? = nil, awaiting: Bool = false,
                            now: Int64, lease: Int64, limit: Int = 1_000) throws -> [OutboxItem] {
        // Free rows: unclaimed and not resting, or a lapsed claim, or this process's own;
        // with `awaiting`, also the resting ones (waiting for a receipt, or for an offline
        // device to come back).
        var condition = "(claimedUntil IS NULL OR claimedUntil < ? OR claimedBy = ?" + (awaiting ? " OR claimedBy IS NULL)" : ")")
        var arguments: StatementArguments = [now, owner]
        if let devices {
            condition += " AND device IN (\(devices.map { _ in "?" }.joined(separator: ",")))"
            arguments += StatementArguments(Array(devices))
        }
        if let itemIDs {
            condition += " AND itemId IN (\(itemIDs.map { _ in "?" }.joined(separator: ",")))"
            arguments += StatementArguments(Array(itemIDs))
        }
        // The usual case, nothing to send: found out with a read, without the write lock.
        let any = try connection.read { db in
            try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM outbox WHERE \(condition))", arguments: arguments) ?? false
        }
        guard any else { return [] }
        return try connection.write { db in
            let items = try Row.fetchAll(db, sql: "SELECT * FROM outbox WHERE \(condition) ORDER BY createdAt, rowid LIMIT ?",
                                         arguments: arguments + [limit]).map { row in
                OutboxItem(itemID: row["itemId"], device: row["device"], sid: row["sid"], messageID: row["messageId"],
                           payload: row["payload"], createdAt: row["createdAt"])
            }
            for item in items {
                try db.cachedExecute(sql: "UPDATE outbox SET claimedBy = ?, claimedUntil = ?, attempts = attempts + 1 WHERE itemId = ? AND device = ?",
                               arguments: [owner, now + lease, item.itemID, item.device])
            }
            return items
        }
    }

    /// What the relay said of one sent item (DELIVERED / DELIVERED_FAILED).
    public struct Settlement: Sendable {
        public var itemID: String
        public var delivered: [String]
        public var stored: [String]
        public var offline: [String]
        public init(itemID: String, delivered: [String], stored: [String], offline: [String]) {
            self.itemID = itemID
            self.delivered = delivered
            self.stored = stored
            self.offline = offline
        }
    }

    /// Settles a burst of answered items in one transaction. Devices whose
    /// mailbox holds it leave the outbox (the mailbox is durable and the device acknowledges
    /// only what it stored); devices it was handed to live keep a message's item, waiting
    /// for their RECEIPT until `receiptWait` ms from now (a device killed before it stored
    /// the message never sends one, and gets it again when it is back) — except this
    /// account's own devices (no receipts between them) and items sent `maximumAttempts`
    /// times (a peer that never sends receipts); their delivery status rises. `offline`
    /// devices keep the item, resting `offlineRest` ms unless they come online first; devices in no list (the relay
    /// dropped them: not a member any more) leave it undelivered.
    public func settle(_ batch: [Settlement], owner: String, ownDevices: Set<String>, receiptWait: Int64, offlineRest: Int64,
                       maximumAttempts: Int, now: Int64) throws {
        guard !batch.isEmpty else { return }
        try connection.write { db in
            for settlement in batch {
                try Self.settle(settlement, owner: owner, ownDevices: ownDevices, receiptWait: receiptWait, offlineRest: offlineRest,
                                maximumAttempts: maximumAttempts, now: now, db)
            }
        }
    }

    private static func settle(_ settlement: Settlement, owner: String, ownDevices: Set<String>, receiptWait: Int64, offlineRest: Int64,
                               maximumAttempts: Int, now: Int64, _ db: Database) throws {
        let itemID = settlement.itemID, delivered = settlement.delivered, stored = settlement.stored, offline = settlement.offline
        do {
            let rows = try Row.fetchAll(try db.cachedStatement(sql: "SELECT device, messageId, attempts FROM outbox WHERE itemId = ? AND claimedBy = ?"),
                                        arguments: [itemID, owner])
            let got = Set(delivered), kept = Set(stored), waiting = Set(offline)
            for row in rows {
                let device: String = row["device"]
                let messageID: String? = row["messageId"]
                let attempts: Int = row["attempts"]
                if waiting.contains(device) {
                    // Rests until the device comes online (PEER_ONLINE) or `offlineRest` passes.
                    try db.executeDirect(sql: "UPDATE outbox SET claimedBy = NULL, claimedUntil = ? WHERE itemId = ? AND device = ?",
                                         .integer(now + offlineRest), .text(itemID), .text(device))
                    continue
                }
                if got.contains(device), messageID != nil, !ownDevices.contains(device), attempts < maximumAttempts {
                    try db.executeDirect(sql: "UPDATE outbox SET claimedBy = NULL, claimedUntil = ?, awaiting = 1 WHERE itemId = ? AND device = ?",
                                         .integer(now + receiptWait), .text(itemID), .text(device))
                } else {
                    try db.executeDirect(sql: "DELETE FROM outbox WHERE itemId = ? AND device = ?", .text(itemID), .text(device))
                }
                guard let messageID else { continue }
                let status: DeliveryStatus? = got.contains(device) ? .delivered : kept.contains(device) ? .stored : nil
                if let status {
                    try db.executeDirect(sql: "UPDATE delivery SET status = max(status, ?), at = ? WHERE messageId = ? AND device = ?",
                                         .integer(Int64(status.rawValue)), .integer(now), .text(messageID), .text(device))
                    try db.executeDirect(sql: "UPDATE message SET status = max(status, ?) WHERE id = ?", .integer(Int64(status.rawValue)), .text(messageID))
                } else {
                    try db.cachedExecute(sql: "DELETE FROM delivery WHERE messageId = ? AND device = ?", arguments: [messageID, device])
                }
            }
        }
    }

    /// Removes an item the relay refused for good (not friends, too large).
    public func dropOutbox(itemID: String) throws {
        try connection.write { db in try db.cachedExecute(sql: "DELETE FROM outbox WHERE itemId = ?", arguments: [itemID]) }
    }

    /// Gives up `owner`'s claims (a process that ends, or loses its connection).
    public func releaseClaims(owner: String) throws {
        try connection.write { db in
            try db.cachedExecute(sql: "UPDATE outbox SET claimedBy = NULL, claimedUntil = NULL WHERE claimedBy = ?", arguments: [owner])
        }
    }

    /// How many outbox items wait, per message id (for status lines), for `messageIDs`.
    public func pendingDevices(of messageID: String) throws -> [String] {
        try connection.read { db in
            try String.fetchAll(try db.cachedStatement(sql: "SELECT DISTINCT device FROM outbox WHERE messageId = ? ORDER BY device"), arguments: [messageID])
        }
    }

    /// The number of items in the outbox (without those waiting for a receipt, unless `awaiting`).
    public func outboxCount(awaiting: Bool = true) throws -> Int {
        try connection.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM outbox" + (awaiting ? "" : " WHERE NOT awaiting")) ?? 0 }
    }

    /// Whether this account sealed an inner packet with this digest (a reflected payload).
    public func sentPacket(_ digest: [UInt8]) throws -> Bool {
        try lookUp { db in try Bool.fetchOne(try db.cachedStatement(sql: "SELECT 1 FROM sentPacket WHERE digest = ?"), arguments: [Data(digest)]) ?? false }
    }

    // MARK: Text chunks

    /// The most incomplete long texts kept per author (each at most 512 × 12,000 characters).
    public static let maximumOpenChunkSets = 8

    /// Stores one chunk of a long text; when it completes the set, returns the parts in order
    /// and forgets them.
    public func addChunk(id: String, author: String, index: Int, total: Int, text: String, now: Int64) throws -> ChunkOutcome {
        let body = try sealBytes(Array(text.utf8), column: Self.chunkColumn)
        return try connection.write { db in
            let totals = try Int.fetchSet(try db.cachedStatement(sql: "SELECT DISTINCT totalChunks FROM textChunk WHERE id = ? AND author = ?"), arguments: [id, author])
            if !totals.isEmpty, totals != [total] { return .inconsistent }
            if totals.isEmpty,
               try Int.fetchOne(try db.cachedStatement(sql: "SELECT count(DISTINCT id) FROM textChunk WHERE author = ?"), arguments: [author]) ?? 0 >= Self.maximumOpenChunkSets {
                return .tooMany
            }
            try db.cachedExecute(sql: "INSERT OR IGNORE INTO textChunk (id, author, chunkIndex, totalChunks, body, at) VALUES (?, ?, ?, ?, ?, ?)",
                           arguments: [id, author, index, total, body, now])
            guard db.changesCount > 0 else { return .duplicate }
            let rows = try Row.fetchAll(try db.cachedStatement(sql: "SELECT body FROM textChunk WHERE id = ? AND author = ? ORDER BY chunkIndex"), arguments: [id, author])
            guard rows.count == total else { return .incomplete }
            try db.cachedExecute(sql: "DELETE FROM textChunk WHERE id = ? AND author = ?", arguments: [id, author])
            return .complete(try rows.map { String(decoding: try self.openBytes($0["body"], column: Self.chunkColumn), as: UTF8.self) })
        }
    }

    // MARK: Event log

    /// Appends one event line to the account's log (for `cn-recv`).
    public func logEvent(_ line: [UInt8], now: Int64) throws {
        let body = try sealBytes(line, column: Self.eventColumn)
        try connection.write { db in try Self.log(body, at: now, db) }
    }

    private static func log(_ body: Data, at: Int64, _ db: Database) throws {
        try db.executeDirect(sql: "INSERT INTO event (at, body) VALUES (?, ?)", .integer(at), .blob(body))
    }

    /// Takes the next events of the log for `cn-recv`, oldest first, and moves the cursor
    /// past them in the same transaction: each event is taken once per account, even by
    /// several `cn-recv` at once.
    public func takeEvents(limit: Int = 1_000) throws -> [[UInt8]] {
        let bodies: [Data] = try connection.write { db in
            let cursor = try Int64.fetchOne(try db.cachedStatement(sql: "SELECT value FROM setting WHERE name = 'recvCursor'")) ?? 0
            let rows = try Row.fetchAll(try db.cachedStatement(sql: "SELECT seq, body FROM event WHERE seq > ? ORDER BY seq LIMIT ?"), arguments: [cursor, limit])
            guard let last = rows.last else { return [] }
            try db.cachedExecute(sql: "INSERT OR REPLACE INTO setting (name, value) VALUES ('recvCursor', ?)", arguments: [last["seq"] as Int64])
            return rows.map { $0["body"] }
        }
        return bodies.compactMap { try? openBytes($0, column: Self.eventColumn) }
    }

    /// Forgets what is old: taken events and incomplete chunk sets older than `before`,
    /// digests of sent packets older than `digestsBefore` (milliseconds since 1970).
    public func pruneMessaging(before: Int64, digestsBefore: Int64) throws {
        try connection.write { db in
            let cursor = try Int64.fetchOne(try db.cachedStatement(sql: "SELECT value FROM setting WHERE name = 'recvCursor'")) ?? 0
            try db.cachedExecute(sql: "DELETE FROM event WHERE seq <= ? AND at < ?", arguments: [cursor, before])
            try db.cachedExecute(sql: "DELETE FROM textChunk WHERE at < ?", arguments: [before])
            try db.cachedExecute(sql: "DELETE FROM sentPacket WHERE at < ?", arguments: [digestsBefore])
        }
    }

    /// Remembers the digests of inner packets this account sealed (for the reflection check).
    public func recordSent(digests: [[UInt8]], now: Int64) throws {
        guard !digests.isEmpty else { return }
        try connection.write { db in
            for digest in digests {
                try db.cachedExecute(sql: "INSERT OR IGNORE INTO sentPacket (digest, at) VALUES (?, ?)", arguments: [Data(digest), now])
            }
        }
    }
}

extension Database {
    /// Runs `sql` through SQLite's prepared-statement cache: the messaging paths run the
    /// same few statements thousands of times a second, and preparing each anew (parsing,
    /// GRDB's authorizer) was most of their cost (Benchmarks/README.md).
    func cachedExecute(sql: String, arguments: StatementArguments = []) throws {
        try cachedStatement(sql: sql).execute(arguments: arguments)
    }
}
