import CoreMetrics
import Logging
import NIOCore
import CNProtocol
import CNCrypto

extension RelayHub {
    /// The checks MSG and RTC_* share, in PROTOCOL §5.6's order: sid shape, rate, shape,
    /// non-empty payloads, total size, membership. Answers the error itself; returns the
    /// sid, the other member and the payloads when the frame may be routed.
    private func admitRouted(_ conn: RelayConnection, _ scan: RoutedFrameScanner.Result, needsTarget: Bool)
        -> (session: RelayConnection.Session, sid: String, peer: String, payloads: [RoutedFrameScanner.Payload])?
    {
        let id = scan.id.value.flatMap { $0.utf8.count <= ProtocolLimits.maxFrameIDLength ? $0 : nil }
        guard let session = conn.session else {
            reply(conn, .authRequired, id: id)
            return nil
        }
        guard case .value(let sid) = scan.sid else {
            badFrame(conn, id: id)
            return nil
        }
        guard sid.utf8.count <= ProtocolLimits.maxSidLength else {
            reply(conn, .tooLarge, id: id)
            return nil
        }
        guard conn.messageBucket.take(now: .now()) else {
            reply(conn, .rateLimited, id: id)
            return nil
        }
        let priorityOK: Bool = switch scan.priority {
        case .absent, .null: true
        case .value(let p): (0...2).contains(p)
        case .wrongType: false
        }
        guard priorityOK, !scan.id.isWrongType, !scan.confirm.isWrongType, !scan.payloadsMalformed,
              let payloads = scan.payloads, !needsTarget || scan.targetPubKey.value != nil else {
            badFrame(conn, id: id)
            return nil
        }
        guard !payloads.isEmpty else {
            badFrame(conn, id: id, message: "No payloads")
            return nil
        }
        guard scan.payloadBytes <= ProtocolLimits.maxMessagePayloadCharacters,
              (scan.id.value?.utf8.count ?? 0) <= ProtocolLimits.maxFrameIDLength else {
            reply(conn, .tooLarge, id: id)
            return nil
        }
        guard let peer = peer(of: session, in: sid) else {
            reply(conn, .notFriends, id: id)
            return nil
        }
        return (session, sid, peer, payloads)
    }

    /// MSG (PROTOCOL §5.6): each payload goes only to the sockets of the device it is keyed
    /// by, if that device belongs to a member; an offline member device gets it through the
    /// mailbox. No store access here but the queued mailbox write.
    func routeMessage(_ conn: RelayConnection, _ buffer: ByteBuffer, _ scan: RoutedFrameScanner.Result) {
        guard let (session, sid, peer, payloads) = admitRouted(conn, scan, needsTarget: false) else { return }
        let id = scan.id.value
        let priority = scan.priority.value
        var report = DeliveryReport()
        var reachedOther = false
        var receivedAt: Int64?
        // "stored" is said only once the mailbox write has committed: a sender drops what the
        // relay says it stored, so a relay killed before the write must not have said it.
        let confirm = scan.confirm.value == true
        let pending = PendingDelivery()

        for payload in payloads {
            let key = payload.key
            let owner: String
            // `devices` holds every device that ever authenticated, online or not.
            if devices[session.account]?[key] != nil {
                owner = session.account
            } else if peer != session.account, devices[peer]?[key] != nil {
                owner = peer
            } else {
                continue  // keyed by nobody in the conversation: dropped
            }
            // "Other" is the peer, or in the self conversation another own device.
            let isOther = owner != session.account || (peer == session.account && key != session.device)
            let sockets = (online[owner]?[key] ?? []).filter { $0 !== conn && !$0.closed }
            if !sockets.isEmpty {
                let frame = relayedFrame(kind: "MSG", sid: sid, id: id, priority: priority, target: nil, session: session,
                                         key: key, buffer: buffer, token: payload.token, queued: nil)
                for socket in sockets { send(frame, to: socket) }
                report.delivered.append(key)
                reachedOther = reachedOther || isOther
                metrics.messagesRelayed.increment()
            } else if key == session.device {
                continue  // the sender's own device, and no other socket of it: nothing to do
            } else if config.mailboxEnabled {
                let at = receivedAt ?? WallClock.milliseconds()
                receivedAt = at
                var committed: (@Sendable (Bool) -> Void)?
                if confirm {
                    committed = { [self] ok in
                        self.onLoop { self.mailboxCommitted(pending, key: key, stored: ok, other: isOther, sid: sid, id: id, conn: conn) }
                    }
                }
                if storeInMailbox(owner: owner, device: key, sid: sid, id: id, priority: priority, session: session,
                                  payload: buffer.getBytes(at: buffer.readerIndex + payload.token.lowerBound, length: payload.token.count) ?? [],
                                  receivedAt: at, committed: committed) {
                    pending.waiting += 1
                } else {
                    report.offline.append(key)
                }
            } else {
                report.offline.append(key)
            }
        }
        guard confirm else { return }
        pending.report = report
        pending.reachedOther = reachedOther
        pending.routed = true
        if pending.isComplete { send(deliveryFrame(delivered: reachedOther, sid: sid, id: id, report: report), to: conn) }
    }

