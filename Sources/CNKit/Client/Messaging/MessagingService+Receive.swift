import Foundation
import Synchronization
import CNProtocol
import CNCrypto
import CNStore

extension MessagingService {
    /// What a relayed MSG turned out to be, for the mailbox acknowledgement.
    enum Verdict {
        /// Stored, a duplicate, or refused for good: acknowledge it.
        case done
        /// Refused for now (a device key not yet accepted): leave it in the mailbox, so that
        /// it comes again once the key is accepted.
        case later
    }

    /// Opens, checks and applies one relayed MSG, then acknowledges a mailbox item once what
    /// it carried is stored.
    func receiveMessage(_ message: RelayedMessage, from client: RelayClient) async {
        let verdict = await accept(message, from: client)
        if message.queued, let id = message.header.id, case .done = verdict {
            // Acknowledged once what it carried is stored: while received messages wait to
            // be written, or are being written, the acknowledgement waits with them.
            let held = state.withLock { state -> Bool in
                let waiting = !state.pendingStores.isEmpty || state.storesWriting > 0
                if waiting { state.heldAcks.append(id) } else { state.acks.append(id) }
                return waiting
            }
            if !held { scheduleFlush(via: client) }
        }
    }

    /// The burst of frames ended: the messages it brought are stored now.
    public func endOfBurst(from client: RelayClient) async {
        writePendingStores()
    }

    /// Stores the pending messages in one transaction, then announces them and queues
    /// their delivered receipts; the held mailbox acknowledgements go once nothing received
    /// is pending or being written. If the write fails, each message is reported and the held
    /// acknowledgements are dropped: the mailbox (or the sender, waiting for a receipt) hands
    /// those messages over again, and duplicates change nothing.
    func writePendingStores() {
        let (batch, client) = state.withLock { state -> ([PendingStore], RelayClient?) in
            let batch = state.pendingStores
            state.pendingStores = []
            if !batch.isEmpty { state.storesWriting += 1 }
            return (batch, state.client)
        }
        var failed = false
        if !batch.isEmpty {
            do {
                let stored = try database.insertMessages(batch.map { ($0.record, $0.line) })
                // Not stored: another process of this account stored it first, and announced it.
                for (entry, isNew) in zip(batch, stored) where isNew {
                    events.announce(entry.event)
                    if !entry.record.outgoing { queueReceipt(entry.record.id, sid: entry.record.sid) }
                }
            } catch {
                failed = true
                for entry in batch {
                    events.report(.rejected(RejectedEvent("a message could not be stored: \(error)", sid: entry.record.sid, from: entry.record.author,
                                                          fromDevice: entry.record.authorDevice, ts: now())))
                }
            }
        }
        let released = state.withLock { state -> Bool in
            if !batch.isEmpty { state.storesWriting -= 1 }
            if failed {
                state.heldAcks = []
                return false
            }
            guard state.storesWriting == 0, state.pendingStores.isEmpty, !state.heldAcks.isEmpty else { return false }
            state.acks += state.heldAcks
            state.heldAcks = []
            return true
        }
        if released, let client { scheduleFlush(via: client) }
    }

