import Foundation
import Synchronization
import CNProtocol
import CNCrypto
import CNStore

extension MessagingService {
    // MARK: Sending

    /// Seals `request` for every trusted device of the peer and every accepted other device
    /// of this account, keeps it in the outbox (claimed by this process), and sends it if
    /// `client` is connected. The ticket says what to watch.
    public func submit(_ request: OutgoingRequest, via client: RelayClient?) async throws -> SendTicket {
        try await submit([request], via: client)[0].get()
    }

    /// ``submit(_:via:)`` for several requests at once, in order: the texts among them go
    /// into the outbox in one transaction and onto the wire in one write (a pipe of
    /// thousands of lines is hundreds of messages per write, not one). One outcome per
    /// request: its ticket, or why it was refused (the others go all the same).
    public func submit(_ requests: [OutgoingRequest], via client: RelayClient?) async -> [Result<SendTicket, any Error>] {
        var outcomes: [Result<SendTicket, any Error>] = []
        var built: [(index: Int, send: PreparedSend)] = []
        var ready: [PreparedSend] = []
        // Texts wait to be written together, in one transaction.
        func write() {
            guard !built.isEmpty else { return }
            do {
                try database.enqueue(built.map { ($0.send.items, $0.send.message, $0.send.digests) }, owner: owner, lease: Self.claimLease, now: now())
                ready += built.map(\.send)
            } catch {
                for entry in built { outcomes[entry.index] = .failure(error) }
            }
            built = []
        }
        for request in requests {
            // An edit, delete or reaction goes alone: what came before is written first (it
            // may name one of those messages), and it is written at once (building it has
            // already changed the local copy of its message).
            let alone = request.op != "text"
            if alone { write() }
            do {
                let send = try build(request)
                outcomes.append(.success(send.ticket))
                built.append((outcomes.count - 1, send))
            } catch {
                outcomes.append(.failure(error))
            }
            if alone { write() }
        }
        write()
        if let client {
            var rest = ready[...]
            while !rest.isEmpty {
                let room = await waitForWindow(client)
                let next = rest.prefix(room)
                rest = rest.dropFirst(next.count)
                await transmit(next.flatMap(\.items), via: client, watched: true)
            }
        }
        return outcomes
    }

    /// A request built and sealed, not yet in the outbox.
    struct PreparedSend {
        var ticket: SendTicket
        var items: [OutboxItem]
        var message: MessageRecord?
        var digests: [[UInt8]]
    }

