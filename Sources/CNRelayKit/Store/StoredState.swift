import Foundation
import GRDB
import CNProtocol

/// A notification kept for an account with no online device (PROTOCOL §5.7).
struct OfflineNotification: Codable, Sendable, Equatable {
    enum Kind: String, Codable, Sendable {
        case friendAccepted, friendDenied, friendRemoved, userBlocked, userUnblocked
    }

    var id: String
    var kind: Kind
    var senderHash: String
    var senderEmail: String?
    var sid: String?
    /// For friendAccepted: the accepter's device keys and the packets per requester device.
    var publicKeys: [String]?
    var packets: FriendPackets?
    var created: Int64

    /// The frame for one device of the recipient; nil if it holds nothing for that device.
    func frame(for deviceKey: String) -> RelayFrame? {
        let event = PeerEvent(senderHash: senderHash, senderEmail: senderEmail, sid: sid)
        switch kind {
        case .friendAccepted:
            guard let packet = packets?.packet(for: deviceKey), let sid, let senderEmail else { return nil }
            return .friendAccepted(FriendAccepted(senderHash: senderHash, senderEmail: senderEmail, sid: sid,
                                                  publicKeys: publicKeys ?? [], encryptedPacket: packet))
        case .friendDenied: return .friendDenied(event)
        case .friendRemoved: return .friendRemoved(event)
        case .userBlocked: return .userBlockedEvent(PeerEvent(senderHash: senderHash))
        case .userUnblocked: return .userUnblockedEvent(PeerEvent(senderHash: senderHash))
        }
    }
}

/// A friend request waiting for its target.
struct StoredRequest: Sendable {
    var senderHash: String
    var targetHash: String
    var senderEmail: String
    /// The device that sent (and sealed) the request; listed first in `publicKeys`.
    var senderDevice: String
    var packets: FriendPackets
    var created: Int64
}

/// One mailbox item: exactly the relayed frame's fields, nothing more.
struct MailboxItem: Sendable {
    var seq: Int64
    var messageID: String
    var sid: String
    var senderHash: String
    var senderKey: String
    var priority: Int?
    var payload: [UInt8]
    var receivedAt: Int64
}

/// Everything the relay loads into memory at start.
struct StoredState: Sendable {
    var accounts: [String: String] = [:]  // hash → email
    var devices: [(account: String, key: String, firstSeen: Int64, lastActive: Int64)] = []
    var friendships: [(sid: String, a: String, b: String)] = []
    var requests: [StoredRequest] = []
    var blocks: [(blocker: String, blocked: String)] = []
    var notifications: [(account: String, notification: OfflineNotification)] = []
    var mailboxUsage: [MailboxSlot: MailboxUsage] = [:]
}

/// A mailbox belongs to one device of one account.
struct MailboxSlot: Hashable, Sendable {
    var account: String
    var device: String
}

/// How much a device's mailbox holds.
struct MailboxUsage: Sendable, Equatable {
    var items = 0
    var bytes = 0
}

extension RelayStore {
    /// Loads the working state, dropping what has expired.
    func load(now: Int64, pendingRetention: Int64, mailboxTTL: Int64) throws -> StoredState {
        try pool.write { db in
            try Self.sweep(db, now: now, pendingRetention: pendingRetention, mailboxTTL: mailboxTTL, logRetention: nil)
            var s = StoredState()
            for row in try Row.fetchAll(db, sql: "SELECT hash, email FROM account") {
                s.accounts[row["hash"]] = row["email"]
            }
            s.devices = try Row.fetchAll(db, sql: "SELECT accountHash, publicKey, firstSeen, lastActive FROM device").map {
                ($0["accountHash"], $0["publicKey"], $0["firstSeen"], $0["lastActive"])
            }
            s.friendships = try Row.fetchAll(db, sql: "SELECT sid, aHash, bHash FROM friendship").map { ($0["sid"], $0["aHash"], $0["bHash"]) }
            let decoder = JSONDecoder()
            for row in try Row.fetchAll(db, sql: "SELECT * FROM pendingRequest") {
                let packets = try decoder.decode(FriendPackets.self, from: row["packets"] as Data)
                s.requests.append(StoredRequest(senderHash: row["senderHash"], targetHash: row["targetHash"], senderEmail: row["senderEmail"],
                                                senderDevice: row["senderDevice"], packets: packets, created: row["created"]))
            }
            s.blocks = try Row.fetchAll(db, sql: "SELECT blockerHash, blockedHash FROM block").map { ($0["blockerHash"], $0["blockedHash"]) }
            for row in try Row.fetchAll(db, sql: "SELECT accountHash, body FROM notification ORDER BY created") {
                s.notifications.append((row["accountHash"], try decoder.decode(OfflineNotification.self, from: row["body"] as Data)))
            }
            s.mailboxUsage = try Self.mailboxUsage(db)
            return s
        }
    }

    static func mailboxUsage(_ db: Database) throws -> [MailboxSlot: MailboxUsage] {
        try mailboxUsage(db, where: "1", [])
    }

