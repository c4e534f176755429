import CoreMetrics
import NIOCore
import NIOWebSocket
import Logging
import CNProtocol
import CNCrypto

/// The relay's working state and every frame handler.
///
/// All of it lives on one event loop: the routing table, friendships, blocks, pending
/// requests and notifications are plain dictionaries touched only there, so the live
/// message path takes no lock and does no I/O beyond the sockets. Durable changes are
/// written through to ``RelayStore`` on its own queue (DESIGN §5). One loop is also the
/// measured fastest layout on a small machine (BUILDING.md: two loops cost 1.5–2.5×
/// more CPU per message with no throughput gain).
final class RelayHub: @unchecked Sendable {
    let loop: any EventLoop
    let config: RelayConfiguration
    let store: RelayStore
    let tokens: SessionTokenAuthority
    let identityTokens: IdentityTokenVerifier?
    let logger: Logger
    let metrics: RelayMetrics
    let tags: ConnectionLogTags

    /// A device of an account as the relay knows it.
    struct Device {
        var firstSeen: Int64
        var lastActive: Int64
    }

    // MARK: State (event loop only)
    var emails: [String: String] = [:]
    var devices: [String: [String: Device]] = [:]
    /// account → device key → sockets.
    var online: [String: [String: [RelayConnection]]] = [:]
    /// account → peer account → sid.
    var friends: [String: [String: String]] = [:]
    /// sid → the two members.
    var conversations: [String: (String, String)] = [:]
    /// blocker → blocked accounts.
    var blocks: [String: Set<String>] = [:]
    /// target → sender → request.
    var requests: [String: [String: StoredRequest]] = [:]
    var notifications: [String: [OfflineNotification]] = [:]
    var mailboxUsage: [MailboxSlot: MailboxUsage] = [:]
    var connections: [ObjectIdentifier: RelayConnection] = [:]
    var flushList: [RelayConnection] = []
    var authAttempts = KeyedWindowLimiter(limit: 10, window: .minutes(1))
    var keyLookups = KeyedWindowLimiter(limit: 30, window: .minutes(1))
    var friendRequestsSent = KeyedWindowLimiter(limit: 20, window: .hours(1))
    /// BLOCK_USER / UNBLOCK_USER per account: each can notify someone else.
    var blockChanges = KeyedWindowLimiter(limit: 30, window: .minutes(1))
    var timers: [RepeatedTask] = []
    /// Devices an account may have active (within 30 days) at once.
    static let maxDevicesPerAccount = 32
    var shuttingDown = false

    init(loop: any EventLoop, config: RelayConfiguration, store: RelayStore, state: StoredState, secret: [UInt8],
         identityTokens: IdentityTokenVerifier?, logger: Logger, metrics: RelayMetrics) {
        self.loop = loop
        self.config = config
        self.store = store
        self.tokens = SessionTokenAuthority(secret: secret)
        self.identityTokens = identityTokens
        self.logger = logger
        self.metrics = metrics
        self.tags = ConnectionLogTags(secret: secret)
        emails = state.accounts
        for d in state.devices {
            devices[d.account, default: [:]][d.key] = Device(firstSeen: d.firstSeen, lastActive: d.lastActive)
        }
        for f in state.friendships {
            friends[f.a, default: [:]][f.b] = f.sid
            friends[f.b, default: [:]][f.a] = f.sid
            conversations[f.sid] = (f.a, f.b)
        }
        for r in state.requests { requests[r.targetHash, default: [:]][r.senderHash] = r }
        for b in state.blocks { blocks[b.blocker, default: []].insert(b.blocked) }
        for n in state.notifications { notifications[n.account, default: []].append(n.notification) }
        mailboxUsage = state.mailboxUsage
    }

    // MARK: Timers

    /// Starts the heartbeat and the expiry sweep.
    func startTimers() {
        loop.assertInEventLoop()
        let beat = TimeAmount.seconds(config.heartbeatInterval)
        timers.append(loop.scheduleRepeatedTask(initialDelay: beat, delay: beat) { [self] _ in heartbeat() })
        let sweepEvery = TimeAmount.seconds(config.sweepInterval)
        timers.append(loop.scheduleRepeatedTask(initialDelay: sweepEvery, delay: sweepEvery) { [self] _ in sweep() })
    }

    /// PINGs every socket; closes those silent for longer than the timeout.
    func heartbeat() {
        let now = NIODeadline.now()
        let silence = TimeAmount.seconds(config.silenceTimeout)
        let ping = encoded(.ping)
        for conn in connections.values {
            if now - conn.lastHeard > silence {
                conn.close(code: .goingAway)
            } else {
                send(ping, to: conn)
            }
        }
        flush()
        authAttempts.prune(now: now)
        keyLookups.prune(now: now)
        friendRequestsSent.prune(now: now)
        blockChanges.prune(now: now)
        // Sockets that upgraded but never authenticated get a minute.
        let authWindow = TimeAmount.seconds(config.authenticationTimeout)
        for conn in connections.values where conn.session == nil && !conn.authenticating && now - conn.openedAt > authWindow {
            conn.close(code: .policyViolation)
        }
    }