    private func accept(_ message: RelayedMessage, from client: RelayClient) async -> Verdict {
        let me = account.email
        let sid = message.header.sid
        let device = message.senderKey
        // Who is talking: the peer of `sid`, or this account (its other devices).
        let peerEmail: String
        let selfSid = ConversationID.between(me, me)
        if sid == selfSid {
            peerEmail = me.value
        } else {
            guard let peer = try? cache.peer(sid: sid), peer.state == .friend, !peer.blocked else {
                report("a message in a conversation with no friend (\(sid.prefix(12))…)", sid: sid, device: device)
                return .done
            }
            peerEmail = peer.email
        }
        let sender: String
        if message.senderHash == me.hash {
            sender = me.value
            guard device != account.identity.publicKey.base64,
                  let own = try? cache.ownDevices().first(where: { $0.publicKey == device }) else {
                report("a message said to come from an unknown device of this account", sid: sid, from: sender, device: device)
                return .done
            }
            guard own.trust == .trusted else {
                report("a message from this account's device \(device.prefix(12))…, which is not accepted yet (cn-account devices --accept)",
                       sid: sid, from: sender, device: device)
                return .later
            }
        } else if sid != selfSid, message.senderHash == EmailAddress(peerEmail)?.hash {
            sender = peerEmail
            let pinned = (try? cache.devices(of: peerEmail))?.first { $0.publicKey == device }
            guard let pinned, pinned.trust != .retired else {
                report("a message from a device of \(peerEmail) that is not pinned", sid: sid, from: peerEmail, device: device)
                return .done
            }
            guard pinned.trust == .trusted else {
                report("a message from a new device of \(peerEmail) that is not accepted yet (cn-friend verify or trust)",
                       sid: sid, from: peerEmail, device: device)
                return .later
            }
        } else {
            report("a message whose sender is neither the peer nor this account", sid: sid, device: device)
            return .done
        }
        let origin = PacketOrigin(sid: sid, from: sender, fromDevice: device)
        guard let payload = message.payloads[account.identity.publicKey.base64] else {
            report("a message with no payload for this device", sid: sid, from: sender, device: device)
            return .done
        }
        let json: [UInt8]
        let packet: InnerPacket
        do {
            json = try SealedPayload.open(payload, with: try pairwiseKey(device))
            packet = try InnerPacket.decode(json)
        } catch {
            report("a message was refused: \(error)", sid: sid, from: sender, device: device)
            return .done
        }
        do {
            // The pairwise key is the same both ways: only what this account sealed tells a
            // payload the relay handed back from one the peer sent.
            if try database.sentPacket(digest(json)) {
                report("a reflected message: the relay handed back a packet this account sent", sid: sid, from: sender, device: device)
                return .done
            }
            try await apply(packet, origin: origin, peer: peerEmail, queued: message.queued, via: client)
        } catch {
            report("a message could not be stored: \(error)", sid: sid, from: sender, device: device)
            return .later
        }
        return .done
    }

