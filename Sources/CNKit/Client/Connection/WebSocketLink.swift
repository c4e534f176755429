import Foundation
import NIOCore
import NIOPosix
import NIOHTTP1
import NIOWebSocket
import NIOSSL
import Synchronization

/// What a ``WebSocketLink`` delivers: a text message, or the end of the connection.
public enum LinkEvent: Sendable {
    case text([UInt8])
    /// The end of what one read from the socket brought (a burst of messages).
    case readComplete
    case closed
}

/// One WebSocket connection to a relay over NIO: the handshake, masked text frames out, text
/// frames in (as an async sequence with back-pressure), ping/close handling. It knows
/// nothing of the protocol; ``RelayClient`` adds AUTH, heartbeats and reconnection on top.
public final class WebSocketLink: Sendable {
    /// Inbound messages in order, then `.closed` once. While `InboundBudget.highWater`
    /// messages wait to be taken, the socket is not read (TCP then slows the relay down).
    public let events: LinkEvents
    private let channel: any Channel

    private init(channel: any Channel, events: LinkEvents) {
        self.channel = channel
        self.events = events
    }

    /// Connects to `endpoint` and completes the WebSocket upgrade within `timeout`.
    public static func connect(to endpoint: RelayEndpoint, group: any EventLoopGroup, timeout: Duration,
                               trustRoots: [NIOSSLCertificate]? = nil) async throws -> WebSocketLink {
        let tls: NIOSSLContext?
        if endpoint.secure {
            var configuration = TLSConfiguration.makeClientConfiguration()
            if let trustRoots { configuration.additionalTrustRoots = [.certificates(trustRoots)] }
            tls = try NIOSSLContext(configuration: configuration)
        } else {
            tls = nil
        }
        let (events, continuation) = AsyncStream<LinkEvent>.makeStream(bufferingPolicy: .unbounded)
        let budget = InboundBudget()
        let loop = group.next()
        let upgraded = loop.makePromise(of: Void.self)
        let settled = Mutex(false)
        let finish: @Sendable (Result<Void, any Error>) -> Void = { result in
            let first = settled.withLock { done in defer { done = true }; return !done }
            if first { upgraded.completeWith(result) }
        }
        let channel: any Channel
        do {
            channel = try await ClientBootstrap(group: loop)
                .connectTimeout(TimeAmount(timeout))
                .channelOption(.socketOption(.so_keepalive), value: 1)
                .channelInitializer { channel in
                    let upgrader = NIOWebSocketClientUpgrader(maxFrameSize: 1 << 20 + 4096, automaticErrorHandling: true) { channel, _ in
                        channel.eventLoop.makeCompletedFuture {
                            try channel.pipeline.syncOperations.addHandler(
                                NIOWebSocketFrameAggregator(minNonFinalFragmentSize: 0, maxAccumulatedFrameCount: 4096, maxAccumulatedFrameSize: 1 << 20 + 4096))
                            try channel.pipeline.syncOperations.addHandler(LinkFrameHandler(continuation: continuation, budget: budget))
                            finish(.success(()))
                        }
                    }
                    return channel.eventLoop.makeCompletedFuture {
                        if let tls {
                            try channel.pipeline.syncOperations.addHandler(
                                try NIOSSLClientHandler(context: tls, serverHostname: endpoint.host.isIPAddress ? nil : endpoint.host))
                            // A failed TLS handshake (an untrusted or mismatched certificate)
                            // is reported as such, not as a closed connection.
                            try channel.pipeline.syncOperations.addHandler(HandshakeErrorReporter { error in
                                finish(.failure(ClientError(.unreachable, "TLS with \(endpoint) failed: \(Self.describe(error))")))
                            })
                        }
                        try channel.pipeline.syncOperations.addHTTPClientHandlers(
                            withClientUpgrade: (upgraders: [upgrader], completionHandler: { _ in }))
                    }
                }
                .connect(host: endpoint.host, port: endpoint.port).get()
        } catch {
            finish(.failure(error))  // a NIO promise must always be completed
            continuation.finish()
            throw ClientError(.unreachable, "cannot connect to \(endpoint): \(Self.describe(error))")
        }
        channel.closeFuture.whenComplete { _ in
            finish(.failure(ClientError(.unreachable, "\(endpoint) closed the connection during the WebSocket handshake")))
            continuation.yield(.closed)
            continuation.finish()
        }
        loop.scheduleTask(in: TimeAmount(timeout)) {
            finish(.failure(ClientError(.unreachable, "\(endpoint) did not complete the WebSocket handshake in time")))
        }
        var headers = HTTPHeaders()
        headers.add(name: "Host", value: endpoint.port == (endpoint.secure ? 443 : 80) ? endpoint.host : "\(endpoint.host):\(endpoint.port)")
        headers.add(name: "User-Agent", value: "cryptnode-toolkit")
        headers.add(name: "Content-Length", value: "0")
        channel.write(HTTPClientRequestPart.head(HTTPRequestHead(version: .http1_1, method: .GET, uri: endpoint.path, headers: headers)), promise: nil)
        channel.writeAndFlush(HTTPClientRequestPart.end(nil), promise: nil)
        do {
            try await upgraded.futureResult.get()
        } catch {
            try? await channel.close()
            throw (error as? ClientError) ?? ClientError(.unreachable, "cannot open a WebSocket to \(endpoint): \(Self.describe(error))")
        }
        budget.attach(channel)
        return WebSocketLink(channel: channel, events: LinkEvents(stream: events, budget: budget))
    }

    /// Sends one text message (masked, as RFC 6455 requires of clients).
    public func send(_ text: [UInt8]) async throws {
        try await send([text])
    }