    /// Builds and seals the packets of `request` (an edit, delete or reaction also changes
    /// the local copy of its message).
    func build(_ request: OutgoingRequest) throws -> PreparedSend {
        let me = account.email
        let peer = request.to
        guard peer != me else { throw ClientError(.badRequest, "you cannot send messages to yourself") }
        guard let record = try cache.peer(email: peer.value), record.state == .friend else {
            throw ClientError(.notAllowed, "\(peer.value) is not a friend (send a friend request first: cn-friend request \(peer.value))")
        }
        guard !record.blocked else { throw ClientError(.notAllowed, "\(peer.value) is blocked (cn-friend unblock \(peer.value))") }
        let sid = record.sid
        let devices = try cache.devices(of: peer.value)
        let peerDevices = devices.filter { $0.trust == .trusted }.map(\.publicKey)
        let heldBack = devices.filter { $0.trust == .unconfirmed }.map(\.publicKey)
        guard !peerDevices.isEmpty else {
            throw ClientError(.notAllowed, "no trusted device key for \(peer.value): accept its new keys first (`cn-friend trust` or `verify`)")
        }
        let ownDevices = try cache.ownDevices().filter { $0.trust == .trusted }.map(\.publicKey)
        let stamp = nextTimestamp()
        let created = now()

        var packets: [(itemID: String, packet: InnerPacket)] = []
        var message: MessageRecord?
        let id: String
        switch request {
        case .text(_, let text, let replyTo):
            guard !text.isEmpty else { throw ClientError(.badRequest, "an empty message") }
            if let replyTo { try checkID(replyTo, "replyTo") }
            id = UUID().uuidString.lowercased()
            let parts = Self.chunks(of: text)
            guard parts.count <= PacketLimits.maximumChunks else {
                throw ClientError(.badRequest, "a message of more than \(PacketLimits.maximumChunks * PacketLimits.textChunkCharacters) characters")
            }
            if parts.count == 1 {
                packets = [(id, .text(TextPacket(id: id, text: text, timestamp: stamp, replyTo: replyTo, to: peer.value)))]
            } else {
                packets = parts.enumerated().map { index, part in
                    ("\(id)#\(index)", .textChunk(TextChunkPacket(id: id, chunkIndex: index, totalChunks: parts.count, textChunk: part,
                                                                 timestamp: stamp, replyTo: replyTo, to: peer.value)))
                }
            }
            message = MessageRecord(id: id, sid: sid, peer: peer.value, author: me.value, authorDevice: account.identity.publicKey.base64,
                                    outgoing: true, sentAt: stamp, storedAt: created, text: text, replyTo: replyTo, status: .queued)
        case .edit(_, let target, let text):
            guard !text.isEmpty else { throw ClientError(.badRequest, "an edit needs the new text (to remove a message, delete it)") }
            try ownMessage(target, sid: sid, stamp: stamp, what: "edit")
            id = target
            try database.updateMessage(target, event: nil, now: created) { m in
                guard stamp > (m.editedAt ?? m.sentAt) else { return false }
                m.text = text
                m.editedAt = stamp
                return true
            }
            packets = [(UUID().uuidString.lowercased(), .edit(EditPacket(id: target, text: text, timestamp: stamp, to: peer.value)))]
        case .delete(_, let target):
            try ownMessage(target, sid: sid, stamp: stamp, what: "delete")
            id = target
            try database.updateMessage(target, event: nil, now: created) { m in
                m.text = ""
                m.deletedAt = stamp
                return true
            }
            packets = [(UUID().uuidString.lowercased(), .delete(DeletePacket(id: target, timestamp: stamp, to: peer.value)))]
        case .react(_, let target, let emoji, let remove):
            try checkID(target, "message id")
            guard !emoji.isEmpty, emoji.utf8.count <= PacketLimits.maximumEmojiLength else {
                throw ClientError(.badRequest, "a reaction is 1 to \(PacketLimits.maximumEmojiLength) bytes of text")
            }
            guard let reacted = try database.message(target), reacted.sid == sid else {
                throw ClientError(.badRequest, "no message \(target) in the conversation with \(peer.value)")
            }
            id = target
            _ = try database.setReaction(messageID: target, author: me.value, emoji: emoji, active: !remove, at: stamp, event: nil, now: created)
            packets = [(UUID().uuidString.lowercased(),
                        .reaction(ReactionPacket(messageId: target, emoji: emoji, action: remove ? .remove : .add, timestamp: stamp, to: peer.value)))]
        }

        var items: [OutboxItem] = []
        var digests: [[UInt8]] = []
        for (itemID, packet) in packets {
            let json = try packet.encoded()
            digests.append(digest(json))
            for device in peerDevices + ownDevices {
                items.append(OutboxItem(itemID: itemID, device: device, sid: sid, messageID: message?.id,
                                        payload: try SealedPayload.seal(json, with: try pairwiseKey(device)), createdAt: created))
            }
        }
        let ticket = SendTicket(op: request.op, id: id, sid: sid, to: peer.value, itemIDs: packets.map(\.itemID),
                                peerDevices: peerDevices, ownDevices: ownDevices, heldBack: heldBack)
        return PreparedSend(ticket: ticket, items: items, message: message, digests: digests)
    }

    /// Checks that `id` names a message this account wrote in `sid`, not deleted, recent
    /// enough to change.
    private func ownMessage(_ id: String, sid: String, stamp: Int64, what: String) throws {
        try checkID(id, "message id")
        guard let message = try database.message(id), message.sid == sid else {
            throw ClientError(.badRequest, "no message \(id) in this conversation")
        }
        guard message.outgoing, message.author == account.email.value else {
            throw ClientError(.notAllowed, "only its author can \(what) message \(id)")
        }
        guard message.deletedAt == nil else { throw ClientError(.notAllowed, "message \(id) was deleted") }
        guard stamp - message.sentAt <= Self.editWindow else {
            throw ClientError(.notAllowed, "message \(id) is more than 24 hours old: it can no longer be changed")
        }
    }