    private func apply(_ packet: InnerPacket, origin: PacketOrigin, peer: String, queued: Bool, via client: RelayClient) async throws {
        // Anything but a text may look at or change a message of this burst: it is stored first.
        if case .text = packet {} else { writePendingStores() }
        let fromMe = origin.from == account.email.value
        if fromMe, peer != account.email.value {
            // Another device's copy names the conversation's other member: a copy the relay
            // moved into another conversation does not match it.
            switch packet {
            case .text, .textChunk, .edit, .delete, .reaction:
                guard packet.namedRecipient == peer else {
                    return report("a copy from this account's device \(origin.fromDevice.prefix(12))… that names another recipient than \(peer)",
                                  sid: origin.sid, from: origin.from, device: origin.fromDevice)
                }
            default:
                break
            }
        }
        switch packet {
        case .text(let p):
            try store(id: p.id, text: p.text, replyTo: p.replyTo, sentAt: p.timestamp, origin: origin, peer: peer, queued: queued)
        case .textChunk(let p):
            if let existing = try database.message(p.id) {
                // Already put together; a part sent again means the receipt was not seen.
                if existing.author == origin.from, existing.sid == origin.sid, !fromMe { queueReceipt(p.id, sid: origin.sid) }
                return
            }
            switch try database.addChunk(id: p.id, author: origin.from, index: p.chunkIndex, total: p.totalChunks, text: p.textChunk, now: now()) {
            case .complete(let parts):
                try store(id: p.id, text: parts.joined(), replyTo: p.replyTo, sentAt: p.timestamp, origin: origin, peer: peer, queued: queued)
            case .inconsistent:
                report("TEXT_CHUNK \(p.id): a chunk count that disagrees with the chunks received", sid: origin.sid, from: origin.from, device: origin.fromDevice)
            case .tooMany:
                report("TEXT_CHUNK \(p.id): \(origin.from) already has \(AccountDatabase.maximumOpenChunkSets) long texts incomplete here",
                       sid: origin.sid, from: origin.from, device: origin.fromDevice)
            case .incomplete, .duplicate:
                break
            }
        case .edit(let p):
            guard let target = try authored(p.id, by: origin, stamp: p.timestamp, what: "EDIT") else { return }
            let event = ClientEvent.edit(EditEvent(id: p.id, origin: origin, text: p.text, ts: p.timestamp))
            let outcome = try database.updateMessage(target.id, event: event.line, now: now()) { m in
                guard p.timestamp > (m.editedAt ?? m.sentAt) else { return false }  // an older or repeated edit
                m.text = p.text
                m.editedAt = p.timestamp
                return true
            }
            if outcome?.changed == true { events.announce(event) }
        case .delete(let p):
            guard let target = try authored(p.id, by: origin, stamp: p.timestamp, what: "DELETE") else { return }
            let event = ClientEvent.delete(DeleteEvent(id: p.id, origin: origin, ts: p.timestamp))
            let outcome = try database.updateMessage(target.id, event: event.line, now: now()) { m in
                m.text = ""
                m.deletedAt = p.timestamp
                return true
            }
            if outcome?.changed == true { events.announce(event) }
        case .reaction(let p):
            guard let target = try database.message(p.messageId), target.sid == origin.sid else {
                return report("a REACTION to a message not in this conversation", sid: origin.sid, from: origin.from, device: origin.fromDevice)
            }
            let event = ClientEvent.reaction(ReactionEvent(id: p.messageId, origin: origin, emoji: p.emoji, action: p.action.rawValue, ts: p.timestamp))
            if try database.setReaction(messageID: target.id, author: origin.from, emoji: p.emoji, active: p.action == .add,
                                        at: p.timestamp, event: event.line, now: now()) {
                events.announce(event)
            }
        case .receipt(let p):
            guard !fromMe else { return }  // receipts are about the peer's devices
            let status: DeliveryStatus = p.kind == .read ? .read : .delivered
            var announced: ClientEvent?
            _ = try database.recordDelivery(ids: p.ids, sid: origin.sid, device: origin.fromDevice, status: status, now: now()) { raised in
                let event = ClientEvent.receipt(ReceiptEvent(ids: raised, kind: p.kind.rawValue, origin: origin, ts: p.timestamp))
                announced = event
                return event.line
            }
            if let announced { events.announce(announced) }
        case .profileVersion, .getProfile, .profileData, .manifest:
            let sender = BoundSender(service: self, client: client)
            for service in packetServices where try await service.handle(packet, origin: origin, peer: peer, via: sender) { return }
        case .unknown:
            break  // a newer client's packet, or a service this client does not run
        }
    }

    /// Stores a message (once per id) with the burst it came in (``writePendingStores()``
    /// announces it and queues a delivered receipt to the peer for what the peer wrote).
    private func store(id: String, text: String, replyTo: String?, sentAt: Int64, origin: PacketOrigin, peer: String, queued: Bool) throws {
        let fromMe = origin.from == account.email.value
        let pending = state.withLock { $0.pendingStores.last { $0.record.id == id }?.record }
        if let existing = try pending ?? database.message(id) {
            // A repeated id is a duplicate (nothing to do) — unless it says something else:
            // another author or conversation, another time, or (before any edit or delete)
            // another text. Then someone replays an id to overwrite a message: refused.
            let unchanged = existing.editedAt == nil && existing.deletedAt == nil
            if existing.author != origin.from || existing.sid != origin.sid || existing.sentAt != sentAt || (unchanged && existing.text != text) {
                report("a message reusing the id of another message (\(id)): ignored", sid: origin.sid, from: origin.from, device: origin.fromDevice)
            } else if !fromMe {
                // Sent again: the sender has not seen this device's receipt; it gets another.
                queueReceipt(id, sid: origin.sid)
            }
            return
        }
        let to = fromMe ? peer : account.email.value
        let event = ClientEvent.message(MessageEvent(id: id, origin: origin, to: to, text: text, replyTo: replyTo, ts: sentAt,
                                                     queued: queued ? true : nil))
        let record = MessageRecord(id: id, sid: origin.sid, peer: peer, author: origin.from, authorDevice: origin.fromDevice,
                                   outgoing: fromMe, sentAt: sentAt, storedAt: now(), text: text, replyTo: replyTo,
                                   status: fromMe ? .stored : .delivered)
        let full = state.withLock { state -> Bool in
            state.pendingStores.append(PendingStore(record: record, event: event, line: event.line))
            return state.pendingStores.count >= Self.storeBatch
        }
        if full { writePendingStores() }
    }

