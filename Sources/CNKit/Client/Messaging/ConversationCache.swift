import Synchronization
import CNStore

/// The peers, pinned devices and own devices the messaging paths consult for every
/// message, read from the database once and kept until a relay frame that can change them
/// (anything but MSG, DELIVERED, PING, PONG and ERROR: the session service, which runs
/// first, may have pinned or retired a key) or until ``lifetime`` passes (another process
/// of the account may have accepted a key meanwhile). A key is trusted only after the
/// database says so, so a stale entry can only lack a new key, never add one.
final class ConversationCache: Sendable {
    static let lifetime: Duration = .seconds(2)

    private struct Entries {
        var bornAt = ContinuousClock.now
        var peersByEmail: [String: PeerRecord?] = [:]
        var peersBySid: [String: PeerRecord?] = [:]
        var devices: [String: [PeerDeviceRecord]] = [:]
        var own: [OwnDeviceRecord]?
    }
    private let entries = Mutex(Entries())
    private let database: AccountDatabase

    init(database: AccountDatabase) { self.database = database }

    /// Forgets everything (a frame that may have changed trust arrived).
    func invalidate() { entries.withLock { $0 = Entries() } }

    private func cached<T>(_ read: (inout Entries) -> T?, _ load: () throws -> T, _ store: (inout Entries, T) -> Void) throws -> T {
        let hit = entries.withLock { entries -> T? in
            if ContinuousClock.now - entries.bornAt > Self.lifetime { entries = Entries() }
            return read(&entries)
        }
        if let hit { return hit }
        let value = try load()
        entries.withLock { store(&$0, value) }
        return value
    }

    func peer(email: String) throws -> PeerRecord? {
        try cached({ $0.peersByEmail[email] }, { try database.peer(email) }, { $0.peersByEmail[email] = $1 })
    }

    func peer(sid: String) throws -> PeerRecord? {
        try cached({ $0.peersBySid[sid] }, { try database.peer(sid: sid) }, { $0.peersBySid[sid] = $1 })
    }

    /// The peer's pinned devices (every trust level).
    func devices(of email: String) throws -> [PeerDeviceRecord] {
        try cached({ $0.devices[email] }, { try database.devices(of: email) }, { $0.devices[email] = $1 })
    }

    /// This account's other devices listed at the last sync.
    func ownDevices() throws -> [OwnDeviceRecord] {
        try cached({ $0.own }, { try database.ownDevices() }, { $0.own = $1 })
    }
}