    /// Drops expired requests, notifications and mailbox items, here and in the store.
    func sweep() {
        let now = WallClock.seconds()
        let retention = ProtocolLimits.pendingRetentionDays * 86_400
        for (target, bySender) in requests {
            requests[target] = bySender.filter { $0.value.created >= now - retention }
        }
        for (account, list) in notifications {
            notifications[account] = list.filter { $0.created >= now - retention }
        }
        let config = self.config
        Task { [self] in
            do {
                let expired = try await store.sweep(now: now, pendingRetention: retention, mailboxTTL: config.mailboxTTL,
                                                    logRetention: config.connectionLogRetention)
                loop.execute { self.subtractMailboxUsage(expired) }
            } catch {
                logger.error("sweep failed", metadata: ["error": "\(error)"])
            }
        }
    }

    // MARK: Sockets

    /// A socket finished its WebSocket upgrade.
    func connectionOpened(_ conn: RelayConnection) {
        connections[ObjectIdentifier(conn)] = conn
        metrics.connections.increment()
        if shuttingDown { conn.close(code: .goingAway) }
    }

    /// A socket closed: unregister it and tell the peers if its device went offline.
    func connectionClosed(_ conn: RelayConnection) {
        conn.closed = true
        guard connections.removeValue(forKey: ObjectIdentifier(conn)) != nil else { return }
        metrics.connections.decrement()
        guard let session = conn.session else { return }
        var sockets = online[session.account]?[session.device] ?? []
        sockets.removeAll { $0 === conn }
        let now = WallClock.seconds()
        let log = (tags.account.tag(session.account), tags.ip.tag(conn.remoteIP), tags.device.tag(session.device))
        if sockets.isEmpty {
            online[session.account]?[session.device] = nil
            if online[session.account]?.isEmpty == true { online[session.account] = nil }
            devices[session.account]?[session.device]?.lastActive = now
            let first = devices[session.account]?[session.device]?.firstSeen ?? now
            store.recordDisconnect(account: session.account, device: session.device, firstSeen: first, at: now, log: log)
            announceDeviceOffline(session)
        } else {
            online[session.account]?[session.device] = sockets
            store.logConnection(at: now, event: "close", account: log.0, ip: log.1, device: log.2)
        }
        flush()
    }

    /// Closes every socket with 1001 (going away) for a graceful shutdown.
    func shutdown() {
        shuttingDown = true
        timers.forEach { $0.cancel() }
        for conn in connections.values { conn.close(code: .goingAway) }
    }

    // MARK: Output

    /// Encodes a frame (Codable; not the hot path).
    func encoded(_ frame: RelayFrame) -> ByteBuffer {
        ByteBuffer(bytes: FrameCodec.encode(frame))
    }

    /// Queues a frame on a socket; ``flush()`` sends it.
    func send(_ buffer: ByteBuffer, to conn: RelayConnection, promise: EventLoopPromise<Void>? = nil) {
        conn.write(buffer, promise: promise)
        if !conn.needsFlush {
            conn.needsFlush = true
            flushList.append(conn)
        }
    }

    func send(_ frame: RelayFrame, to conn: RelayConnection) {
        send(encoded(frame), to: conn)
    }

    /// Sends to every socket of an account, rendering the frame per device.
    func sendToAccount(_ account: String, _ render: (String) -> RelayFrame?) {
        for (device, sockets) in online[account] ?? [:] {
            guard let frame = render(device) else { continue }
            let buffer = encoded(frame)
            for conn in sockets { send(buffer, to: conn) }
        }
    }

    /// Flushes every socket written to since the last flush: one syscall per socket per
    /// read batch instead of one per frame.
    func flush() {
        for conn in flushList {
            conn.needsFlush = false
            if !conn.closed { conn.channel.flush() }
        }
        flushList.removeAll(keepingCapacity: true)
    }

    /// Runs `body` on the loop and flushes afterwards (for store completions).
    func onLoop(_ body: @escaping @Sendable () -> Void) {
        loop.execute { [self] in
            body()
            flush()
        }
    }

    func reply(_ conn: RelayConnection, _ code: ErrorCode, id: String? = nil, message: String? = nil) {
        metrics.errors(code).increment()
        send(.error(code, id: id, message: message), to: conn)
    }
}

/// Keyed tags for the connection log, one key per kind of identity.
struct ConnectionLogTags: Sendable {
    let account: KeyedTag
    let ip: KeyedTag
    let device: KeyedTag

    init(secret: [UInt8]) {
        account = KeyedTag(secret: secret, purpose: "cn-relay connection log: account")
        ip = KeyedTag(secret: secret, purpose: "cn-relay connection log: ip")
        device = KeyedTag(secret: secret, purpose: "cn-relay connection log: device")
    }
}