    /// The most received messages stored in one transaction.
    static let storeBatch = 256

    /// A delivered receipt for the peer's message `id`, sent with the next batch.
    func queueReceipt(_ id: String, sid: String) {
        state.withLock { $0.receipts[sid, default: []].append(id) }
        if let client = state.withLock({ $0.client }) { scheduleFlush(via: client) }
    }

    /// The message `id` if `origin` may change it: its author, in the same conversation,
    /// within 24 h of it. Otherwise reported, and nil.
    private func authored(_ id: String, by origin: PacketOrigin, stamp: Int64, what: String) throws -> MessageRecord? {
        guard let message = try database.message(id) else {
            report("\(what) of a message this device does not have (\(id))", sid: origin.sid, from: origin.from, device: origin.fromDevice)
            return nil
        }
        guard message.sid == origin.sid, message.author == origin.from else {
            report("\(what) of message \(id) by someone who is not its author", sid: origin.sid, from: origin.from, device: origin.fromDevice)
            return nil
        }
        guard message.deletedAt == nil else { return nil }
        // Both are within 1970...3000 (InnerPacket.validate): the subtraction cannot overflow.
        guard stamp >= message.sentAt, stamp - message.sentAt <= Self.editWindow else {
            report("\(what) of message \(id) outside its 24 hours", sid: origin.sid, from: origin.from, device: origin.fromDevice)
            return nil
        }
        return message
    }

    // MARK: Acknowledgements and receipts

    /// Sends the pending ACK and receipts a moment from now, in one go (a mailbox of
    /// thousands of items is acknowledged in a few frames, not one per item).
    func scheduleFlush(via client: RelayClient) {
        let first = state.withLock { state -> Bool in
            defer { state.flushScheduled = true }
            return !state.flushScheduled
        }
        guard first else { return }
        Task {
            try? await Task.sleep(for: .milliseconds(20))
            await self.flushAcknowledgements(via: client)
        }
    }

    /// Sends the pending ACK and delivered receipts now.
    public func flushAcknowledgements(via client: RelayClient) async {
        let (acks, receipts) = state.withLock { state in
            defer {
                state.acks = []
                state.receipts = [:]
                state.flushScheduled = false
            }
            return (state.acks, state.receipts)
        }
        for start in stride(from: 0, to: acks.count, by: 500) {
            try? await client.send(.ack(AckRequest(ids: Array(acks[start..<min(start + 500, acks.count)]))))
        }
        for (sid, ids) in receipts {
            for start in stride(from: 0, to: ids.count, by: PacketLimits.maximumReceiptIDs) {
                await sendReceipt(Array(ids[start..<min(start + PacketLimits.maximumReceiptIDs, ids.count)]), kind: .delivered, sid: sid, via: client)
            }
        }
    }

    /// Sends a RECEIPT for messages of conversation `sid` to the peer's trusted devices. Not
    /// kept in the outbox: a receipt that does not arrive only leaves a status behind.
    func sendReceipt(_ ids: [String], kind: ReceiptPacket.Kind, sid: String, via client: RelayClient) async {
        guard let peer = try? cache.peer(sid: sid), let devices = try? cache.devices(of: peer.email) else { return }
        let trusted = devices.filter { $0.trust == .trusted }.map(\.publicKey)
        guard !trusted.isEmpty else { return }
        // Best effort: receipts only move a status on the peer's side.
        try? await send(.receipt(ReceiptPacket(ids: ids, kind: kind, timestamp: nextTimestamp())), sid: sid, to: trusted, keep: false, via: client)
    }

    /// Marks received messages read and sends read receipts for them (`--mark-read`).
    public func markRead(_ messages: [(id: String, sid: String)], via client: RelayClient) async throws {
        let marked = Set(try database.markRead(messages.map(\.id)))
        var bySid: [String: [String]] = [:]
        for message in messages where marked.contains(message.id) { bySid[message.sid, default: []].append(message.id) }
        for (sid, ids) in bySid { await sendReceipt(ids, kind: .read, sid: sid, via: client) }
    }
}