    private func checkID(_ id: String, _ what: String) throws {
        guard !id.isEmpty, id.utf8.count <= PacketLimits.maximumIDLength else { throw ClientError(.badRequest, "a bad \(what)") }
    }

    /// `text` in parts of at most 12,000 characters (PROTOCOL §7).
    static func chunks(of text: String) -> [String] {
        guard text.count > PacketLimits.textChunkCharacters else { return [text] }
        var parts: [String] = []
        var rest = Substring(text)
        while !rest.isEmpty {
            let end = rest.index(rest.startIndex, offsetBy: PacketLimits.textChunkCharacters, limitedBy: rest.endIndex) ?? rest.endIndex
            parts.append(String(rest[..<end]))
            rest = rest[end...]
        }
        return parts
    }

    // MARK: Other packets

    /// Seals `packet` for each of `devices` of conversation `sid` and sends it over the
    /// connection this service last heard from: through the outbox when `keep`, else once.
    public func send(_ packet: InnerPacket, sid: String, to devices: [String], keep: Bool) async throws {
        try await send(packet, sid: sid, to: devices, keep: keep, via: state.withLock { $0.client })
    }

    /// ``send(_:sid:to:keep:)`` over `client` (nil: kept items wait in the outbox, others are dropped).
    func send(_ packet: InnerPacket, sid: String, to devices: [String], keep: Bool, via client: RelayClient?) async throws {
        guard !devices.isEmpty else { return }
        let json = try packet.encoded()
        let itemID = UUID().uuidString.lowercased()
        let created = now()
        let items = try devices.map { device in
            OutboxItem(itemID: itemID, device: device, sid: sid, messageID: nil,
                       payload: try SealedPayload.seal(json, with: try pairwiseKey(device)), createdAt: created)
        }
        if keep {
            try database.enqueue([(items, nil, [digest(json)])], owner: owner, lease: Self.claimLease, now: created)
            if let client { await transmit(items, via: client, watched: false) }
        } else if let client {
            try database.recordSent(digests: [digest(json)], now: created)
            var payloads: [String: String] = [:]
            for item in items { payloads[item.device] = item.payload }
            try await client.send(.message(OutgoingMessage(sid: sid, id: itemID, payloads: payloads)))
        }
    }

    // MARK: The outbox on the wire

    /// Sends claimed items, one MSG per item (split when the payloads of a large fan-out
    /// would pass the relay's 409,600-character limit), asking for DELIVERED, all in one
    /// write to the socket.
    func transmit(_ items: [OutboxItem], via client: RelayClient, watched: Bool) async {
        var order: [String] = []
        var groups: [String: [OutboxItem]] = [:]
        for item in items {
            if groups[item.itemID] == nil { order.append(item.itemID) }
            groups[item.itemID, default: []].append(item)
        }
        var messages: [OutgoingMessage] = []
        state.withLock { state in
            for itemID in order {
                let group = groups[itemID]!
                var frames: [[String: String]] = [[:]]
                var size = 0
                for item in group {
                    if size + item.payload.utf8.count > ProtocolLimits.maxMessagePayloadCharacters, !frames[frames.count - 1].isEmpty {
                        frames.append([:])
                        size = 0
                    }
                    frames[frames.count - 1][item.device] = item.payload
                    size += item.payload.utf8.count
                }
                if watched { state.watched.insert(itemID) }
                state.inFlight[itemID] = InFlight(sid: group[0].sid, messageID: group[0].messageID, framesLeft: frames.count, sentAt: .now)
                messages += frames.map { OutgoingMessage(sid: group[0].sid, id: itemID, confirm: true, payloads: $0) }
            }
        }
        do {
            try await client.send(messages.map(ClientFrame.message))
        } catch {
            // The connection went: the items stay in the outbox, claimed by this process,
            // and go again when it is back (SESSION_LIST) or after the lease; a watched item
            // keeps its watch. (What went out before the break is answered, if at all, on a
            // connection that is gone.)
            state.withLock { state in
                for itemID in order { state.inFlight[itemID] = nil }
            }
        }
    }

