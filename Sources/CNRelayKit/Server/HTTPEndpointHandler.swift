import NIOCore
import NIOHTTP1

/// Plain HTTP on the relay's port: the website at `/`, `/healthz`, `/metrics`.
/// WebSocket upgrades never reach it (the upgrader takes them first).
final class HTTPEndpointHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let site: Website
    private let metrics: RelayMetrics?
    private let health: @Sendable () -> String
    private var head: HTTPRequestHead?

    init(site: Website, metrics: RelayMetrics?, health: @escaping @Sendable () -> String) {
        self.site = site
        self.metrics = metrics
        self.health = health
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let h): head = h
        case .body: break  // no endpoint takes a body
        case .end:
            guard let head else { return }
            self.head = nil
            respond(context: context, to: head)
        }
    }

    private func respond(context: ChannelHandlerContext, to head: HTTPRequestHead) {
        guard head.method == .GET || head.method == .HEAD else {
            return write(context, head, status: .methodNotAllowed, type: "text/plain", body: Array("method not allowed\n".utf8))
        }
        let path = String(head.uri.split(separator: "?", maxSplits: 1).first ?? "/")
        switch path {
        case "/healthz":
            write(context, head, status: .ok, type: "application/json", body: Array(health().utf8))
        case "/metrics" where metrics != nil:
            write(context, head, status: .ok, type: "text/plain; version=0.0.4", body: metrics!.render())
        default:
            if let page = site.page(for: path) {
                write(context, head, status: .ok, type: page.contentType, body: page.body)
            } else {
                write(context, head, status: .notFound, type: "text/plain", body: Array("not found\n".utf8))
            }
        }
    }

    private func write(_ context: ChannelHandlerContext, _ request: HTTPRequestHead, status: HTTPResponseStatus, type: String, body: [UInt8]) {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: type)
        headers.add(name: "Content-Length", value: String(body.count))
        headers.add(name: "X-Content-Type-Options", value: "nosniff")
        let keepAlive = request.isKeepAlive
        if !keepAlive { headers.add(name: "Connection", value: "close") }
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: request.version, status: status, headers: headers))), promise: nil)
        if request.method != .HEAD {
            context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(bytes: body)))), promise: nil)
        }
        let done = context.writeAndFlushWithPromise(wrapOutboundOut(.end(nil)))
        if !keepAlive { done.whenComplete { [channel = context.channel] _ in channel.close(promise: nil) } }
    }
}

extension ChannelHandlerContext {
    fileprivate func writeAndFlushWithPromise(_ data: NIOAny) -> EventLoopFuture<Void> {
        let promise = eventLoop.makePromise(of: Void.self)
        writeAndFlush(data, promise: promise)
        return promise.futureResult
    }
}