    /// Deletes expired rows. `now` and retentions in seconds.
    static func sweep(_ db: Database, now: Int64, pendingRetention: Int64, mailboxTTL: Int64, logRetention: Int64?) throws {
        try db.execute(sql: "DELETE FROM pendingRequest WHERE created < ?", arguments: [now - pendingRetention])
        try db.execute(sql: "DELETE FROM notification WHERE created < ?", arguments: [now - pendingRetention])
        try db.execute(sql: "DELETE FROM mailbox WHERE receivedAt < ?", arguments: [(now - mailboxTTL) * 1000])
        if let logRetention {
            try db.execute(sql: "DELETE FROM connectionLog WHERE at < ?", arguments: [now - logRetention])
        }
    }

    // MARK: Write-through operations (each queued, never awaited on the event loop)

    /// One transaction per AUTH: the account (if new), the device, the log row. (Three
    /// transactions were 43% of the relay's CPU per connection set-up.)
    func recordAuthentication(account: String, newEmail: String?, device: String, firstSeen: Int64, at now: Int64,
                              log: (account: String, ip: String, device: String)) {
        enqueue("auth") { db in
            if let newEmail {
                try db.execute(sql: "INSERT OR IGNORE INTO account (hash, email) VALUES (?, ?)", arguments: [account, newEmail])
            }
            try Self.upsertDevice(db, account: account, key: device, firstSeen: firstSeen, lastActive: now)
            try Self.insertLog(db, at: now, event: "auth", account: log.account, ip: log.ip, device: log.device)
        }
    }

    /// A device's last socket closed: its last-active time and the log row, in one transaction.
    func recordDisconnect(account: String, device: String, firstSeen: Int64, at now: Int64, log: (account: String, ip: String, device: String)) {
        enqueue("close") { db in
            try Self.upsertDevice(db, account: account, key: device, firstSeen: firstSeen, lastActive: now)
            try Self.insertLog(db, at: now, event: "close", account: log.account, ip: log.ip, device: log.device)
        }
    }

    static func upsertDevice(_ db: Database, account: String, key: String, firstSeen: Int64, lastActive: Int64) throws {
        try db.execute(sql: """
            INSERT INTO device (accountHash, publicKey, firstSeen, lastActive) VALUES (?, ?, ?, ?)
            ON CONFLICT(accountHash, publicKey) DO UPDATE SET lastActive = excluded.lastActive
            """, arguments: [account, key, firstSeen, lastActive])
    }

    func saveFriendship(sid: String, a: String, b: String, now: Int64) {
        enqueue("friendship") { db in
            try db.execute(sql: "INSERT OR REPLACE INTO friendship (sid, aHash, bHash, created) VALUES (?, ?, ?, ?)", arguments: [sid, a, b, now])
        }
    }

    func deleteFriendship(sid: String) {
        enqueue("unfriend") { db in try db.execute(sql: "DELETE FROM friendship WHERE sid = ?", arguments: [sid]) }
    }

    func saveRequest(_ r: StoredRequest) {
        let packets = (try? JSONEncoder().encode(r.packets)) ?? Data()
        enqueue("request") { db in
            try db.execute(sql: """
                INSERT OR REPLACE INTO pendingRequest (senderHash, targetHash, senderEmail, senderDevice, packets, created)
                VALUES (?, ?, ?, ?, ?, ?)
                """, arguments: [r.senderHash, r.targetHash, r.senderEmail, r.senderDevice, packets, r.created])
        }
    }

    func deleteRequest(sender: String, target: String) {
        enqueue("request delete") { db in
            try db.execute(sql: "DELETE FROM pendingRequest WHERE senderHash = ? AND targetHash = ?", arguments: [sender, target])
        }
    }

    func saveBlock(blocker: String, blocked: String, now: Int64) {
        enqueue("block") { db in
            try db.execute(sql: "INSERT OR IGNORE INTO block (blockerHash, blockedHash, created) VALUES (?, ?, ?)", arguments: [blocker, blocked, now])
        }
    }

    func deleteBlock(blocker: String, blocked: String) {
        enqueue("unblock") { db in
            try db.execute(sql: "DELETE FROM block WHERE blockerHash = ? AND blockedHash = ?", arguments: [blocker, blocked])
        }
    }

    func saveNotification(account: String, _ n: OfflineNotification) {
        let body = (try? JSONEncoder().encode(n)) ?? Data()
        enqueue("notification") { db in
            try db.execute(sql: "INSERT OR REPLACE INTO notification (id, accountHash, body, created) VALUES (?, ?, ?, ?)",
                           arguments: [n.id, account, body, n.created])
        }
    }

    func deleteNotifications(ids: [String]) {
        enqueue("notification delete") { db in
            for id in ids { try db.execute(sql: "DELETE FROM notification WHERE id = ?", arguments: [id]) }
        }
    }

    func logConnection(at: Int64, event: String, account: String?, ip: String?, device: String?) {
        enqueue("connection log") { db in try Self.insertLog(db, at: at, event: event, account: account, ip: ip, device: device) }
    }