    /// Sends several text messages with one flush (one write to the socket for a burst).
    public func send(_ texts: [[UInt8]]) async throws {
        guard !texts.isEmpty else { return }
        let frames = texts.map { WebSocketFrame(fin: true, opcode: .text, maskKey: .random(), data: ByteBuffer(bytes: $0)) }
        let channel = self.channel
        let written = channel.eventLoop.makePromise(of: Void.self)
        // One hop to the event loop for the whole burst.
        channel.eventLoop.execute {
            for frame in frames.dropLast() { channel.write(frame, promise: nil) }
            channel.writeAndFlush(frames[frames.count - 1], promise: written)
        }
        do { try await written.futureResult.get() } catch {
            throw ClientError(.unreachable, "the connection to the relay is gone")
        }
    }

    /// Closes with 1000 (normal closure) and waits for the socket to go.
    public func close() async {
        var data = channel.allocator.buffer(capacity: 2)
        data.write(webSocketErrorCode: .normalClosure)
        let frame = WebSocketFrame(fin: true, opcode: .connectionClose, maskKey: .random(), data: data)
        try? await channel.writeAndFlush(frame).get()
        try? await channel.close()
    }

    private static func describe(_ error: any Error) -> String {
        if let e = error as? IOError { return e.description }
        if let e = error as? NIOSSLError { return "\(e)" }
        if let e = error as? BoringSSLError { return "\(e)" }
        if error is ChannelError { return "\(error)" }
        return String(describing: error)
    }
}

extension TimeAmount {
    /// The same span as a `Duration`, to the nanosecond.
    init(_ duration: Duration) {
        self = .nanoseconds(duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000)
    }
}

extension String {
    /// Whether the string is an IPv4 or IPv6 literal (no SNI for those).
    var isIPAddress: Bool {
        (try? SocketAddress(ipAddress: self, port: 0)) != nil
    }
}

/// Reports the first error raised in the pipeline before the WebSocket upgrade.
private final class HandshakeErrorReporter: ChannelInboundHandler, Sendable {
    typealias InboundIn = NIOAny
    let report: @Sendable (any Error) -> Void
    init(report: @escaping @Sendable (any Error) -> Void) { self.report = report }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        report(error)
        context.fireErrorCaught(error)
    }
}

/// The inbound messages of a link, in order; taking one counts against the link's budget.
public struct LinkEvents: AsyncSequence, Sendable {
    public typealias Element = LinkEvent
    let stream: AsyncStream<LinkEvent>
    let budget: InboundBudget

    public func makeAsyncIterator() -> Iterator { Iterator(base: stream.makeAsyncIterator(), budget: budget) }

    public struct Iterator: AsyncIteratorProtocol {
        var base: AsyncStream<LinkEvent>.AsyncIterator
        let budget: InboundBudget

        public mutating func next() async -> LinkEvent? {
            let event = await base.next()
            if case .text(let bytes) = event { budget.taken(bytes.count) }
            return event
        }
    }
}

/// Back-pressure for inbound messages: counts the bytes of those waiting for the reader
/// and stops reading the socket (NIO's `autoRead`) at ``highWater`` until they are down to
/// ``lowWater``, so a relay that sends faster than the client handles frames fills the
/// TCP window, not the client's memory (which holds at most the high water mark plus what
/// one read brought in).
final class InboundBudget: Sendable {
    static let highWater = 4 * 1_048_576
    static let lowWater = 1_048_576

    private struct State {
        var waiting = 0
        var paused = false
        var channel: (any Channel)?
    }
    private let state = Mutex(State())

    func attach(_ channel: any Channel) { state.withLock { $0.channel = channel } }

    /// The bytes waiting for the reader now.
    var waiting: Int { state.withLock { $0.waiting } }
    /// Whether reading is paused now.
    var isPaused: Bool { state.withLock { $0.paused } }

    /// A message was handed to the reader (on the event loop).
    func arrived(_ bytes: Int, _ context: ChannelHandlerContext) {
        let pause = state.withLock { state -> Bool in
            state.waiting += bytes
            guard state.waiting >= Self.highWater, !state.paused else { return false }
            state.paused = true
            return true
        }
        if pause { apply(on: context.channel) }
    }

    /// The reader took a message.
    func taken(_ bytes: Int) {
        let channel = state.withLock { state -> (any Channel)? in
            state.waiting -= bytes
            guard state.paused, state.waiting <= Self.lowWater else { return nil }
            state.paused = false
            return state.channel
        }
        if let channel { apply(on: channel) }
    }

    /// Sets `autoRead` to the current wish, on the channel's loop (so that a pause and a
    /// resume decided on different threads end in the latest state).
    private func apply(on channel: any Channel) {
        channel.eventLoop.execute {
            let paused = self.state.withLock { $0.paused }
            channel.setOption(ChannelOptions.autoRead, value: !paused).whenComplete { _ in }
        }
    }
}

/// Feeds text messages into the link's stream; answers WebSocket pings; closes on close.
private final class LinkFrameHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame
    let continuation: AsyncStream<LinkEvent>.Continuation
    let budget: InboundBudget

    init(continuation: AsyncStream<LinkEvent>.Continuation, budget: InboundBudget) {
        self.continuation = continuation
        self.budget = budget
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        switch frame.opcode {
        case .text:
            let bytes = Array(frame.unmaskedData.readableBytesView)
            continuation.yield(.text(bytes))
            budget.arrived(bytes.count, context)
        case .ping:
            let pong = WebSocketFrame(fin: true, opcode: .pong, maskKey: .random(), data: frame.unmaskedData)
            context.writeAndFlush(wrapOutboundOut(pong), promise: nil)
        case .connectionClose:
            context.close(promise: nil)
        default:
            break
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        continuation.yield(.readComplete)
        context.fireChannelReadComplete()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