    /// Sends what the outbox holds that no other process has claimed and whose wait is
    /// over, over the connection this service last heard from (the agent does this now and
    /// then: items other commands left behind go without waiting for a device to reconnect).
    public func flushOutbox() async {
        guard let client = state.withLock({ $0.client }), await client.isConnected else { return }
        flush(devices: nil, awaiting: false, via: client)
    }

    /// Sends what the outbox holds for `devices` (all devices when nil) that no other
    /// process has claimed; with `awaiting`, also what rests (waiting for a receipt, or for
    /// an offline device). Runs off the frame path (it waits for the window, which
    /// DELIVERED frames open), one flush at a time.
    func flush(devices: Set<String>?, awaiting: Bool, via client: RelayClient) {
        let start = state.withLock { state -> Bool in
            guard !state.stopped else { return false }
            state.flushRequests.append((devices, awaiting))
            defer { state.flushing = true }
            return !state.flushing
        }
        guard start else { return }
        Task { await self.runFlushes(via: client) }
    }

    private func runFlushes(via client: RelayClient) async {
        while let request = state.withLock({ state -> (devices: Set<String>?, awaiting: Bool)? in
            guard !state.flushRequests.isEmpty, !state.stopped else {
                state.flushing = false
                return nil
            }
            return state.flushRequests.removeFirst()
        }) {
            do {
                // Answered items whose rows are about to change are not on their way either.
                let busy = state.withLock { Set($0.inFlight.keys).union($0.settlements.map(\.settlement.itemID)) }
                // What this process has on its way now is not sent twice.
                let items = try database.claimOutbox(owner: owner, devices: request.devices, awaiting: request.awaiting, now: now(),
                                                     lease: Self.claimLease).filter { !busy.contains($0.itemID) }
                var order: [String] = []
                var groups: [String: [OutboxItem]] = [:]
                for item in items {
                    if groups[item.itemID] == nil { order.append(item.itemID) }
                    groups[item.itemID, default: []].append(item)
                }
                var rest = order[...]
                while !rest.isEmpty {
                    let room = await waitForWindow(client)
                    let next = rest.prefix(room)
                    rest = rest.dropFirst(next.count)
                    await transmit(next.flatMap { groups[$0]! }, via: client, watched: false)
                }
            } catch {
                report("the outbox could not be read: \(error)")
            }
        }
    }

    /// Waits while too many items are on their way: 256 normally, 1 once the relay has
    /// asked this connection to slow down (so that resent items keep their order). Returns
    /// how many may go now (at least 1).
    /// While the connection is down nothing is on its way: the items wait in the outbox
    /// and go at the next SESSION_LIST.
    @discardableResult
    func waitForWindow(_ client: RelayClient, retry: Bool = false) async -> Int {
        while true {
            let generation = changed.generation
            let (count, limit, stopped) = state.withLock { state in
                // An item unanswered for long (its DELIVERED lost) no longer holds the window;
                // nothing new goes while refused items wait to go again.
                let now = ContinuousClock.now
                let count = state.inFlight.values.filter { now - $0.sentAt < Self.answerWait }.count
                return (retry || state.retryQueue.isEmpty ? count : Int.max, state.throttled ? 1 : Self.window, state.stopped)
            }
            if count < limit { return limit - count }
            if stopped { return 1 }
            guard await client.isConnected else { return 1 }
            await changed.wait(after: generation, limit: .milliseconds(250))
        }
    }

    /// How many items may be on their way at once.
    static let window = 256

