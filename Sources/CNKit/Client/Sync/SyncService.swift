import Foundation
import Synchronization
import CNProtocol
import CNCrypto
import CNStore

/// A service that handles inner packets the messaging service opened and checked but does
/// not own (profiles and own-device sync here; files and calls later).
public protocol PacketService: Sendable {
    /// Handles `packet` if its type is this service's; returns whether it was.
    func handle(_ packet: InnerPacket, origin: PacketOrigin, peer: String, via sender: any PacketSender) async throws -> Bool
    /// A device of conversation `sid` came online (PEER_ONLINE), after its outbox items went.
    func deviceOnline(sid: String, device: String, via sender: any PacketSender) async
}

extension PacketService {
    public func deviceOnline(sid: String, device: String, via sender: any PacketSender) async {}
}

/// Sends inner packets sealed to chosen devices (the messaging service does the sealing).
public protocol PacketSender: Sendable {
    /// Seals `packet` for each of `devices` and sends it in conversation `sid`: through the
    /// outbox when `keep` (it reaches offline devices later), else once, best effort.
    func send(_ packet: InnerPacket, sid: String, to devices: [String], keep: Bool) async throws
}

/// Profiles (PROFILE_VERSION, GET_PROFILE, PROFILE_DATA) and own-device sync (MANIFEST):
/// a peer's profile only ever moves to a higher version; a MANIFEST from another device of
/// this account merges blocks, sent requests, the profile and recent messages, each item
/// last-write-wins.
public final class SyncService: PacketService {
    public let account: Account
    public let database: AccountDatabase
    let events: EventReporter
    let now: @Sendable () -> Int64
    /// Whether this process answers own-device sync (the account's agent, `cn-recv --follow`).
    let answersSync: Bool
    /// How many recent messages a MANIFEST carries at most, and how many bytes of text: it
    /// must fit one MSG (409,600 characters of payload) after gzip and sealing.
    static let manifestMessages = 200
    static let manifestTextBytes = 256 * 1024
    /// Own devices this process sent a MANIFEST to (once per device per run: a relay that
    /// repeats PEER_ONLINE does not make it send one again).
    private let served = Mutex<Set<String>>([])

    public init(account: Account, database: AccountDatabase, events: EventReporter, answersSync: Bool,
                now: @escaping @Sendable () -> Int64 = WallClock.milliseconds) {
        self.account = account
        self.database = database
        self.events = events
        self.answersSync = answersSync
        self.now = now
    }

    // MARK: Devices coming online

    public func deviceOnline(sid: String, device: String, via sender: any PacketSender) async {
        let me = account.email
        if sid == ConversationID.between(me, me) {
            // Another device of this account came online: the agent tells it what this one knows.
            guard answersSync, let own = try? database.ownDevices().first(where: { $0.publicKey == device }), own.trust == .trusted,
                  served.withLock({ $0.insert(device).inserted }) else { return }
            do { try await sender.send(.manifest(try manifest()), sid: sid, to: [own.publicKey], keep: false) } catch {
                report("a MANIFEST could not be sent: \(error)")
            }
        } else if answersSync, let profile = try? database.ownProfile(), profile.nameVersion > 0,
                  let peer = try? database.peer(sid: sid), peer.state == .friend,
                  (try? database.devices(of: peer.email))?.contains(where: { $0.publicKey == device && $0.trust == .trusted }) == true {
            // A friend's device came online: it learns this account's profile version.
            try? await sender.send(.profileVersion(ProfileVersionPacket(nameVersion: profile.nameVersion, avatarVersion: profile.avatarVersion,
                                                                        timestamp: now())),
                                   sid: sid, to: [device], keep: false)
        }
    }

    // MARK: Packets

    public func handle(_ packet: InnerPacket, origin: PacketOrigin, peer: String, via sender: any PacketSender) async throws -> Bool {
        let fromMe = origin.from == account.email.value
        switch packet {
        case .profileVersion(let p):
            guard !fromMe else { return true }
            let known = try peerProfile(origin.from)?.nameVersion ?? -1
            if p.nameVersion > known {
                try await sender.send(.getProfile(GetProfilePacket(timestamp: now())), sid: origin.sid, to: [origin.fromDevice], keep: false)
            }
        case .getProfile:
            let profile = try database.ownProfile() ?? PeerProfile(name: nil, nameVersion: 0, avatarVersion: 0)
            try await sender.send(.profileData(ProfileDataPacket(name: profile.name, nameVersion: profile.nameVersion,
                                                                 avatarVersion: profile.avatarVersion, timestamp: now())),
                                  sid: origin.sid, to: [origin.fromDevice], keep: false)
        case .profileData(let p):
            let profile = PeerProfile(name: p.name, nameVersion: p.nameVersion, avatarVersion: p.avatarVersion)
            if fromMe {
                if try database.setOwnProfile(profile) { reportProfile(account.email.value, profile) }
            } else {
                let known = try peerProfile(origin.from)
                guard p.nameVersion > (known?.nameVersion ?? -1) else {
                    if let known, p.nameVersion < known.nameVersion {
                        report("PROFILE_DATA of \(origin.from) with version \(p.nameVersion), below the known \(known.nameVersion): ignored",
                               origin: origin)
                    }
                    return true
                }
                let sealed = try database.sealProfile(profile)
                try database.updatePeer(origin.from, sid: origin.sid, now: now()) { $0.profile = sealed }
                reportProfile(origin.from, profile)
            }
        case .manifest(let p):
            guard fromMe else {
                report("a MANIFEST from \(origin.from), who is not this account", origin: origin)
                return true
            }
            try merge(p, from: origin)
        default:
            return false
        }
        return true
    }

