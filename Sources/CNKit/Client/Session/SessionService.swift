import Foundation
import Synchronization
import Crypto
import CNProtocol
import CNCrypto
import CNStore

/// A friend request this device can act on: checked, decrypted, its sender's keys pinned.
public struct IncomingRequest: Sendable, Equatable {
    public var email: EmailAddress
    public var devices: [DevicePublicKey]
    public var profile: FriendPacket
    /// When it was made (RFC 3339, from the relay).
    public var timestamp: String?
}

/// The session service (PROTOCOL §5–6): keeps the account's view of its friends in step
/// with the relay and carries out friend operations.
///
/// Everything the relay says is checked before it is believed: every device key is
/// validated, every sid recomputed, every friend packet decrypted with the key of the
/// device it claims to come from and its e-mail compared with the relay's `senderEmail`.
/// Keys are pinned on first use; a new key of a known peer is reported (`key_change`) and,
/// for a verified peer, held back until the user accepts it.
public final class SessionService: FrameService {
    /// The account this service works for.
    public let account: Account
    /// Its database.
    public let database: AccountDatabase
    /// Where its events go.
    public let events: EventReporter
    private let incoming = Mutex<[String: IncomingRequest]>([:])
    /// Milliseconds since 1970 (a parameter so that tests can set the clock).
    let now: @Sendable () -> Int64

    public init(account: Account, database: AccountDatabase, events: EventReporter,
                now: @escaping @Sendable () -> Int64 = WallClock.milliseconds) {
        self.account = account
        self.database = database
        self.events = events
        self.now = now
    }

    /// A service whose events go to `onEvent` (and to the account's event log).
    public convenience init(account: Account, database: AccountDatabase, now: @escaping @Sendable () -> Int64 = WallClock.milliseconds,
                            onEvent: @escaping @Sendable (ClientEvent) -> Void) {
        self.init(account: account, database: database, events: EventReporter(database: database) { event, _ in onEvent(event) }, now: now)
    }

    /// The friend requests this device saw at the last sync, oldest first.
    public var pendingRequests: [IncomingRequest] {
        incoming.withLock { Array($0.values) }.sorted { ($0.timestamp ?? "", $0.email.value) < ($1.timestamp ?? "", $1.email.value) }
    }

    // MARK: Frames from the relay

    public func receive(_ frame: RelayFrame, from client: RelayClient) async {
        do {
            switch frame {
            case .sessionList(let entries): try reconcile(entries)
            case .pendingRequests(let requests): try replacePending(requests)
            case .friendRequest(let push):
                if let request = try admit(senderHash: push.senderHash, senderEmail: push.senderEmail, keys: push.publicKeys,
                                           packet: push.encryptedPacket, timestamp: nil) {
                    report(.friendRequest, request.email.value, devices: request.devices.map(\.base64), name: request.profile.name)
                }
            case .friendAccepted(let accepted): try recordAccept(accepted)
            case .friendDenied(let event): try ended(event, .friendDenied, onlyIf: [.outgoing])
            case .friendRemoved(let event): try ended(event, .friendRemoved, onlyIf: [.friend, .outgoing])
            case .userBlockedEvent(let event): try ended(event, .blocked, onlyIf: [.friend, .outgoing, .incoming])
            case .userUnblockedEvent(let event):
                let email = try peerEmail(forHash: event.senderHash, claimed: event.senderEmail)
                events.report(.friend(FriendEvent(.unblocked, email: email, emailHash: email == nil ? event.senderHash : nil, ts: now())))
            case .peerOnline(let sid, let online):
                try peerOnline(sid: sid, keys: online.peerPubKeys)
                try presence(sid: sid, device: online.devicePublicKey, online: true)
            case .peerOffline(let sid, let offline): try presence(sid: sid, device: offline.devicePublicKey, online: false)
            default: break
            }
        } catch {
            // A frame that cannot be recorded is reported, never fatal: the relay sends the
            // state again at the next AUTH.
            reject("\(frame.type.rawValue): \(error)")
        }
    }

    private func reconcile(_ entries: [SessionEntry]) throws {
        let me = account.email
        var friends: Set<String> = []
        for entry in entries {
            guard let peer = EmailAddress(entry.peerEmail), entry.sid == ConversationID.between(me, peer) else {
                reject("SESSION_LIST entry with a wrong sid for \(entry.peerEmail)")
                continue
            }
            try recordOwnDevices(entry.ownPubKeys)
            if peer == me { continue }
            friends.insert(peer.value)
            let keys = validKeys(entry.peerPubKeys, of: peer.value)
            let stamp = now()
            let before = try database.peer(peer.value)
            // A peer blocked here is never made a friend by what the relay lists.
            if before?.blocked == true { continue }
            try database.updatePeer(peer.value, sid: entry.sid, now: stamp) { record in
                if record.state != .friend { record.friendsSince = record.friendsSince ?? stamp }
                record.state = .friend
            }
            try pin(peer, sid: entry.sid, keys: keys, complete: true)
            // A friendship this device had not seen made (accepted on another own device,
            // or while the notification was lost) is reported, never taken silently.
            if before?.state != .friend {
                report(.friendAccepted, peer.value, devices: keys.map(\.base64))
            }
        }
        // Friendships the relay no longer has ended while this device was away.
        for peer in try database.peers() where peer.state == .friend && !friends.contains(peer.email) {
            try database.updatePeer(peer.email, sid: peer.sid, now: now()) { $0.state = .none }
            report(.friendRemoved, peer.email)
        }
    }

