import CNCrypto
import CNProtocol
import Crypto
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOWebSocket

/// Why a load step failed.
struct LoadError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// One benchmark identity: an account (e-mail), one device key and a session token.
struct Identity: Sendable {
    let email: EmailAddress
    let deviceKey: String
    let token: String

    /// A fresh device key pair (`P256.KeyAgreement.PrivateKey()`), a token minted with the relay's secret.
    init(email: EmailAddress, authority: SessionTokenAuthority) {
        self.email = email
        deviceKey = DevicePublicKey(P256.KeyAgreement.PrivateKey().publicKey).base64
        token = authority.mint(email: email, days: 1)
    }
}

/// One WebSocket to the relay.
///
/// Everything mutable is touched only on the process's single event loop (hence
/// `@unchecked Sendable`: the object crosses into future callbacks that run on that loop).
final class Peer: @unchecked Sendable {
    /// What the peer does with incoming text frames.
    enum Mode {
        /// Decode every frame with `FrameCodec` and hand it to `expect` (setup phases).
        case setup
        /// Count relayed MSG frames through `onMessage`; answer PING; note ERRORs; ignore the rest.
        case fast
        /// Answer PING, note ERRORs, ignore the rest (held idle connections).
        case idle
    }

    let identity: Identity
    let loop: any EventLoop
    /// Set once the TCP connection is up (before any frame can arrive).
    private(set) var channel: (any Channel)?

    // MARK: Loop-only state
    var mode: Mode = .setup
    /// Called for every relayed MSG in `.fast` mode.
    var onMessage: (() -> Void)?
    /// ERROR frames received outside `.setup` (the first one's text is kept).
    private(set) var errorCount = 0
    private(set) var firstError: String?
    private(set) var isClosed = false
    private var queue: [RelayFrame] = []
    private var waiter: (type: FrameType, promise: EventLoopPromise<RelayFrame>, timeout: Scheduled<Void>)?
    private var needsFlush = false
    let flusher: Flusher

    private init(identity: Identity, loop: any EventLoop, flusher: Flusher) {
        self.identity = identity
        self.loop = loop
        self.flusher = flusher
    }

    // MARK: Connecting