    private func peerProfile(_ email: String) throws -> PeerProfile? {
        try database.peer(email).flatMap { database.profile(of: $0) }
    }

    // MARK: Own profile

    /// Sets this account's name (a version above every earlier one) and tells every friend
    /// (each trusted device, through the outbox) and this account's other devices.
    public func setName(_ name: String?, via sender: any PacketSender) async throws -> PeerProfile {
        let profile = try database.bumpOwnProfile(name: name)
        let packet = InnerPacket.profileData(ProfileDataPacket(name: profile.name, nameVersion: profile.nameVersion,
                                                               avatarVersion: profile.avatarVersion, timestamp: now()))
        let me = account.email
        let own = try database.ownDevices().filter { $0.trust == .trusted }.map(\.publicKey)
        try await sender.send(packet, sid: ConversationID.between(me, me), to: own, keep: true)
        for peer in try database.peers() where peer.state == .friend && !peer.blocked {
            let devices = try database.devices(of: peer.email).filter { $0.trust == .trusted }.map(\.publicKey)
            try await sender.send(packet, sid: peer.sid, to: devices, keep: true)
        }
        return profile
    }

    // MARK: Own-device sync

    /// What this device tells another device of the account.
    func manifest() throws -> ManifestPacket {
        let peers = try database.peers()
        let blocks = peers.filter(\.blocked).map { ManifestPacket.Block(email: $0.email, blocked: true, ts: $0.updatedAt) }
        let requests = peers.filter { $0.state == .outgoing }.map { ManifestPacket.Request(email: $0.email, ts: $0.updatedAt) }
        let profile = try database.ownProfile().map { ManifestPacket.Profile(name: $0.name, nameVersion: $0.nameVersion, ts: now()) }
        // The newest messages first, as many as fit the text budget, then in order.
        var messages: [ManifestPacket.Message] = []
        var budget = Self.manifestTextBytes
        for m in try database.messages(limit: Self.manifestMessages).reversed() {
            let size = m.text.utf8.count
            guard size <= budget else { break }
            budget -= size
            messages.append(ManifestPacket.Message(id: m.id, peer: m.peer, author: m.author, authorDevice: m.authorDevice, text: m.text,
                                                   replyTo: m.replyTo, sentAt: m.sentAt, editedAt: m.editedAt, deletedAt: m.deletedAt))
        }
        messages.reverse()
        return ManifestPacket(sections: .init(blocks: blocks, requests: requests, aliases: [], profile: profile, messages: messages),
                              timestamp: now())
    }

    /// Merges another own device's MANIFEST, each item last-write-wins; one `sync` event
    /// says what changed (the merged messages are history, not news).
    private func merge(_ manifest: ManifestPacket, from origin: PacketOrigin) throws {
        let me = account.email
        var changed = SyncEvent(fromDevice: origin.fromDevice, ts: now())
        for block in manifest.sections.blocks ?? [] {
            guard let email = EmailAddress(block.email), email != me else { continue }
            let current = try database.peer(email.value)
            guard current.map({ block.ts > $0.updatedAt && $0.blocked != block.blocked }) ?? block.blocked else { continue }
            try database.updatePeer(email.value, sid: ConversationID.between(me, email), now: block.ts) { record in
                record.blocked = block.blocked
                if block.blocked { record.state = .none }
            }
            changed.blocks += 1
        }
        for request in manifest.sections.requests ?? [] {
            guard let email = EmailAddress(request.email), email != me else { continue }
            let current = try database.peer(email.value)
            guard current.map({ request.ts > $0.updatedAt && $0.state == .none && !$0.blocked }) ?? true else { continue }
            try database.updatePeer(email.value, sid: ConversationID.between(me, email), now: request.ts) { $0.state = .outgoing }
            changed.requests += 1
        }
        if let profile = manifest.sections.profile,
           try database.setOwnProfile(PeerProfile(name: profile.name, nameVersion: profile.nameVersion, avatarVersion: 0)) {
            changed.profile = true
        }
        for m in manifest.sections.messages ?? [] {
            // Only conversations this device knows, and authors that belong to them.
            guard let peer = try database.peer(m.peer), m.author == me.value || m.author == peer.email else { continue }
            let record = MessageRecord(id: m.id, sid: peer.sid, peer: peer.email, author: m.author, authorDevice: m.authorDevice,
                                       outgoing: m.author == me.value, sentAt: m.sentAt, storedAt: now(), text: m.text, replyTo: m.replyTo,
                                       editedAt: m.editedAt, deletedAt: m.deletedAt, status: m.author == me.value ? .stored : .delivered)
            if try database.insertMessage(record, event: nil) {
                changed.messages += 1
                continue
            }
            let outcome = try database.updateMessage(m.id, event: nil, now: now()) { local in
                guard local.sid == peer.sid, local.author == m.author else { return false }
                if let deleted = m.deletedAt, local.deletedAt == nil {
                    local.deletedAt = deleted
                    local.text = ""
                    return true
                }
                if let edited = m.editedAt, edited > (local.editedAt ?? local.sentAt), local.deletedAt == nil {
                    local.text = m.text
                    local.editedAt = edited
                    return true
                }
                return false
            }
            if outcome?.changed == true { changed.messages += 1 }
        }
        if changed.blocks + changed.requests + changed.messages > 0 || changed.profile {
            events.report(.sync(changed))
        }
    }

    private func reportProfile(_ email: String, _ profile: PeerProfile) {
        events.report(.profile(ProfileEvent(email: email, name: profile.name, version: profile.nameVersion, ts: now())))
    }

    private func report(_ reason: String, origin: PacketOrigin? = nil) {
        events.report(.rejected(RejectedEvent(reason, sid: origin?.sid, from: origin?.from, fromDevice: origin?.fromDevice, ts: now())))
    }
}
