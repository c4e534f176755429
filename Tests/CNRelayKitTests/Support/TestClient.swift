import Foundation
import NIOCore
import NIOPosix
import NIOHTTP1
import NIOWebSocket
import NIOSSL
import Crypto
import CNProtocol
import CNCrypto

/// What a test client receives.
enum Inbound: Sendable {
    case text([UInt8])
    case close(WebSocketErrorCode?)
}

/// Frames waiting to be read, in arrival order, and the reader waiting for them.
final class Inbox: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [Inbound] = []
    private var waiter: (id: Int, continuation: CheckedContinuation<Inbound?, Never>)?
    private var counter = 0

    func push(_ item: Inbound) {
        lock.lock()
        if let w = waiter {
            waiter = nil
            lock.unlock()
            w.continuation.resume(returning: item)
        } else {
            items.append(item)
            lock.unlock()
        }
    }

    func next(timeout: Duration) async -> Inbound? {
        await withCheckedContinuation { (cont: CheckedContinuation<Inbound?, Never>) in
            lock.lock()
            if !items.isEmpty {
                let item = items.removeFirst()
                lock.unlock()
                cont.resume(returning: item)
                return
            }
            counter += 1
            let id = counter
            waiter = (id, cont)
            lock.unlock()
            Task {
                try? await Task.sleep(for: timeout)
                self.expire(id)
            }
        }
    }

    private func expire(_ id: Int) {
        lock.lock()
        guard let w = waiter, w.id == id else {
            lock.unlock()
            return
        }
        waiter = nil
        lock.unlock()
        w.continuation.resume(returning: nil)
    }
}

/// A flag that lets exactly one caller through.
final class Once: @unchecked Sendable {
    private let lock = NSLock()
    private var taken = false
    func claim() -> Bool {
        lock.withLock {
            defer { taken = true }
            return !taken
        }
    }
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

/// A real WebSocket client over NIO for driving a relay in tests.
final class TestClient: @unchecked Sendable {
    let channel: any Channel
    let inbox: Inbox
    /// The device key pair this client authenticates with.
    let identity: P256.KeyAgreement.PrivateKey
    var publicKey: String { DevicePublicKey(identity.publicKey).base64 }

    private init(channel: any Channel, inbox: Inbox, identity: P256.KeyAgreement.PrivateKey) {
        self.channel = channel
        self.inbox = inbox
        self.identity = identity
    }

    static let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)