    /// The relay's DELIVERED / DELIVERED_FAILED for an item.
    func settle(_ notice: DeliveryNotice) {
        guard let itemID = notice.id else { return }
        let finished = state.withLock { state -> (flight: InFlight, watched: Bool)? in
            guard var flight = state.inFlight[itemID] else { return nil }
            flight.report.delivered += notice.report.delivered
            flight.report.stored += notice.report.stored
            flight.report.offline += notice.report.offline
            flight.framesLeft -= 1
            if flight.framesLeft > 0 {
                state.inFlight[itemID] = flight
                return nil
            }
            state.inFlight[itemID] = nil
            if state.watched.contains(itemID) { state.outcomes[itemID] = .settled(flight.report) }
            return (flight, state.watched.contains(itemID))
        }
        guard let (flight, watched) = finished else { return }
        // The caller learns the outcome now; the outbox rows change with the next batch.
        let (schedule, full) = state.withLock { state -> (Bool, Bool) in
            state.settlements.append((AccountDatabase.Settlement(itemID: itemID, delivered: flight.report.delivered, stored: flight.report.stored,
                                                                 offline: flight.report.offline), flight.messageID, flight.sid, watched))
            defer { state.settlementsScheduled = true }
            return (!state.settlementsScheduled, state.settlements.count >= 256)
        }
        if full {
            writeSettlements()
        } else if schedule {
            Task {
                try? await Task.sleep(for: .milliseconds(5))
                self.writeSettlements()
            }
        }
        changed.notify()
    }

    /// Writes the pending settlements in one transaction, then announces the deliveries no
    /// caller watches.
    func writeSettlements() {
        let batch = state.withLock { state in
            defer {
                state.settlements = []
                state.settlementsScheduled = false
            }
            return state.settlements
        }
        guard !batch.isEmpty else { return }
        do {
            try database.settle(batch.map(\.settlement), owner: owner, ownDevices: Set(try cache.ownDevices().map(\.publicKey)),
                                receiptWait: Self.receiptWait, offlineRest: Self.offlineRest, maximumAttempts: Self.maximumAttempts, now: now())
        } catch {
            report("the outbox could not be updated: \(error)")
        }
        for entry in batch where !entry.watched {
            if let messageID = entry.messageID { announceDelivery(of: messageID, sid: entry.sid) }
        }
    }

    /// A `delivered` event for a message the outbox sent on its own (a flush).
    private func announceDelivery(of messageID: String, sid: String) {
        guard let message = try? database.message(messageID), let deliveries = try? database.deliveries(of: messageID) else { return }
        let delivered = deliveries.filter { $0.value >= .delivered }.keys.sorted()
        let stored = deliveries.filter { $0.value == .stored }.keys.sorted()
        let pending = (try? database.pendingDevices(of: messageID)) ?? []
        events.report(.delivered(DeliveryEvent(id: messageID, sid: sid, to: message.peer, status: message.status.name,
                                               delivered: delivered, stored: stored, pending: pending, ts: now())))
    }

    /// An ERROR about an item: `rate_limited` sends it again after a pause (one at a time
    /// from then on); anything else means the relay will not take it, and it leaves the outbox.
    func failed(itemID: String, _ body: ErrorBody, via client: RelayClient) async {
        guard let flight = state.withLock({ $0.inFlight[itemID] }) else { return }
        let watched = state.withLock { $0.watched.contains(itemID) }
        if body.code == .rateLimited {
            // The relay dropped it (PROTOCOL §5.6: the client slows down and resends). Items
            // refused in one burst go again in the order they were sent.
            let start = state.withLock { state -> Bool in
                state.throttled = true
                state.inFlight[itemID] = nil
                if !state.retryQueue.contains(itemID) { state.retryQueue.append(itemID) }
                defer { state.retrying = true }
                return !state.retrying
            }
            if start { Task { await self.runRetries(via: client) } }
            changed.notify()
            return
        }
        state.withLock { state in
            state.inFlight[itemID] = nil
            if watched { state.outcomes[itemID] = .failed(ClientError.relay(body)) }
        }
        try? database.dropOutbox(itemID: itemID)
        if !watched { report("the relay refused an outbox item for \(flight.sid): \(body.message) (\(body.code.rawValue))", sid: flight.sid) }
        changed.notify()
    }

    /// A packet sender over `client`.
    public func sender(for client: RelayClient) -> any PacketSender { BoundSender(service: self, client: client) }