    /// A mailbox write of a confirmed MSG answered: the DELIVERED goes once all have.
    private func mailboxCommitted(_ pending: PendingDelivery, key: String, stored: Bool, other: Bool, sid: String, id: String?,
                                  conn: RelayConnection) {
        pending.settle(key, stored: stored, other: other)
        if pending.isComplete { send(deliveryFrame(delivered: pending.reachedOther, sid: sid, id: id, report: pending.report), to: conn) }
    }

    /// RTC_OFFER / RTC_ANSWER / RTC_ICE (PROTOCOL §5.9): same checks as MSG, routed live
    /// to `targetPubKey`'s sockets only.
    func routeSignal(_ conn: RelayConnection, _ buffer: ByteBuffer, _ scan: RoutedFrameScanner.Result, kind: RTCKind) {
        guard let (session, sid, peer, payloads) = admitRouted(conn, scan, needsTarget: true),
              let target = scan.targetPubKey.value else { return }
        guard let payload = payloads.first(where: { $0.key == target }) else {
            return badFrame(conn, id: scan.id.value, message: "No payload for targetPubKey")
        }
        let owner = online[peer]?[target] != nil ? peer : session.account
        let sockets = (online[owner]?[target] ?? []).filter { $0 !== conn && !$0.closed }
        if !sockets.isEmpty {
            let frame = relayedFrame(kind: kind.rawValue, sid: sid, id: scan.id.value, priority: scan.priority.value, target: target,
                                     session: session, key: target, buffer: buffer, token: payload.token, queued: nil)
            for socket in sockets { send(frame, to: socket) }
            metrics.messagesRelayed.increment()
        }
        guard scan.confirm.value == true else { return }
        let report = sockets.isEmpty ? DeliveryReport(offline: [target]) : DeliveryReport(delivered: [target])
        send(deliveryFrame(delivered: !sockets.isEmpty, sid: sid, id: scan.id.value, report: report), to: conn)
    }

    /// DELIVERED / DELIVERED_FAILED written by hand: with `c` on every message, encoding
    /// it with JSONEncoder was 41% of the relay's CPU (Benchmarks/README.md). The same
    /// bytes as `FrameCodec.encode(.delivered(…))` up to key order; the tests decode it.
    func deliveryFrame(delivered: Bool, sid: String, id: String?, report: DeliveryReport) -> ByteBuffer {
        var out = ByteBuffer()
        out.reserveCapacity(120 + sid.utf8.count + (id?.utf8.count ?? 0) + 92 * (report.delivered.count + report.stored.count + report.offline.count))
        out.writeStaticString(delivered ? "{\"t\":\"DELIVERED\",\"sid\":" : "{\"t\":\"DELIVERED_FAILED\",\"sid\":")
        out.writeJSONString(sid)
        if let id {
            out.writeStaticString(",\"id\":")
            out.writeJSONString(id)
        }
        out.writeStaticString(",\"data\":{\"delivered\":")
        out.writeJSONStringArray(report.delivered)
        out.writeStaticString(",\"stored\":")
        out.writeJSONStringArray(report.stored)
        out.writeStaticString(",\"offline\":")
        out.writeJSONStringArray(report.offline)
        out.writeStaticString("}}")
        return out
    }

