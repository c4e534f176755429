import Foundation
import Crypto
import GRDB
import GRDBSQLite
import CSQLiteSupport
import CNCrypto

/// The account database (`db.sqlite`, SQLite WAL through GRDB): peers, their pinned device
/// keys and this account's other devices. Later layers add messages, the outbox and files
/// with their own migrations.
///
/// Several processes of one account may open it at once (DESIGN §3): WAL lets readers run
/// beside a writer, writers wait up to 10 s for each other, and every write is an upsert
/// that gives the same result whichever process comes first.
public final class AccountDatabase: Sendable {
    /// The database connection. One per process — a command does one thing at a time — in
    /// WAL mode, so that other processes of the account read while one writes.
    let connection: DatabaseQueue
    private let fieldKey: SymmetricKey

    /// Opens (creating and migrating if needed) the database at `path`; sensitive columns are
    /// sealed under `fieldKey`.
    public init(path: String, fieldKey: SymmetricKey) throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        configuration.label = "cryptnode-account"
        configuration.journalMode = .wal
        configuration.prepareDatabase { db in
            // Every command opens and closes the database. By default the last connection
            // to close checkpoints the WAL and deletes it, and GRDB's next open writes into
            // the fresh WAL: fsyncs at both ends of even a read-only run, the largest part
            // of the start-up cost every command pays (Benchmarks/README.md). So the WAL is
            // kept and not checkpointed on close; SQLite's automatic checkpoint (every
            // 1,000 pages written) still bounds it. GRDB sets synchronous=NORMAL itself.
            var persist: Int32 = 1
            _ = sqlite3_file_control(db.sqliteConnection, "main", SQLITE_FCNTL_PERSIST_WAL, &persist)
            _ = cn_sqlite_disable_checkpoint_on_close(UnsafeMutableRawPointer(db.sqliteConnection))
            // A checkpoint shrinks the kept WAL back to 4 MiB.
            try db.execute(sql: "PRAGMA journal_size_limit = 4194304")
        }
        do {
            // Created 0600 before SQLite opens it (SQLite would use 0644 under the usual
            // umask); the -wal and -shm files take their mode from it.
            let fd = Glibc.open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
            guard fd >= 0 else { throw StoreError(.io, "cannot create the account database \(path): \(FileSystem.errnoText())") }
            Glibc.close(fd)
            connection = try DatabaseQueue(path: path, configuration: configuration)
            // Checking first keeps the usual open read-only (migrating takes the write lock).
            let migrator = Self.migrator
            if try !connection.read(migrator.hasCompletedMigrations) { try migrator.migrate(connection) }
        } catch let error as DatabaseError {
            throw StoreError(.io, "cannot open the account database \(path): \(error.message ?? error.description)")
        }
        self.fieldKey = fieldKey
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: peers and devices") { db in
            try db.create(table: "peer") { t in
                t.primaryKey("email", .text)
                t.column("sid", .text).notNull().indexed()
                t.column("state", .text).notNull()
                t.column("blocked", .boolean).notNull().defaults(to: false)
                t.column("verified", .boolean).notNull().defaults(to: false)
                t.column("profile", .blob)
                t.column("keyChanged", .boolean).notNull().defaults(to: false)
                t.column("updatedAt", .integer).notNull()
                t.column("friendsSince", .integer)
            }
            try db.create(table: "peerDevice") { t in
                t.column("email", .text).notNull().references("peer", onDelete: .cascade)
                t.column("publicKey", .text).notNull()
                t.column("trust", .text).notNull()
                t.column("firstSeen", .integer).notNull()
                t.column("lastSeen", .integer).notNull()
                t.primaryKey(["email", "publicKey"])
            }
            try db.create(table: "ownDevice") { t in
                t.primaryKey("publicKey", .text)
                t.column("firstSeen", .integer).notNull()
                t.column("lastSeen", .integer).notNull()
                t.column("active", .boolean).notNull()
            }
        }
        migrator.registerMigration("v2: own device trust, settings") { db in
            try db.alter(table: "ownDevice") { t in
                t.add(column: "trust", .text).notNull().defaults(to: DeviceTrust.trusted.rawValue)
            }
            try db.create(table: "setting") { t in
                t.primaryKey("name", .text)
                t.column("value", .any)
            }
        }
        migrator.registerMigration("v3: messages, outbox, event log") { db in
            try MessageLedgerSchema.create(db)
        }
        migrator.registerMigration("v4: outbox items wait for the peer's receipt") { db in
            try MessageLedgerSchema.addReceiptWait(db)
        }
        migrator.registerMigration("v5: outbox rows by message") { db in
            try MessageLedgerSchema.indexOutboxByMessage(db)
        }
        return migrator
    }

    // MARK: Sealed columns

    /// Seals a column value, bound to its column so it cannot be moved to another.
    public func seal(_ value: some Encodable, column: String) throws -> Data {
        Data(try Sealed.seal(try JSONEncoder().encode(value), key: fieldKey, context: "db:" + column))
    }

    /// Runs one SELECT outside a transaction of its own, for the lookups made per message:
    /// SQLite runs a single statement atomically, and GRDB's `read` wraps it in statements
    /// (query_only on, BEGIN, COMMIT, query_only off) prepared afresh each time, which cost
    /// more than the lookup itself.
    func lookUp<T>(_ body: (Database) throws -> T) throws -> T {
        try connection.inDatabase(body)
    }

    /// Seals raw bytes for a column (message text, event lines: no JSON around them).
    public func sealBytes(_ bytes: [UInt8], column: String) throws -> Data {
        Data(try Sealed.seal(bytes, key: fieldKey, context: "db:" + column))
    }

    /// Opens bytes sealed with ``sealBytes(_:column:)``.
    public func openBytes(_ sealed: Data, column: String) throws -> [UInt8] {
        Array(try Sealed.open(sealed, key: fieldKey, context: "db:" + column))
    }

    /// Opens a value sealed with ``seal(_:column:)``.
    public func open<T: Decodable>(_ type: T.Type, _ sealed: Data, column: String) throws -> T {
        try JSONDecoder().decode(T.self, from: Data(try Sealed.open(sealed, key: fieldKey, context: "db:" + column)))
    }

    /// The peer's profile, if one was received and it opens.
    public func profile(of peer: PeerRecord) -> PeerProfile? {
        peer.profile.flatMap { try? open(PeerProfile.self, $0, column: Self.profileColumn) }
    }

    /// A profile sealed for ``PeerRecord/profile``.
    public func sealProfile(_ profile: PeerProfile) throws -> Data {
        try seal(profile, column: Self.profileColumn)
    }

    private static let profileColumn = "peer.profile"

    // MARK: Reading

    public func peer(_ email: String) throws -> PeerRecord? {
        try connection.read { try PeerRecord.fetchOne($0, key: email) }
    }

    /// The peer of conversation `sid`, if this account knows one.
    public func peer(sid: String) throws -> PeerRecord? {
        try connection.read { try PeerRecord.filter(Column("sid") == sid).fetchOne($0) }
    }

    public func peers() throws -> [PeerRecord] {
        try connection.read { try PeerRecord.order(Column("email")).fetchAll($0) }
    }

    /// The peer's pinned keys, oldest first.
    public func devices(of email: String) throws -> [PeerDeviceRecord] {
        try connection.read { try PeerDeviceRecord.filter(Column("email") == email).order(Column("firstSeen"), Column("publicKey")).fetchAll($0) }
    }

    /// This account's other devices that the relay listed at the last sync (trusted or not).
    public func ownDevices() throws -> [OwnDeviceRecord] {
        try connection.read { try OwnDeviceRecord.filter(Column("active") == true).order(Column("publicKey")).fetchAll($0) }
    }
}

