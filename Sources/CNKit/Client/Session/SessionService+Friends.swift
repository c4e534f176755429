import Foundation
import CNProtocol
import CNCrypto
import CNStore

/// The outcome of a friend operation, printed as one JSON line.
public struct FriendOutcome: Codable, Sendable, Equatable {
    /// `request`, `accept`, `deny`, `remove`, `block`, `unblock`.
    public var op: String
    public var email: String
    /// `sent`, `friends`, `already_friends`, `denied`, `removed`, `blocked`, `unblocked`.
    public var status: String
    public var sid: String?
    /// The device keys packets were sealed to.
    public var devices: [String]?
    /// Keys of a verified peer held back until accepted (no packet was sealed to them).
    public var unconfirmed: [String]?

    public init(op: String, email: String, status: String, sid: String? = nil, devices: [String]? = nil, unconfirmed: [String]? = nil) {
        self.op = op
        self.email = email
        self.status = status
        self.sid = sid
        self.devices = devices
        self.unconfirmed = unconfirmed
    }
}

extension SessionService {
    /// Sends a friend request: GET_PUBLIC_KEY, then one packet per trusted device key of the
    /// target (PROTOCOL §5.1–5.2).
    public func request(_ target: EmailAddress, via client: RelayClient, timeout: Duration) async throws -> FriendOutcome {
        try checkNotSelf(target, "send yourself a friend request")
        let sid = ConversationID.between(account.email, target)
        if let peer = try database.peer(target.value), peer.state == .friend {
            return FriendOutcome(op: "request", email: target.value, status: "already_friends", sid: sid)
        }
        let answer = try await client.request(.getPublicKey(TargetEmail(target.value)), timeout: timeout) {
            if case .publicKey(let reply) = $0 { reply.targetEmail == target.value } else { false }
        }
        guard case .publicKey(let reply) = answer else { throw ClientError(.protocolViolation, "unexpected answer to GET_PUBLIC_KEY") }
        let keys = validKeys(reply.publicKeys, of: target.value)
        guard !keys.isEmpty else {
            throw ClientError(.badRequest, "\(target.value) has no device on this relay (no account, or none active in 30 days)")
        }
        try pin(target, sid: sid, keys: keys, complete: true)
        let (packets, usable, heldBack) = try sealPackets(to: target)
        _ = try await client.request(.friendRequest(FriendPackets(targetEmail: target.value, payloads: packets)), timeout: timeout) {
            if case .requestSent(let sent) = $0 { sent.targetEmail == target.value } else { false }
        }
        try database.updatePeer(target.value, sid: sid, now: now()) { record in
            if record.state == .none { record.state = .outgoing }
        }
        return FriendOutcome(op: "request", email: target.value, status: "sent", sid: sid, devices: usable,
                             unconfirmed: heldBack.isEmpty ? nil : heldBack)
    }

    /// Accepts a pending request from `requester`: one packet per requester device.
    public func accept(_ requester: EmailAddress, via client: RelayClient, timeout: Duration) async throws -> FriendOutcome {
        try checkNotSelf(requester, "accept your own request")
        guard pendingRequests.contains(where: { $0.email == requester }) else {
            if let peer = try database.peer(requester.value), peer.state == .friend {
                return FriendOutcome(op: "accept", email: requester.value, status: "already_friends", sid: peer.sid)
            }
            throw ClientError(.notAllowed, "no pending friend request from \(requester.value) (see `cn-friend pending`)")
        }
        let (packets, usable, heldBack) = try sealPackets(to: requester)
        let answer = try await client.request(.friendAccept(FriendPackets(targetEmail: requester.value, payloads: packets)), timeout: timeout) {
            if case .friendAcceptedAck(let ack) = $0 { ack.targetEmail == requester.value } else { false }
        }
        guard case .friendAcceptedAck(let ack) = answer, ack.sid == ConversationID.between(account.email, requester) else {
            throw ClientError(.protocolViolation, "the relay confirmed the friendship with a wrong sid")
        }
        let stamp = now()
        try database.updatePeer(requester.value, sid: ack.sid, now: stamp) { record in
            record.state = .friend
            record.friendsSince = record.friendsSince ?? stamp
        }
        return FriendOutcome(op: "accept", email: requester.value, status: "friends", sid: ack.sid, devices: usable,
                             unconfirmed: heldBack.isEmpty ? nil : heldBack)
    }