    private func replacePending(_ requests: [PendingRequest]) throws {
        var seen: Set<String> = []
        for request in requests {
            if let admitted = try admit(senderHash: request.senderHash, senderEmail: request.senderEmail, keys: request.publicKeys,
                                        packet: request.encryptedPacket, timestamp: request.timestamp) {
                seen.insert(admitted.email.value)
            }
        }
        incoming.withLock { $0 = $0.filter { seen.contains($0.key) } }
        // Requests that are gone (withdrawn, expired, answered elsewhere) are no longer pending here.
        for peer in try database.peers() where peer.state == .incoming && !seen.contains(peer.email) {
            try database.updatePeer(peer.email, sid: peer.sid, now: now()) { $0.state = .none }
        }
    }

    /// Checks and records one friend request; nil (reported) if it fails a check.
    private func admit(senderHash: String, senderEmail: String, keys: [String], packet: String, timestamp: String?) throws -> IncomingRequest? {
        guard let sender = EmailAddress(senderEmail), sender.hash == senderHash, sender != account.email else {
            reject("friend request with an inconsistent sender \(senderEmail)")
            return nil
        }
        let devices = validKeys(keys, of: sender.value)
        guard let author = devices.first else {
            reject("friend request from \(sender.value) with no valid device key")
            return nil
        }
        guard let profile = open(packet, from: author, claimedBy: sender) else { return nil }
        let sid = ConversationID.between(account.email, sender)
        if let existing = try database.peer(sender.value), existing.blocked { return nil }
        let sealedProfile = try newerProfile(profile, than: try database.peer(sender.value))
        try database.updatePeer(sender.value, sid: sid, now: now()) { record in
            if record.state != .friend { record.state = .incoming }
            if let sealedProfile { record.profile = sealedProfile }
        }
        // A request's key list is the sender's as the relay stored it: it adds keys, never retires them.
        try pin(sender, sid: sid, keys: devices, complete: false)
        let request = IncomingRequest(email: sender, devices: devices, profile: profile, timestamp: timestamp)
        incoming.withLock { $0[sender.value] = request }
        return request
    }

    private func recordAccept(_ accepted: FriendAccepted) throws {
        guard let peer = EmailAddress(accepted.senderEmail), peer.hash == accepted.senderHash,
              accepted.sid == ConversationID.between(account.email, peer) else {
            return reject("FRIEND_ACCEPTED with an inconsistent sender or sid (\(accepted.senderEmail))")
        }
        let devices = validKeys(accepted.publicKeys, of: peer.value)
        guard let author = devices.first, let profile = open(accepted.encryptedPacket, from: author, claimedBy: peer) else {
            return reject("FRIEND_ACCEPTED from \(peer.value) without a valid packet")
        }
        let stamp = now()
        let existing = try database.peer(peer.value)
        let sealedProfile = try newerProfile(profile, than: existing)
        if existing?.blocked == true { return reject("FRIEND_ACCEPTED from \(peer.value), who is blocked here, was ignored") }
        let before = existing?.state
        try database.updatePeer(peer.value, sid: accepted.sid, now: stamp) { record in
            record.state = .friend
            record.friendsSince = record.friendsSince ?? stamp
            if let sealedProfile { record.profile = sealedProfile }
        }
        // The key list is the accepter's when it accepted (the relay may deliver it late or
        // twice): it adds keys, never retires them.
        try pin(peer, sid: accepted.sid, keys: devices, complete: false)
        // The relay may deliver an accept twice (live and kept for a missed device): report once.
        if before != .friend { report(.friendAccepted, peer.value, devices: devices.map(\.base64), name: profile.name) }
    }

    /// The packet's profile sealed for the database, unless the peer's stored one has a
    /// higher version (an accept delivered late or twice must not bring back an older name).
    private func newerProfile(_ packet: FriendPacket, than record: PeerRecord?) throws -> Data? {
        if let record, let stored = database.profile(of: record), stored.nameVersion > packet.nameVersion { return nil }
        return try database.sealProfile(PeerProfile(packet))
    }