    /// Assembles a relayed frame from the scanned bytes: the payload's JSON string token
    /// is copied verbatim, never decoded or re-encoded.
    func relayedFrame(kind: String, sid: String, id: String?, priority: Int?, target: String?, session: RelayConnection.Session,
                      key: String, buffer: ByteBuffer, token: Range<Int>, queued: Int64?) -> ByteBuffer {
        let slice = buffer.getSlice(at: buffer.readerIndex + token.lowerBound, length: token.count)!
        return relayedFrame(kind: kind, sid: sid, id: id, priority: priority, target: target, senderHash: session.account,
                            senderKey: session.device, key: key, token: slice, queuedAt: queued)
    }

    func relayedFrame(kind: String, sid: String, id: String?, priority: Int?, target: String?, senderHash: String, senderKey: String,
                      key: String, token: ByteBuffer, queuedAt: Int64?) -> ByteBuffer {
        // sid, target, sender and key are the relay's own validated values (a member sid,
        // registered canonical base64 keys, hex hashes): written unescaped. `id` is the client's.
        var out = ByteBuffer()
        out.reserveCapacity(160 + sid.utf8.count + key.utf8.count * 2 + senderHash.utf8.count + token.readableBytes + (id?.utf8.count ?? 0))
        out.writeStaticString("{\"t\":\"")
        out.writeString(kind)
        out.writeStaticString("\",\"sid\":")
        out.writeJSONSafeString(sid)
        if let id {
            out.writeStaticString(",\"id\":")
            out.writeJSONString(id)
        }
        if let priority {
            out.writeStaticString(",\"p\":")
            out.writeString(String(priority))
        }
        if let target {
            out.writeStaticString(",\"targetPubKey\":")
            out.writeJSONSafeString(target)
        }
        out.writeStaticString(",\"sh\":")
        out.writeJSONSafeString(senderHash)
        out.writeStaticString(",\"spk\":")
        out.writeJSONSafeString(senderKey)
        if let queuedAt {
            out.writeStaticString(",\"q\":true,\"ts\":")
            out.writeString(String(queuedAt))
        }
        out.writeStaticString(",\"data\":{\"payloads\":{")
        out.writeJSONSafeString(key)
        out.writeStaticString(":")
        out.writeImmutableBuffer(token)
        out.writeStaticString("}}}")
        return out
    }

    // MARK: Mailbox (PROTOCOL §5.10)

    /// Queues a payload for an offline device if its mailbox has room.
    private func storeInMailbox(owner: String, device: String, sid: String, id: String?, priority: Int?, session: RelayConnection.Session,
                                payload: [UInt8], receivedAt: Int64, committed: (@Sendable (Bool) -> Void)?) -> Bool {
        let slot = MailboxSlot(account: owner, device: device)
        var usage = mailboxUsage[slot] ?? MailboxUsage()
        guard usage.items + 1 <= config.mailboxMaxItems, usage.bytes + payload.count <= config.mailboxMaxBytes else {
            metrics.mailboxRefused.increment()
            return false
        }
        usage.items += 1
        usage.bytes += payload.count
        mailboxUsage[slot] = usage
        let size = payload.count
        store.storeMailboxItem(slot: slot, item: MailboxItem(
            seq: 0, messageID: id ?? newID(), sid: sid, senderHash: session.account, senderKey: session.device,
            priority: priority, payload: payload, receivedAt: receivedAt)) { [self] in
            // A resend of an id the device already holds: stored once, counted once.
            onLoop { self.subtractMailboxUsage([slot: MailboxUsage(items: 1, bytes: size)]) }
        } committed: { [self] ok in
            // A write that failed holds nothing: its room in the quota is given back.
            if !ok { onLoop { self.subtractMailboxUsage([slot: MailboxUsage(items: 1, bytes: size)]) } }
            committed?(ok)
        }
        metrics.mailboxStored.increment()
        return true
    }

