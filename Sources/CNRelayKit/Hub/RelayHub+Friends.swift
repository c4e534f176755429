import CoreMetrics
import Logging
import NIOCore
import CNProtocol
import CNCrypto

extension RelayHub {
    /// GET_PUBLIC_KEY (PROTOCOL §5.1), limited to 30 a minute per account: it tells
    /// whether an account exists.
    func publicKeys(_ conn: RelayConnection, _ session: RelayConnection.Session, _ raw: String, id: String?) {
        guard let target = targetAddress(conn, raw, id: id) else { return }
        guard keyLookups.allow(session.account, now: .now()) else { return reply(conn, .rateLimited, id: id, message: "Too many key lookups") }
        send(.publicKey(PublicKeyReply(targetEmail: target.value, publicKeys: activeDevices(of: target.hash))), to: conn)
    }

    /// FRIEND_REQUEST (PROTOCOL §5.2).
    func friendRequest(_ conn: RelayConnection, _ session: RelayConnection.Session, _ packets: FriendPackets, id: String?) {
        guard let target = targetAddress(conn, packets.targetEmail, id: id) else { return }
        guard target.hash != session.account else { return reply(conn, .selfRequest, id: id) }
        guard packets.encryptedPacket != nil || !(packets.payloads ?? []).isEmpty else {
            return badFrame(conn, id: id, message: "A friend request needs a packet")
        }
        guard packets.totalPacketCharacters <= ProtocolLimits.maxMessagePayloadCharacters else { return reply(conn, .tooLarge, id: id) }
        guard friendRequestsSent.allow(session.account, now: .now()) else {
            return reply(conn, .rateLimited, id: id, message: "Too many friend requests")
        }
        defer { send(.requestSent(TargetEmail(target.value)), to: conn) }
        // Someone who blocked the sender never hears of it, and the sender cannot tell.
        if blocks[target.hash]?.contains(session.account) == true { return }

        let request = StoredRequest(senderHash: session.account, targetHash: target.hash, senderEmail: session.email.value,
                                    senderDevice: session.device, packets: packets, created: WallClock.seconds())
        requests[target.hash, default: [:]][session.account] = request
        store.saveRequest(request)
        let senderKeys = activeDevices(of: session.account, first: session.device)
        sendToAccount(target.hash) { device in
            packets.packet(for: device).map {
                .friendRequest(FriendRequestPush(senderHash: session.account, senderEmail: session.email.value,
                                                 publicKeys: senderKeys, encryptedPacket: $0))
            }
        }
    }

    /// PENDING_REQUESTS for the asking device: requests without a packet it can read are left out.
    func pendingRequests(for session: RelayConnection.Session) -> [PendingRequest] {
        (requests[session.account] ?? [:]).values.sorted { $0.created < $1.created }.compactMap { r in
            r.packets.packet(for: session.device).map {
                PendingRequest(senderHash: r.senderHash, senderEmail: r.senderEmail, publicKeys: activeDevices(of: r.senderHash, first: r.senderDevice),
                               encryptedPacket: $0, timestamp: RFC3339.string(seconds: r.created))
            }
        }
    }

    /// FRIEND_ACCEPT (PROTOCOL §5.4): only with a pending request from the target.
    func friendAccept(_ conn: RelayConnection, _ session: RelayConnection.Session, _ packets: FriendPackets, id: String?) {
        guard let requester = targetAddress(conn, packets.targetEmail, id: id) else { return }
        guard requests[session.account]?[requester.hash] != nil else { return reply(conn, .noPendingRequest, id: id) }
        guard packets.totalPacketCharacters <= ProtocolLimits.maxMessagePayloadCharacters else { return reply(conn, .tooLarge, id: id) }
        let me = session.account, them = requester.hash
        let sid = ConversationID.between(session.email, requester)
        friends[me, default: [:]][them] = sid
        friends[them, default: [:]][me] = sid
        conversations[sid] = (me, them)
        store.saveFriendship(sid: sid, a: me, b: them, now: WallClock.seconds())
        dropRequests(between: me, and: them)

        let accepted = OfflineNotification(
            id: newID(), kind: .friendAccepted, senderHash: me, senderEmail: session.email.value, sid: sid,
            publicKeys: activeDevices(of: me, first: session.device), packets: packets, created: WallClock.seconds())
        deliverOrKeep(them, accepted)
        // A requester device the accept has a packet for but that is offline gets it at its
        // next AUTH (the online ones may see it twice; clients treat it idempotently).
        let live = online[them] ?? [:]
        let missed = (packets.payloads ?? []).contains { live[$0.publicKey] == nil && devices[them]?[$0.publicKey] != nil }
        if !live.isEmpty, missed {
            keep(accepted, for: them)
        }
        send(.friendAcceptedAck(FriendAcceptedAck(targetEmail: requester.value, sid: sid)), to: conn)
        announcePresence(between: me, and: them, sid: sid)
    }

    /// FRIEND_DENY: drops the request from the target; it hears FRIEND_DENIED.
    func friendDeny(_ conn: RelayConnection, _ session: RelayConnection.Session, _ raw: String, id: String?) {
        guard let requester = targetAddress(conn, raw, id: id) else { return }
        guard requests[session.account]?[requester.hash] != nil else { return reply(conn, .noPendingRequest, id: id) }
        requests[session.account]?[requester.hash] = nil
        store.deleteRequest(sender: requester.hash, target: session.account)
        deliverOrKeep(requester.hash, OfflineNotification(
            id: newID(), kind: .friendDenied, senderHash: session.account, senderEmail: session.email.value, created: WallClock.seconds()))
    }