    /// Waits until nothing this process sent is on its way (or `deadline`); returns whether
    /// the outbox then holds nothing the relay has not taken (items waiting for a peer's
    /// receipt were taken).
    public func awaitOutbox(until deadline: ContinuousClock.Instant) async -> Bool {
        while true {
            let generation = changed.generation
            let busy = state.withLock { !$0.inFlight.isEmpty }
            if !busy {
                writeSettlements()
                return ((try? database.outboxCount(awaiting: false)) ?? 1) == 0
            }
            let left = deadline - .now
            if left <= .zero { return false }
            await changed.wait(after: generation, limit: min(left, .seconds(1)))
        }
    }

    /// Sends the refused items again, oldest first, one at a time and paced (the relay's
    /// default is 100 MSG per second), before anything new.
    private func runRetries(via client: RelayClient) async {
        while let itemID = state.withLock({ state -> String? in
            guard !state.stopped, let first = state.retryQueue.first else {
                state.retrying = false
                return nil
            }
            return first
        }) {
            try? await Task.sleep(for: .milliseconds(10))
            await waitForWindow(client, retry: true)
            state.withLock { state in
                if state.retryQueue.first == itemID { state.retryQueue.removeFirst() }
            }
            guard await client.isConnected,
                  let items = try? database.claimOutbox(owner: owner, itemIDs: [itemID], now: now(), lease: Self.claimLease),
                  !items.isEmpty else { continue }
            await transmit(items, via: client, watched: state.withLock { $0.watched.contains(itemID) })
        }
        changed.notify()
    }

    // MARK: Results

    /// The result of `ticket` once every item has been answered; nil while one is on its way.
    /// With `final`, items not answered count as queued. Throws the relay's refusal.
    public func result(for ticket: SendTicket, final: Bool) throws -> SendResult? {
        var reports: [DeliveryReport] = []
        for itemID in ticket.itemIDs {
            switch state.withLock({ $0.outcomes[itemID] }) {
            case .settled(let report): reports.append(report)
            case .failed(let error): throw error
            case nil:
                guard final else { return nil }
                reports.append(DeliveryReport())
            }
        }
        // A device has the message when it has every item of it (a long text's every part).
        func all(_ list: KeyPath<DeliveryReport, [String]>, _ device: String) -> Bool { reports.allSatisfy { $0[keyPath: list].contains(device) } }
        let devices = ticket.peerDevices + ticket.ownDevices
        let delivered = devices.filter { all(\.delivered, $0) }
        let stored = devices.filter { d in !delivered.contains(d) && reports.allSatisfy { $0.delivered.contains(d) || $0.stored.contains(d) } }
        let pending = devices.filter { !delivered.contains($0) && !stored.contains($0) }
        let peer = Set(ticket.peerDevices)
        let status: DeliveryStatus = delivered.contains(where: peer.contains) ? .delivered : stored.contains(where: peer.contains) ? .stored : .queued
        return SendResult(op: ticket.op == "text" ? nil : ticket.op, id: ticket.id, sid: ticket.sid, to: ticket.to, status: status.name,
                          delivered: delivered, stored: stored, pending: pending,
                          unconfirmed: ticket.heldBack.isEmpty ? nil : ticket.heldBack)
    }

    /// Waits until the result of `ticket` is known or `deadline` passes, then returns it
    /// (queued parts as queued).
    public func awaitResult(for ticket: SendTicket, until deadline: ContinuousClock.Instant) async throws -> SendResult {
        while true {
            let generation = changed.generation
            if let result = try result(for: ticket, final: false) { return result }
            let left = deadline - .now
            if left <= .zero || state.withLock({ $0.stopped }) { return try result(for: ticket, final: true)! }
            await changed.wait(after: generation, limit: min(left, .seconds(1)))
        }
    }

    /// Forgets the outcomes of a ticket that has been reported.
    public func forget(_ ticket: SendTicket) {
        state.withLock { state in
            for id in ticket.itemIDs {
                state.outcomes[id] = nil
                state.watched.remove(id)
            }
        }
    }
}