    /// Sends a device its stored items, a page at a time: the next page is read only once
    /// the previous one has been written, so a large mailbox never floods the socket's queue.
    func drainMailbox(_ conn: RelayConnection) {
        guard config.mailboxEnabled, let session = conn.session, !conn.mailboxDraining, !conn.closed else { return }
        let slot = MailboxSlot(account: session.account, device: session.device)
        guard (mailboxUsage[slot]?.items ?? 0) > 0 else { return }
        conn.mailboxDraining = true
        let after = conn.mailboxCursor
        let notBefore = (WallClock.seconds() - config.mailboxTTL) * 1000
        Task { [self] in
            let page: [MailboxItem]
            do {
                page = try await store.mailboxPage(slot: slot, after: after, notBefore: notBefore, maxItems: 256, maxBytes: 1 << 20)
            } catch {
                logger.error("mailbox read failed", metadata: ["error": "\(error)"])
                page = []
            }
            onLoop { [self] in
                conn.mailboxDraining = false
                guard !conn.closed, !page.isEmpty, let session = conn.session else { return }
                conn.mailboxCursor = page.last!.seq
                let written = loop.makePromise(of: Void.self)
                for (index, item) in page.enumerated() {
                    let frame = relayedFrame(kind: "MSG", sid: item.sid, id: item.messageID, priority: item.priority, target: nil,
                                             senderHash: item.senderHash, senderKey: item.senderKey, key: session.device,
                                             token: ByteBuffer(bytes: item.payload), queuedAt: item.receivedAt)
                    send(frame, to: conn, promise: index == page.count - 1 ? written : nil)
                }
                let acknowledges = session.acknowledges
                written.futureResult.whenSuccess { [self] in
                    // A client without "ack" (the original app) has them once written.
                    if !acknowledges { deleteFromMailbox(slot, ids: page.map(\.messageID)) }
                    drainMailbox(conn)
                }
            }
        }
    }

    /// ACK: the device has stored these items; they are deleted. Unknown ids are ignored.
    func acknowledge(_ conn: RelayConnection, _ session: RelayConnection.Session, _ ids: [String], id: String?) {
        guard ids.count <= 1_000 else { return reply(conn, .tooLarge, id: id) }
        // "Limited like MSG" (PROTOCOL §5.10): each ACK is store work.
        guard conn.messageBucket.take(now: .now()) else { return reply(conn, .rateLimited, id: id) }
        guard config.mailboxEnabled, !ids.isEmpty else { return }
        deleteFromMailbox(MailboxSlot(account: session.account, device: session.device), ids: ids)
    }

    private func deleteFromMailbox(_ slot: MailboxSlot, ids: [String]) {
        Task { [self] in
            do {
                let freed = try await store.deleteMailboxItems(slot: slot, messageIDs: ids)
                onLoop { self.subtractMailboxUsage([slot: freed]) }
            } catch {
                logger.error("mailbox delete failed", metadata: ["error": "\(error)"])
            }
        }
    }

    /// After a block: what the blocked user left in the blocker's mailboxes is deleted.
    func purgeMailbox(of account: String, from sender: String) {
        guard config.mailboxEnabled else { return }
        Task { [self] in
            do {
                let freed = try await store.purgeMailbox(account: account, sender: sender)
                onLoop { self.subtractMailboxUsage(freed) }
            } catch {
                logger.error("mailbox purge failed", metadata: ["error": "\(error)"])
            }
        }
    }

    /// Takes freed items out of the in-memory usage (never below zero).
    func subtractMailboxUsage(_ freed: [MailboxSlot: MailboxUsage]) {
        for (slot, f) in freed {
            guard var usage = mailboxUsage[slot] else { continue }
            usage.items = max(0, usage.items - f.items)
            usage.bytes = max(0, usage.bytes - f.bytes)
            mailboxUsage[slot] = usage.items == 0 ? nil : usage
        }
    }
}

/// The DELIVERED of one MSG while its mailbox writes commit: sent when the routing is done
/// and every write has answered (a failed write turns its device from stored to offline).
/// Confined to the hub's event loop.
final class PendingDelivery: @unchecked Sendable {
    var report = DeliveryReport()
    var reachedOther = false
    /// Mailbox writes not yet answered.
    var waiting = 0
    /// The routing loop has finished (the live and offline keys are in the report).
    var routed = false
    private var storedOther = false

    var isComplete: Bool { routed && waiting == 0 }

    func settle(_ key: String, stored: Bool, other: Bool) {
        waiting -= 1
        if stored {
            report.stored.append(key)
            if other { reachedOther = true }
        } else {
            report.offline.append(key)
        }
    }
}