    /// UNFRIEND (PROTOCOL §5.4).
    func unfriend(_ conn: RelayConnection, _ session: RelayConnection.Session, _ raw: String, id: String?) {
        guard let peer = targetAddress(conn, raw, id: id) else { return }
        guard let sid = friends[session.account]?[peer.hash] else { return reply(conn, .notFriends, id: id) }
        endFriendship(session.account, peer.hash, sid: sid)
        deliverOrKeep(peer.hash, OfflineNotification(
            id: newID(), kind: .friendRemoved, senderHash: session.account, senderEmail: session.email.value, sid: sid,
            created: WallClock.seconds()))
    }

    /// BLOCK_USER (PROTOCOL §5.5): requests both ways and the friendship go.
    func block(_ conn: RelayConnection, _ session: RelayConnection.Session, _ raw: String, id: String?) {
        guard let target = targetAddress(conn, raw, id: id) else { return }
        guard target.hash != session.account else { return reply(conn, .selfRequest, id: id, message: "You cannot block yourself") }
        guard blockChanges.allow(session.account, now: .now()) else { return reply(conn, .rateLimited, id: id, message: "Too many block changes") }
        if blocks[session.account, default: []].insert(target.hash).inserted {
            store.saveBlock(blocker: session.account, blocked: target.hash, now: WallClock.seconds())
            dropRequests(between: session.account, and: target.hash)
            if let sid = friends[session.account]?[target.hash] {
                endFriendship(session.account, target.hash, sid: sid)
            }
            // Ciphertext the blocked user left in the blocker's mailbox is not delivered.
            purgeMailbox(of: session.account, from: target.hash)
            // Only a change is announced: repeating BLOCK_USER notifies nobody again.
            deliverOrKeep(target.hash, OfflineNotification(id: newID(), kind: .userBlocked, senderHash: session.account, created: WallClock.seconds()))
        }
        send(.userBlocked(TargetEmail(target.value)), to: conn)
    }

    /// UNBLOCK_USER: the friendship is not restored.
    func unblock(_ conn: RelayConnection, _ session: RelayConnection.Session, _ raw: String, id: String?) {
        guard let target = targetAddress(conn, raw, id: id) else { return }
        guard blockChanges.allow(session.account, now: .now()) else { return reply(conn, .rateLimited, id: id, message: "Too many block changes") }
        if blocks[session.account]?.remove(target.hash) != nil {
            store.deleteBlock(blocker: session.account, blocked: target.hash)
            deliverOrKeep(target.hash, OfflineNotification(id: newID(), kind: .userUnblocked, senderHash: session.account, created: WallClock.seconds()))
        }
        send(.userUnblocked(TargetEmail(target.value)), to: conn)
    }

    // MARK: Shared steps

    private func dropRequests(between a: String, and b: String) {
        if requests[a]?.removeValue(forKey: b) != nil { store.deleteRequest(sender: b, target: a) }
        if requests[b]?.removeValue(forKey: a) != nil { store.deleteRequest(sender: a, target: b) }
    }

    private func endFriendship(_ a: String, _ b: String, sid: String) {
        friends[a]?[b] = nil
        friends[b]?[a] = nil
        conversations[sid] = nil
        store.deleteFriendship(sid: sid)
        // Each side sees the other's devices leave the conversation.
        for (device, _) in online[b] ?? [:] {
            sendToAccount(a) { _ in .peerOffline(sid: sid, PeerOffline(devicePublicKey: device, online: false)) }
        }
        for (device, _) in online[a] ?? [:] {
            sendToAccount(b) { _ in .peerOffline(sid: sid, PeerOffline(devicePublicKey: device, online: false)) }
        }
    }

    /// Sends a notification to every online device of `account`, or keeps it for the
    /// account's next AUTH when none is online (PROTOCOL §5.7).
    func deliverOrKeep(_ account: String, _ notification: OfflineNotification) {
        if online[account]?.isEmpty == false {
            sendToAccount(account) { notification.frame(for: $0) }
        } else {
            keep(notification, for: account)
        }
    }

    /// Stores a notification for the account's next AUTH. A block or unblock replaces an
    /// earlier stored block or unblock from the same sender (only the last state matters),
    /// so the stored list stays bounded by the number of senders.
    func keep(_ notification: OfflineNotification, for account: String) {
        if notification.kind == .userBlocked || notification.kind == .userUnblocked {
            let superseded = (notifications[account] ?? []).filter {
                ($0.kind == .userBlocked || $0.kind == .userUnblocked) && $0.senderHash == notification.senderHash
            }
            if !superseded.isEmpty {
                let ids = Set(superseded.map(\.id))
                notifications[account]?.removeAll { ids.contains($0.id) }
                store.deleteNotifications(ids: Array(ids))
            }
        }
        notifications[account, default: []].append(notification)
        store.saveNotification(account: account, notification)
    }

    func newID() -> String {
        var rng = SystemRandomNumberGenerator()
        return (0..<2).map { _ in String(rng.next() as UInt64, radix: 16) }.joined(separator: "-")
    }
}