    /// Connects (from `source` if given), performs the WebSocket upgrade (the GET request is
    /// written here, as swift-nio's client example does), and returns the peer.
    static func connect(identity: Identity, loop: any EventLoop, flusher: Flusher, host: String, port: Int,
                        source: SocketAddress?, timeout: TimeAmount) -> EventLoopFuture<Peer> {
        let peer = Peer(identity: identity, loop: loop, flusher: flusher)
        let upgraded = loop.makePromise(of: Void.self)
        var bootstrap = ClientBootstrap(group: loop)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .connectTimeout(timeout)
            .channelInitializer { channel in
                let upgrader = NIOWebSocketClientUpgrader(maxFrameSize: ProtocolLimits.maxFrameBytes, automaticErrorHandling: true) { channel, _ in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(PeerHandler(peer: peer))
                        upgraded.succeed()
                    }
                }
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers(
                        withClientUpgrade: (upgraders: [upgrader], completionHandler: { _ in }))
                }
            }
        if let source { bootstrap = bootstrap.bind(to: source) }
        let deadline = loop.scheduleTask(in: timeout) {
            upgraded.fail(LoadError("WebSocket upgrade timed out"))
        }
        return bootstrap.connect(host: host, port: port).flatMap { channel in
            peer.channel = channel
            channel.closeFuture.whenComplete { _ in
                upgraded.fail(LoadError("connection closed before the upgrade"))
            }
            var headers = HTTPHeaders()
            headers.add(name: "Host", value: "\(host):\(port)")
            headers.add(name: "Content-Length", value: "0")
            let head = HTTPRequestHead(version: .http1_1, method: .GET, uri: "/", headers: headers)
            channel.write(HTTPClientRequestPart.head(head), promise: nil)
            channel.writeAndFlush(HTTPClientRequestPart.end(nil), promise: nil)
            return upgraded.futureResult
        }.always { _ in
            deadline.cancel()
        }.flatMapError { error in
            // Never leave a half-open socket behind a failed attempt.
            peer.channel?.close(promise: nil)
            return loop.makeFailedFuture(error)
        }.map { peer }
    }

    // MARK: Sending

    /// Queues a masked text frame; `flushIfNeeded()` (or the flusher) sends it.
    func write(_ bytes: [UInt8]) {
        write(Peer.frameBuffer(bytes, allocator: channel?.allocator ?? ByteBufferAllocator()))
    }

    /// Queues a masked text frame whose buffer has header room in front (see `frameBuffer`).
    func write(_ buffer: ByteBuffer) {
        guard let channel, !isClosed else { return }
        channel.write(WebSocketFrame(fin: true, opcode: .text, maskKey: .random(), data: buffer), promise: nil)
        if !needsFlush {
            needsFlush = true
            flusher.add(self)
        }
    }

    /// Sends a frame encoded with CNProtocol's `FrameCodec`, flushed now.
    func send(_ frame: ClientFrame) {
        write(FrameCodec.encode(frame))
        flushIfNeeded()
    }

    func flushIfNeeded() {
        guard needsFlush else { return }
        needsFlush = false
        channel?.flush()
    }

    /// A buffer holding `bytes` with 14 bytes of head room, uniquely owned, so that the
    /// frame encoder masks it in place and prepends the header without a copy.
    static func frameBuffer(_ bytes: [UInt8], allocator: ByteBufferAllocator) -> ByteBuffer {
        var buffer = allocator.buffer(capacity: bytes.count + 14)
        buffer.moveWriterIndex(forwardBy: 14)
        buffer.moveReaderIndex(forwardBy: 14)
        buffer.writeBytes(bytes)
        return buffer
    }

    func close() -> EventLoopFuture<Void> {
        guard let channel else { return loop.makeSucceededVoidFuture() }
        return channel.close().recover { _ in }
    }

    // MARK: Setup-phase reading

    /// Waits for the next frame of `type` (frames before it are skipped); an ERROR before
    /// it, a close or the timeout fails. Call on the loop.
    func expect(_ type: FrameType, timeout: TimeAmount = .seconds(30)) -> EventLoopFuture<RelayFrame> {
        loop.preconditionInEventLoop()
        precondition(waiter == nil, "one expect at a time")
        while !queue.isEmpty {
            let frame = queue.removeFirst()
            if frame.type == type { return loop.makeSucceededFuture(frame) }
            if case .error(_, let body) = frame {
                return loop.makeFailedFuture(LoadError("waiting for \(type.rawValue): ERROR \(body.code.rawValue) \(body.message)"))
            }
        }
        if isClosed { return loop.makeFailedFuture(LoadError("waiting for \(type.rawValue): socket closed")) }
        let promise = loop.makePromise(of: RelayFrame.self)
        let scheduled = loop.scheduleTask(in: timeout) { [self] in
            guard let w = waiter, w.promise.futureResult === promise.futureResult else { return }
            waiter = nil
            w.promise.fail(LoadError("timed out waiting for \(type.rawValue)"))
        }
        waiter = (type, promise, scheduled)
        return promise.futureResult
    }

    /// AUTH with this peer's token and key; completes at PENDING_REQUESTS, the last frame
    /// of the post-AUTH sequence (PROTOCOL §3).
    func authenticate(timeout: TimeAmount) -> EventLoopFuture<Void> {
        send(.auth(AuthRequest(token: identity.token, publicKey: identity.deviceKey)))
        return expect(.authSuccess, timeout: timeout)
            .flatMap { _ in self.expect(.pendingRequests, timeout: timeout) }
            .map { _ in }
    }

    // MARK: Inbound (called by PeerHandler on the loop)

    fileprivate func received(_ data: ByteBuffer) {
        switch mode {
        case .fast, .idle:
            // The relay writes relayed frames as {"t":"MSG",… and its own as {"t":"<TYPE>"…
            let view = data.readableBytesView
            if view.starts(with: Peer.msgPrefix) {
                onMessage?()
            } else if view.starts(with: Peer.pingPrefix) {
                write(Peer.pongFrame)
                flushIfNeeded()
            } else if view.starts(with: Peer.errorPrefix) {
                errorCount += 1
                if firstError == nil { firstError = String(decoding: view, as: UTF8.self) }
            }
        case .setup:
            let frame: RelayFrame
            do {
                frame = try FrameCodec.decodeRelayFrame(data.readableBytesView)
            } catch {
                errorCount += 1
                if firstError == nil { firstError = "undecodable frame: \(String(decoding: data.readableBytesView, as: UTF8.self))" }
                return
            }
            if frame == .ping {
                send(.pong)
                return
            }
            guard let w = waiter else {
                queue.append(frame)
                return
            }
            if frame.type == w.type {
                waiter = nil
                w.timeout.cancel()
                w.promise.succeed(frame)
            } else if case .error(_, let body) = frame {
                waiter = nil
                w.timeout.cancel()
                w.promise.fail(LoadError("waiting for \(w.type.rawValue): ERROR \(body.code.rawValue) \(body.message)"))
            }
        }
    }

    fileprivate func closed() {
        guard !isClosed else { return }
        isClosed = true
        if let w = waiter {
            waiter = nil
            w.timeout.cancel()
            w.promise.fail(LoadError("waiting for \(w.type.rawValue): socket closed"))
        }
    }

    /// Drops frames queued during setup. Loop only.
    func dropQueue() { queue.removeAll() }

    private static let pongFrame = FrameCodec.encode(ClientFrame.pong)
    private static let msgPrefix = Array(#"{"t":"MSG","#.utf8)
    private static let pingPrefix = Array(#"{"t":"PING"}"#.utf8)
    private static let errorPrefix = Array(#"{"t":"ERROR""#.utf8)
}

/// Peers written to since the last flush: flushed once per read batch (one syscall per
/// socket per batch instead of one per frame). Loop-only.
final class Flusher: @unchecked Sendable {
    private var pending: [Peer] = []

    func add(_ peer: Peer) { pending.append(peer) }

    func flushAll() {
        guard !pending.isEmpty else { return }
        let batch = pending
        pending.removeAll(keepingCapacity: true)
        for peer in batch { peer.flushIfNeeded() }
    }
}

/// The last handler of an upgraded client socket.
private final class PeerHandler: ChannelInboundHandler {
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    private let peer: Peer
    init(peer: Peer) { self.peer = peer }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        switch frame.opcode {
        case .text:
            peer.received(frame.unmaskedData)
        case .ping:
            let pong = WebSocketFrame(fin: true, opcode: .pong, maskKey: .random(), data: frame.unmaskedData)
            context.writeAndFlush(wrapOutboundOut(pong), promise: nil)
        case .connectionClose:
            peer.closed()
            context.close(promise: nil)
        default:
            break
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        // This read batch may have queued frames on other sockets too (the throughput
        // window refills the sender when its receiver reads): send them all now.
        peer.flusher.flushAll()
        context.fireChannelReadComplete()
    }

    func channelInactive(context: ChannelHandlerContext) {
        peer.closed()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        peer.closed()
        context.close(promise: nil)
    }
}