    /// Connects and completes the WebSocket handshake.
    static func connect(port: Int, host: String = "127.0.0.1", identity: P256.KeyAgreement.PrivateKey = .init(),
                        maxFrameSize: Int = 1 << 22, trustedCertificate: String? = nil) async throws -> TestClient {
        let tls = try trustedCertificate.map { pem in
            var config = TLSConfiguration.makeClientConfiguration()
            config.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(pem))
            return try NIOSSLContext(configuration: config)
        }
        let inbox = Inbox()
        let loop = group.next()
        // Completed once: by the upgrade, by the socket closing first, or by a timeout.
        let upgraded = loop.makePromise(of: Void.self)
        let once = Once()
        let finish: @Sendable (Result<Void, any Error>) -> Void = { result in
            if once.claim() { upgraded.completeWith(result) }
        }
        let channel = try await ClientBootstrap(group: loop)
            .channelInitializer { channel in
                let upgrader = NIOWebSocketClientUpgrader(maxFrameSize: maxFrameSize, automaticErrorHandling: false) { channel, _ in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(
                            NIOWebSocketFrameAggregator(minNonFinalFragmentSize: 0, maxAccumulatedFrameCount: 1000, maxAccumulatedFrameSize: maxFrameSize))
                        try channel.pipeline.syncOperations.addHandler(ClientFrameHandler(inbox: inbox))
                        finish(.success(()))
                    }
                }
                return channel.eventLoop.makeCompletedFuture {
                    if let tls {
                        try channel.pipeline.syncOperations.addHandler(NIOSSLClientHandler(context: tls, serverHostname: "localhost"))
                    }
                    try channel.pipeline.syncOperations.addHTTPClientHandlers(
                        withClientUpgrade: (upgraders: [upgrader], completionHandler: { _ in }))
                }
            }
            .connect(host: host, port: port).get()
        channel.closeFuture.whenComplete { _ in finish(.failure(TestFailure("closed before the WebSocket upgrade"))) }
        loop.scheduleTask(in: .seconds(15)) { finish(.failure(TestFailure("no WebSocket upgrade within 15 s"))) }
        var headers = HTTPHeaders()
        headers.add(name: "Host", value: "\(host):\(port)")
        headers.add(name: "Content-Length", value: "0")
        let head = HTTPRequestHead(version: .http1_1, method: .GET, uri: "/", headers: headers)
        channel.write(HTTPClientRequestPart.head(head), promise: nil)
        try await channel.writeAndFlush(HTTPClientRequestPart.end(nil)).get()
        do {
            try await upgraded.futureResult.get()
        } catch {
            try? await channel.close()
            throw error
        }
        return TestClient(channel: channel, inbox: inbox, identity: identity)
    }

    // MARK: Sending

    func sendText(_ text: String) async throws {
        try await sendRaw(Array(text.utf8))
    }

    func sendRaw(_ bytes: [UInt8], opcode: WebSocketOpcode = .text, fin: Bool = true) async throws {
        let frame = WebSocketFrame(fin: fin, opcode: opcode, maskKey: .random(), data: ByteBuffer(bytes: bytes))
        try await channel.writeAndFlush(frame).get()
    }

    func send(_ frame: ClientFrame) async throws {
        try await sendRaw(FrameCodec.encode(frame))
    }

    /// AUTH with `token`; returns the AUTH_SUCCESS data or throws with the answer.
    @discardableResult
    func auth(_ token: String, features: [String]? = nil) async throws -> AuthSuccess {
        try await send(.auth(AuthRequest(token: token, publicKey: publicKey, features: features)))
        guard case .authSuccess(let s) = try await next() else { throw TestFailure("no AUTH_SUCCESS") }
        return s
    }

    /// AUTH and read the whole post-AUTH sequence up to PENDING_REQUESTS.
    @discardableResult
    func login(_ token: String, features: [String]? = nil) async throws -> (sessions: [SessionEntry], pending: [PendingRequest]) {
        try await auth(token, features: features)
        var sessions: [SessionEntry] = []
        while true {
            switch try await next() {
            case .sessionList(let s): sessions = s
            case .pendingRequests(let p): return (sessions, p)
            default: continue
            }
        }
    }

    // MARK: Receiving

    /// The next frame other than the relay's heartbeat PING.
    func next(timeout: Duration = .seconds(15)) async throws -> RelayFrame {
        // One deadline for the whole wait: the relay's heartbeat PINGs must not extend it.
        let deadline = ContinuousClock.now + timeout
        while true {
            let left = deadline - ContinuousClock.now
            guard left > .zero, let item = await inbox.next(timeout: left) else { throw TestFailure("timed out waiting for a frame") }
            switch item {
            case .close(let code): throw TestFailure("socket closed (\(String(describing: code)))")
            case .text(let bytes):
                let frame = try FrameCodec.decodeRelayFrame(bytes)
                if frame == .ping { continue }
                return frame
            }
        }
    }

    /// The next raw item (text or close), heartbeat PINGs skipped.
    func nextRaw(timeout: Duration = .seconds(5)) async -> Inbound? {
        while true {
            guard let item = await inbox.next(timeout: timeout) else { return nil }
            if case .text(let b) = item, b == Array(#"{"t":"PING"}"#.utf8) { continue }
            return item
        }
    }

    /// Skips frames until one of `type` arrives.
    func expect(_ type: FrameType, timeout: Duration = .seconds(15)) async throws -> RelayFrame {
        let deadline = ContinuousClock.now + timeout
        while true {
            let left = deadline - ContinuousClock.now
            guard left > .zero else { throw TestFailure("timed out waiting for \(type.rawValue)") }
            let frame = try await next(timeout: left)
            if frame.type == type { return frame }
        }
    }

    /// The next frame must be an ERROR with `code`.
    func expectError(_ code: ErrorCode, timeout: Duration = .seconds(15)) async throws -> (id: String?, ErrorBody) {
        let frame = try await next(timeout: timeout)
        guard case .error(let id, let body) = frame, body.code == code else {
            throw TestFailure("expected ERROR \(code.rawValue), got \(frame)")
        }
        return (id, body)
    }

    /// Asserts that nothing but heartbeats arrives within `window`.
    func expectSilence(_ window: Duration = .milliseconds(300)) async throws {
        if let item = await nextRaw(timeout: window) { throw TestFailure("expected silence, got \(item)") }
    }

    /// Waits for the relay to close the socket; returns its close code.
    func expectClose(timeout: Duration = .seconds(15)) async throws -> WebSocketErrorCode? {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            guard let item = await inbox.next(timeout: deadline - ContinuousClock.now) else { break }
            if case .close(let code) = item { return code }
        }
        throw TestFailure("socket not closed")
    }

    func close() async {
        try? await channel.close()
    }
}

/// Collects frames into the inbox; answers pings, reports closes.
private final class ClientFrameHandler: ChannelInboundHandler {
    typealias InboundIn = WebSocketFrame
    let inbox: Inbox
    private var closeReported = false
    init(inbox: Inbox) { self.inbox = inbox }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        let inbox = self.inbox
        switch frame.opcode {
        case .text:
            let bytes = Array(frame.unmaskedData.readableBytesView)
            inbox.push(.text(bytes))
        case .connectionClose:
            var d = frame.unmaskedData
            let code = d.readWebSocketErrorCode()
            report(.close(code))
            context.close(promise: nil)
        default: break
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        report(.close(nil))
    }

    private func report(_ item: Inbound) {
        guard !closeReported else { return }
        closeReported = true
        inbox.push(item)
    }
}