    /// Denies a pending request.
    public func deny(_ requester: EmailAddress, via client: RelayClient, timeout: Duration) async throws -> FriendOutcome {
        try checkNotSelf(requester, "deny your own request")
        // The relay answers a good FRIEND_DENY with nothing: a PING behind it is the barrier
        // (frames are handled in order, so PONG with no ERROR about the deny means done).
        try await withBarrier(.friendDeny(TargetEmail(requester.value)), client, timeout: timeout)
        try setState(requester, .none, from: [.incoming])
        return FriendOutcome(op: "deny", email: requester.value, status: "denied")
    }

    /// Ends a friendship (UNFRIEND).
    public func remove(_ peer: EmailAddress, via client: RelayClient, timeout: Duration) async throws -> FriendOutcome {
        try checkNotSelf(peer, "unfriend yourself")
        try await withBarrier(.unfriend(TargetEmail(peer.value)), client, timeout: timeout)
        try setState(peer, .none, from: [.friend, .outgoing])
        return FriendOutcome(op: "remove", email: peer.value, status: "removed", sid: ConversationID.between(account.email, peer))
    }

    /// Blocks a user: the relay drops requests both ways and the friendship.
    public func block(_ peer: EmailAddress, via client: RelayClient, timeout: Duration) async throws -> FriendOutcome {
        try checkNotSelf(peer, "block yourself")
        _ = try await client.request(.block(TargetEmail(peer.value)), timeout: timeout) {
            if case .userBlocked(let b) = $0 { b.targetEmail == peer.value } else { false }
        }
        try database.updatePeer(peer.value, sid: ConversationID.between(account.email, peer), now: now()) { record in
            record.blocked = true
            record.state = .none
        }
        return FriendOutcome(op: "block", email: peer.value, status: "blocked")
    }

    /// Lifts a block; the friendship is not restored.
    public func unblock(_ peer: EmailAddress, via client: RelayClient, timeout: Duration) async throws -> FriendOutcome {
        try checkNotSelf(peer, "unblock yourself")
        _ = try await client.request(.unblock(TargetEmail(peer.value)), timeout: timeout) {
            if case .userUnblocked(let b) = $0 { b.targetEmail == peer.value } else { false }
        }
        try database.updatePeer(peer.value, sid: ConversationID.between(account.email, peer), now: now()) { $0.blocked = false }
        return FriendOutcome(op: "unblock", email: peer.value, status: "unblocked")
    }

    // MARK: Steps

    /// Seals this account's friend packet to each trusted device of `peer`.
    private func sealPackets(to peer: EmailAddress) throws -> (packets: [DevicePacket], usable: [String], heldBack: [String]) {
        let devices = try database.devices(of: peer.value)
        let usable = devices.filter { $0.trust == .trusted }.compactMap { DevicePublicKey(base64: $0.publicKey) }
        let heldBack = devices.filter { $0.trust == .unconfirmed }.map(\.publicKey)
        guard !usable.isEmpty else {
            throw ClientError(.notAllowed, "no trusted device key for \(peer.value): accept its new keys first (`cn-friend trust` or `verify`)")
        }
        // The friend packet carries this account's name and its version (PROTOCOL §6.3).
        let profile = try database.ownProfile()
        let packet = FriendPacket(email: account.email.value, name: profile?.name, nameVersion: profile?.nameVersion ?? 0, timestamp: now())
        let packets = try usable.map { device in
            DevicePacket(publicKey: device.base64, encryptedPacket: try packet.sealed(with: try account.identity.pairwiseKey(with: device)))
        }
        return (packets, usable.map(\.base64), heldBack)
    }

    /// Sends `frame` and a PING behind it; done at the PONG unless an ERROR about `frame` came first.
    private func withBarrier(_ frame: ClientFrame, _ client: RelayClient, timeout: Duration) async throws {
        _ = try await client.request([frame, .ping], timeout: timeout) { $0 == .pong }
    }

    private func setState(_ peer: EmailAddress, _ state: FriendshipState, from states: Set<FriendshipState>) throws {
        guard let record = try database.peer(peer.value), states.contains(record.state) else { return }
        try database.updatePeer(peer.value, sid: record.sid, now: now()) { $0.state = state }
    }

    private func checkNotSelf(_ peer: EmailAddress, _ what: String) throws {
        guard peer != account.email else { throw ClientError(.badRequest, "you cannot \(what)") }
    }
}
