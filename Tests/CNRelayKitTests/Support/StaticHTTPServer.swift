import Foundation
import NIOCore
import NIOPosix
import NIOHTTP1

/// A tiny HTTP server for tests that serves one body at every path and counts requests
/// (a JWK set endpoint of a fake identity provider); the body can change (a key rotation).
final class StaticHTTPServer: @unchecked Sendable {
    let channel: any Channel
    private let counter: RequestCounter
    var port: Int { channel.localAddress!.port! }
    var requests: Int { counter.value }
    /// What every request gets from now on.
    var body: String {
        get { counter.body }
        set { counter.body = newValue }
    }

    final class RequestCounter: @unchecked Sendable {
        private let lock = NSLock()
        private var count = 0
        private var current: String
        init(body: String) { current = body }
        var value: Int { lock.withLock { count } }
        var body: String {
            get { lock.withLock { current } }
            set { lock.withLock { current = newValue } }
        }
        func increment() { lock.withLock { count += 1 } }
    }

    init(body: String, headers: [(String, String)] = []) async throws {
        let counter = RequestCounter(body: body)
        self.counter = counter
        channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(Responder(headers: headers, counter: counter))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
    }

    func stop() async { try? await channel.close() }

    private final class Responder: ChannelInboundHandler {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart
        let headers: [(String, String)]
        let counter: RequestCounter
        init(headers: [(String, String)], counter: RequestCounter) {
            self.headers = headers
            self.counter = counter
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            guard case .end = unwrapInboundIn(data) else { return }
            counter.increment()
            let body = counter.body
            var h = HTTPHeaders(headers)
            h.add(name: "Content-Length", value: String(body.utf8.count))
            h.add(name: "Content-Type", value: "application/json")
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: h))), promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: body)))), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        }
    }
}