    private func ended(_ event: PeerEvent, _ kind: FriendEvent.Kind, onlyIf states: Set<FriendshipState>) throws {
        guard let email = try peerEmail(forHash: event.senderHash, claimed: event.senderEmail) else {
            events.report(.friend(FriendEvent(kind, emailHash: event.senderHash, ts: now())))
            return
        }
        if let peer = try database.peer(email), states.contains(peer.state) {
            try database.updatePeer(email, sid: peer.sid, now: now()) { $0.state = .none }
        }
        incoming.withLock { _ = $0.removeValue(forKey: email) }
        report(kind, email)
    }

    private func peerOnline(sid: String, keys: [String]) throws {
        let me = account.email
        if sid == ConversationID.between(me, me) {
            // Another own device: the self conversation's "peer" is this account.
            try recordOwnDevices(keys)
            return
        }
        guard let peer = try database.peer(sid: sid), peer.state == .friend,
              let email = EmailAddress(peer.email) else { return }
        try pin(email, sid: sid, keys: validKeys(keys, of: email.value), complete: true)
    }

    /// Records the account's other devices; a new one is reported (it stays out of safety
    /// numbers until accepted).
    private func recordOwnDevices(_ keys: [String]) throws {
        let own = validKeys(keys, of: account.email.value).filter { $0 != account.identity.publicKey }
        let added = try database.setOwnDevices(own.map(\.base64), now: now())
        if !added.isEmpty {
            events.report(.keyChange(KeyChangeEvent(email: account.email.value, devices: added, unconfirmed: added, own: true, ts: now())))
        }
    }

    // MARK: Checks

    /// The keys that are valid P-256 points; each invalid one is reported and dropped.
    /// The keys that are valid P-256 points, at most 64 (the relay lists at most 32 active
    /// devices); invalid ones are dropped and reported once per list, not once per key.
    func validKeys(_ keys: [String], of email: String) -> [DevicePublicKey] {
        var valid: [DevicePublicKey] = []
        var invalid = 0
        for raw in keys.prefix(64) {
            if let key = DevicePublicKey(base64: raw) {
                if !valid.contains(key) { valid.append(key) }
            } else {
                invalid += 1
            }
        }
        if invalid > 0 || keys.count > 64 {
            reject("\(invalid + max(0, keys.count - 64)) invalid or excess device key(s) for \(email) were ignored")
        }
        return valid
    }

    /// Opens a friend packet with the key of the device it comes from, and checks that the
    /// e-mail inside is the relay-verified sender (PROTOCOL §5.2).
    private func open(_ packet: String, from device: DevicePublicKey, claimedBy sender: EmailAddress) -> FriendPacket? {
        do {
            let profile = try FriendPacket.open(packet, with: try account.identity.pairwiseKey(with: device))
            guard EmailAddress(profile.email) == sender else {
                reject("a friend packet from \(sender.value) claims to be from \(profile.email)")
                return nil
            }
            return profile
        } catch {
            reject("a friend packet from \(sender.value) was refused: \(error)")
            return nil
        }
    }

    /// Pins keys the relay lists for `peer`; `complete` when the list is the whole current
    /// set (SESSION_LIST, PEER_ONLINE, PUBLIC_KEY), so that keys missing from it retire.
    func pin(_ peer: EmailAddress, sid: String, keys: [DevicePublicKey], complete: Bool) throws {
        guard !keys.isEmpty else { return }
        let pinning = try database.pinDevices(of: peer.value, sid: sid, keys: keys.map(\.base64), complete: complete, now: now())
        if pinning.isKeyChange {
            events.report(.keyChange(KeyChangeEvent(email: peer.value, devices: pinning.added,
                                                    unconfirmed: pinning.unconfirmed.isEmpty ? nil : pinning.unconfirmed,
                                                    retired: pinning.retired.isEmpty ? nil : pinning.retired, ts: now())))
        }
    }

    /// The e-mail of a peer known by its hash; a claimed e-mail is believed only if it hashes right.
    private func peerEmail(forHash hash: String, claimed: String?) throws -> String? {
        if let claimed, let email = EmailAddress(claimed), email.hash == hash { return email.value }
        return try database.peers().first { EmailAddress($0.email)?.hash == hash }?.email
    }

    private func report(_ kind: FriendEvent.Kind, _ email: String, devices: [String]? = nil, name: String? = nil) {
        events.report(.friend(FriendEvent(kind, email: email, devices: devices, name: name, ts: now())))
    }

    private func reject(_ reason: String) {
        events.report(.rejected(RejectedEvent(reason, ts: now())))
    }

    /// A presence event for a device of the peer of `sid` (or of this account).
    private func presence(sid: String, device: String, online: Bool) throws {
        let email: String
        if sid == ConversationID.between(account.email, account.email) {
            email = account.email.value
        } else {
            guard let peer = try database.peer(sid: sid) else { return }
            email = peer.email
        }
        events.report(.presence(PresenceEvent(sid: sid, email: email, device: device, online: online, ts: now())))
    }
}