extension AccountDatabase {
    private static let ownProfileColumn = "setting.ownProfile"

    /// This account's profile (the name friends see), if one was set.
    public func ownProfile() throws -> PeerProfile? {
        let sealed = try connection.read { db in try Data.fetchOne(db, sql: "SELECT value FROM setting WHERE name = 'ownProfile'") }
        return try sealed.map { try open(PeerProfile.self, $0, column: Self.ownProfileColumn) }
    }

    /// Gives this account the name `name` at a version one above the current one, in one
    /// transaction (two commands setting names at once get two versions).
    public func bumpOwnProfile(name: String?) throws -> PeerProfile {
        try connection.write { db in
            let current = try Data.fetchOne(db, sql: "SELECT value FROM setting WHERE name = 'ownProfile'")
                .flatMap { try? open(PeerProfile.self, $0, column: Self.ownProfileColumn) }
            let profile = PeerProfile(name: name, nameVersion: (current?.nameVersion ?? 0) + 1, avatarVersion: current?.avatarVersion ?? 0)
            try db.execute(sql: "INSERT OR REPLACE INTO setting (name, value) VALUES ('ownProfile', ?)",
                           arguments: [try seal(profile, column: Self.ownProfileColumn)])
            return profile
        }
    }

    /// Replaces this account's profile if `profile` is newer (a higher name version); returns
    /// whether it did.
    @discardableResult
    public func setOwnProfile(_ profile: PeerProfile) throws -> Bool {
        let sealed = try seal(profile, column: Self.ownProfileColumn)
        return try connection.write { db in
            if let current = try Data.fetchOne(db, sql: "SELECT value FROM setting WHERE name = 'ownProfile'"),
               let existing = try? open(PeerProfile.self, current, column: Self.ownProfileColumn),
               existing.nameVersion >= profile.nameVersion { return false }
            try db.execute(sql: "INSERT OR REPLACE INTO setting (name, value) VALUES ('ownProfile', ?)", arguments: [sealed])
            return true
        }
    }
}