    static func insertLog(_ db: Database, at: Int64, event: String, account: String?, ip: String?, device: String?) throws {
        try db.execute(sql: "INSERT INTO connectionLog (at, event, account, ip, device) VALUES (?, ?, ?, ?, ?)",
                       arguments: [at, event, account, ip, device])
    }

    // MARK: Mailbox

    /// Stores an item; `onDuplicate` runs (off the loop) when the device already holds
    /// an item with that id, so the caller can take back what it counted.
    /// Queues a mailbox item; `committed` is told whether the write committed.
    func storeMailboxItem(slot: MailboxSlot, item: MailboxItem, onDuplicate: @escaping @Sendable () -> Void,
                          committed: @escaping @Sendable (Bool) -> Void) {
        enqueue("mailbox", completion: committed) { db in
            try db.execute(sql: """
                INSERT OR IGNORE INTO mailbox (accountHash, deviceKey, messageID, sid, senderHash, senderKey, priority, payload, receivedAt)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [slot.account, slot.device, item.messageID, item.sid, item.senderHash, item.senderKey,
                                 item.priority, Data(item.payload), item.receivedAt])
            if db.changesCount == 0 { onDuplicate() }
        }
    }

    /// What rows matching `condition` hold, per mailbox.
    static func mailboxUsage(_ db: Database, where condition: String, _ arguments: StatementArguments) throws -> [MailboxSlot: MailboxUsage] {
        var usage: [MailboxSlot: MailboxUsage] = [:]
        let sql = "SELECT accountHash, deviceKey, COUNT(*) AS n, SUM(LENGTH(payload)) AS bytes FROM mailbox WHERE \(condition) GROUP BY accountHash, deviceKey"
        for row in try Row.fetchAll(db, sql: sql, arguments: arguments) {
            usage[MailboxSlot(account: row["accountHash"], device: row["deviceKey"])] = MailboxUsage(items: row["n"], bytes: row["bytes"])
        }
        return usage
    }

    /// Deletes what a sender left in an account's mailboxes (after a block); returns what was freed.
    func purgeMailbox(account: String, sender: String) async throws -> [MailboxSlot: MailboxUsage] {
        try await serialized { db in
            let freed = try Self.mailboxUsage(db, where: "accountHash = ? AND senderHash = ?", [account, sender])
            try db.execute(sql: "DELETE FROM mailbox WHERE accountHash = ? AND senderHash = ?", arguments: [account, sender])
            return freed
        }
    }

    /// The next page of a device's mailbox after `seq`, oldest first, within the limits;
    /// expired items are left for the sweep and not returned.
    func mailboxPage(slot: MailboxSlot, after seq: Int64, notBefore: Int64, maxItems: Int, maxBytes: Int) async throws -> [MailboxItem] {
        try await serialized { db in
            let rows = try Row.fetchCursor(db, sql: """
                SELECT seq, messageID, sid, senderHash, senderKey, priority, payload, receivedAt FROM mailbox
                WHERE accountHash = ? AND deviceKey = ? AND seq > ? AND receivedAt >= ? ORDER BY seq LIMIT ?
                """, arguments: [slot.account, slot.device, seq, notBefore, maxItems])
            var items: [MailboxItem] = []
            var bytes = 0
            while let row = try rows.next() {
                let payload = [UInt8](row["payload"] as Data)
                if !items.isEmpty && bytes + payload.count > maxBytes { break }
                bytes += payload.count
                items.append(MailboxItem(seq: row["seq"], messageID: row["messageID"], sid: row["sid"], senderHash: row["senderHash"],
                                         senderKey: row["senderKey"], priority: row["priority"], payload: payload, receivedAt: row["receivedAt"]))
            }
            return items
        }
    }

    /// Deletes items of a device by message id; returns what was freed.
    func deleteMailboxItems(slot: MailboxSlot, messageIDs: [String]) async throws -> MailboxUsage {
        try await serialized { db in
            var freed = MailboxUsage()
            for id in messageIDs {
                let args: StatementArguments = [slot.account, slot.device, id]
                if let size = try Int.fetchOne(db, sql: "SELECT LENGTH(payload) FROM mailbox WHERE accountHash = ? AND deviceKey = ? AND messageID = ?", arguments: args) {
                    try db.execute(sql: "DELETE FROM mailbox WHERE accountHash = ? AND deviceKey = ? AND messageID = ?", arguments: args)
                    freed.items += 1
                    freed.bytes += size
                }
            }
            return freed
        }
    }

    /// Sweeps expired rows; returns what the expired mailbox items held, per mailbox (the
    /// caller subtracts it: items stored meanwhile must not be forgotten).
    func sweep(now: Int64, pendingRetention: Int64, mailboxTTL: Int64, logRetention: Int64) async throws -> [MailboxSlot: MailboxUsage] {
        try await serialized { db in
            let expired = try Self.mailboxUsage(db, where: "receivedAt < ?", [(now - mailboxTTL) * 1000])
            try Self.sweep(db, now: now, pendingRetention: pendingRetention, mailboxTTL: mailboxTTL, logRetention: logRetention)
            return expired
        }
    }
}
