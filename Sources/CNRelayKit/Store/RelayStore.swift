import Foundation
import GRDB
import Logging

/// The relay's durable state on SQLite (WAL): only what delivery needs (DESIGN §5).
///
/// The relay keeps its working state in memory on its event loop and writes through to
/// this store on GRDB's serial writer queue, so nothing here ever runs on the event loop.
/// The writer queue is FIFO: a read scheduled with ``read(_:)`` after a write sees it.
final class RelayStore: Sendable {
    let pool: DatabasePool
    private let logger: Logger

    /// Opens (creating and migrating) the store at `path`.
    init(path: String, logger: Logger) throws {
        var config = Configuration()
        config.busyMode = .timeout(5)
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
        }
        // Create the file 0600 first: SQLite gives the WAL and shm files the same mode.
        let fd = open(path, O_RDWR | O_CREAT, 0o600)
        if fd >= 0 { close(fd) }
        pool = try DatabasePool(path: path, configuration: config)
        self.logger = logger
        try Self.migrator.migrate(pool)
    }

    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1") { db in
            try db.create(table: "account") { t in
                t.primaryKey("hash", .text)
                t.column("email", .text).notNull()
            }
            try db.create(table: "device") { t in
                t.column("accountHash", .text).notNull()
                t.column("publicKey", .text).notNull()
                t.column("firstSeen", .integer).notNull()
                t.column("lastActive", .integer).notNull()
                t.primaryKey(["accountHash", "publicKey"])
            }
            try db.create(table: "friendship") { t in
                t.primaryKey("sid", .text)
                t.column("aHash", .text).notNull()
                t.column("bHash", .text).notNull()
                t.column("created", .integer).notNull()
            }
            try db.create(table: "pendingRequest") { t in
                t.column("senderHash", .text).notNull()
                t.column("targetHash", .text).notNull()
                t.column("senderEmail", .text).notNull()
                t.column("senderDevice", .text).notNull()
                t.column("packets", .blob).notNull()  // JSON of FriendPackets
                t.column("created", .integer).notNull().indexed()
                t.primaryKey(["senderHash", "targetHash"])
            }
            try db.create(table: "block") { t in
                t.column("blockerHash", .text).notNull()
                t.column("blockedHash", .text).notNull()
                t.column("created", .integer).notNull()
                t.primaryKey(["blockerHash", "blockedHash"])
            }
            try db.create(table: "notification") { t in
                t.primaryKey("id", .text)
                t.column("accountHash", .text).notNull().indexed()
                t.column("body", .blob).notNull()  // JSON of OfflineNotification
                t.column("created", .integer).notNull().indexed()
            }
            try db.create(table: "mailbox") { t in
                t.autoIncrementedPrimaryKey("seq")
                t.column("accountHash", .text).notNull()
                t.column("deviceKey", .text).notNull()
                t.column("messageID", .text).notNull()
                t.column("sid", .text).notNull()
                t.column("senderHash", .text).notNull()
                t.column("senderKey", .text).notNull()
                t.column("priority", .integer)
                t.column("payload", .blob).notNull()  // the JSON string token, verbatim
                t.column("receivedAt", .integer).notNull().indexed()  // ms
                t.uniqueKey(["accountHash", "deviceKey", "messageID"])
            }
            try db.create(table: "connectionLog") { t in
                t.column("at", .integer).notNull().indexed()
                t.column("event", .text).notNull()
                t.column("account", .text)  // keyed tag of the e-mail hash
                t.column("ip", .text)  // keyed tag of the address
                t.column("device", .text)  // keyed tag of the device key
            }
        }
        return m
    }

    // MARK: Scheduling

    /// Queues a write; it runs after every write queued before it. Failures are logged:
    /// the in-memory state stays authoritative until the next restart.
    func enqueue(_ what: String, completion: (@Sendable (Bool) -> Void)? = nil, _ updates: @escaping @Sendable (Database) throws -> Void) {
        let logger = self.logger
        pool.asyncWrite(updates) { _, result in
            if case .failure(let error) = result {
                logger.error("store write failed", metadata: ["op": "\(what)", "error": "\(error)"])
            }
            completion?(result.isSuccess)
        }
    }

    /// Runs `body` on the writer queue (so it sees every write queued before it) and
    /// returns its result.
    func serialized<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await pool.write(body)
    }

    /// Waits until every queued write has finished.
    func drain() async {
        _ = try? await pool.write { _ in }
    }
}

extension Result {
    var isSuccess: Bool {
        if case .success = self { return true }
        return false
    }
}
