import Foundation
import GRDB

/// What pinning a peer's listed device keys changed.
public struct KeyPinning: Sendable, Equatable {
    /// Keys seen for the first time.
    public var added: [String] = []
    /// Of ``added``: keys held back because the peer is verified.
    public var unconfirmed: [String] = []
    /// Keys no longer listed, now retired.
    public var retired: [String] = []
    /// The peer had no pinned key before: trust on first use, nothing to report.
    public var firstContact = false

    /// A change the user must be told about: a known peer has a new key.
    public var isKeyChange: Bool { !firstContact && !added.isEmpty }
}

extension AccountDatabase {
    /// Creates or changes a peer in one transaction. A new peer starts with no relationship.
    @discardableResult
    public func updatePeer(_ email: String, sid: String, now: Int64, _ change: @Sendable (inout PeerRecord) -> Void) throws -> PeerRecord {
        // The usual sync changes nothing: find that out with a read, without the write lock.
        if let current = try peer(email) {
            var changed = current
            change(&changed)
            if changed == current { return current }
        }
        return try connection.write { db in
            var peer = try PeerRecord.fetchOne(db, key: email) ?? PeerRecord(email: email, sid: sid, updatedAt: now)
            let before = peer
            change(&peer)
            let exists = try peer.exists(db)
            if peer != before || !exists {
                peer.updatedAt = now
                try peer.save(db)
            }
            return peer
        }
    }

    /// Pins the device keys the relay lists for a peer (TOFU, PROTOCOL §6.4).
    ///
    /// A key seen for the first time is trusted — unless the peer is verified, when it is
    /// held as `unconfirmed` until the user accepts it. With `complete`, `keys` is the whole
    /// active set (SESSION_LIST, PUBLIC_KEY) and keys missing from it retire.
    public func pinDevices(of email: String, sid: String, keys: [String], complete: Bool, now: Int64) throws -> KeyPinning {
        try connection.write { db in
            var peer = try PeerRecord.fetchOne(db, key: email) ?? PeerRecord(email: email, sid: sid, updatedAt: now)
            if try !peer.exists(db) { try peer.insert(db) }
            let existing = try PeerDeviceRecord.filter(Column("email") == email).fetchAll(db)
            var result = KeyPinning()
            result.firstContact = !existing.contains { $0.trust != .retired }
            let listed = Set(keys)
            for key in keys {
                if var device = existing.first(where: { $0.publicKey == key }) {
                    // lastSeen is kept to the hour: a sync that changes nothing writes nothing.
                    let stale = now - device.lastSeen > 3_600_000
                    guard stale || device.trust == .retired else { continue }
                    device.lastSeen = now
                    if device.trust == .retired {
                        device.trust = peer.verified ? .unconfirmed : .trusted
                        result.added.append(key)
                        if peer.verified { result.unconfirmed.append(key) }
                    }
                    try device.update(db)
                } else {
                    let trust: DeviceTrust = peer.verified && !result.firstContact ? .unconfirmed : .trusted
                    try PeerDeviceRecord(email: email, publicKey: key, trust: trust, firstSeen: now, lastSeen: now).insert(db)
                    result.added.append(key)
                    if trust == .unconfirmed { result.unconfirmed.append(key) }
                }
            }
            if complete {
                for var device in existing where device.trust != .retired && !listed.contains(device.publicKey) {
                    device.trust = .retired
                    try device.update(db)
                    result.retired.append(device.publicKey)
                }
            }
            if result.isKeyChange {
                peer.keyChanged = true
                peer.updatedAt = now
                try peer.update(db)
            }
            return result
        }
    }

    /// Accepts a peer's unconfirmed keys and clears the key-change flag; with `verified`,
    /// also sets the verified mark. `expected` is the set of the peer's keys the user
    /// judged (the keys of the safety number just compared): if the pinned keys are no
    /// longer exactly those — the relay added one meanwhile — nothing changes and the
    /// result is false, so that a key the number did not cover is never accepted.
    @discardableResult
    public func acceptDevices(of email: String, expected: Set<String>? = nil, expectedOwn: Set<String>? = nil,
                              verified: Bool? = nil, now: Int64) throws -> Bool {
        try connection.write { db in
            guard var peer = try PeerRecord.fetchOne(db, key: email) else { return false }
            let pinned = try PeerDeviceRecord.filter(Column("email") == email).fetchAll(db).filter { $0.trust != .retired }
            if let expected, Set(pinned.map(\.publicKey)) != expected { return false }
            if let expectedOwn, Set(try OwnDeviceRecord.filter(Column("active") == true && Column("trust") == DeviceTrust.trusted.rawValue)
                .fetchAll(db).map(\.publicKey)) != expectedOwn { return false }
            try db.execute(sql: "UPDATE peerDevice SET trust = 'trusted' WHERE email = ? AND trust = 'unconfirmed'", arguments: [email])
            peer.keyChanged = false
            if let verified { peer.verified = verified }
            peer.updatedAt = now
            try peer.update(db)
            return true
        }
    }

    /// Records this account's other devices as the relay lists them (`ownPubKeys`) and
    /// returns the keys seen for the first time.
    ///
    /// The devices listed at the first sync existed before this one and are trusted (TOFU);
    /// a device that appears later is `unconfirmed` — reported, left out of safety numbers —
    /// until the user accepts it (`cn-account devices --accept`): the relay must not be
    /// able to add a device to this account unnoticed.
    @discardableResult
    public func setOwnDevices(_ keys: [String], now: Int64) throws -> [String] {
        let listed = Set(keys)
        let (current, synced) = try connection.read { db in
            (try OwnDeviceRecord.fetchAll(db), try Bool.fetchOne(db, sql: "SELECT value FROM setting WHERE name = 'ownDevicesSynced'") ?? false)
        }
        let unchanged = synced && Set(current.filter(\.active).map(\.publicKey)) == listed
            && current.allSatisfy { !$0.active || now - $0.lastSeen <= 3_600_000 }
        guard !unchanged else { return [] }  // the usual sync: nothing to write
        return try connection.write { db in
            try db.execute(sql: "UPDATE ownDevice SET active = 0")
            var added: [String] = []
            for key in keys {
                if var device = try OwnDeviceRecord.fetchOne(db, key: key) {
                    device.lastSeen = now
                    device.active = true
                    try device.update(db)
                } else {
                    try OwnDeviceRecord(publicKey: key, firstSeen: now, lastSeen: now, active: true,
                                        trust: synced ? .unconfirmed : .trusted).insert(db)
                    if synced { added.append(key) }
                }
            }
            try db.execute(sql: "INSERT OR REPLACE INTO setting (name, value) VALUES ('ownDevicesSynced', 1)")
            return added
        }
    }

    /// Accepts new devices of this account (all unconfirmed ones when `keys` is nil);
    /// returns the keys accepted.
    public func acceptOwnDevices(_ keys: Set<String>?) throws -> [String] {
        try connection.write { db in
            var accepted: [String] = []
            for var device in try OwnDeviceRecord.filter(Column("trust") == DeviceTrust.unconfirmed.rawValue).fetchAll(db)
            where keys?.contains(device.publicKey) ?? true {
                device.trust = .trusted
                try device.update(db)
                accepted.append(device.publicKey)
            }
            return accepted
        }
    }
}
