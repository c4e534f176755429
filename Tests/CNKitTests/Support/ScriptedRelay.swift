import Foundation
import NIOCore
import NIOPosix
import NIOHTTP1
import NIOWebSocket
import CNProtocol

/// A WebSocket server that plays a relay by script, to drive the client through what a
/// real relay rarely does on cue: going silent, dropping connections, pinging.
final class ScriptedRelay: @unchecked Sendable {
    enum Behaviour: Sendable {
        /// Answers AUTH, then says nothing more (the client's watchdog must act).
        case silentAfterAuth
        /// Answers AUTH, then closes the connection.
        case dropAfterAuth
        /// Answers AUTH, then sends PING every `interval`.
        case pingEvery(TimeAmount)
        /// Sends the post-AUTH state first, then refuses the AUTH (a lying relay).
        case stateThenRefusal
        /// Signs the device in as another account, then sends state.
        case otherAccount
        /// Answers AUTH, then sends `frames` text frames of `bytes` bytes each at once.
        case flood(frames: Int, bytes: Int)
    }

    let channel: any Channel
    let record: Record
    var port: Int { channel.localAddress!.port! }

    /// What the clients did, in order.
    final class Record: @unchecked Sendable {
        private let lock = NSLock()
        private var _tokens: [String] = []
        private var _pongs = 0
        var tokens: [String] { lock.withLock { _tokens } }
        var pongs: Int { lock.withLock { _pongs } }
        func auth(_ token: String) -> Int { lock.withLock { _tokens.append(token); return _tokens.count } }
        func pong() { lock.withLock { _pongs += 1 } }
    }

    init(_ behaviour: Behaviour) async throws {
        let record = Record()
        self.record = record
        channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                let upgrader = NIOWebSocketServerUpgrader(shouldUpgrade: { channel, _ in channel.eventLoop.makeSucceededFuture(HTTPHeaders()) },
                                                          upgradePipelineHandler: { channel, _ in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(Script(behaviour: behaviour, record: record))
                    }
                })
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withServerUpgrade: (upgraders: [upgrader], completionHandler: { _ in }))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
    }

    func stop() async { try? await channel.close() }

    private final class Script: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = WebSocketFrame
        typealias OutboundOut = WebSocketFrame
        let behaviour: Behaviour
        let record: Record
        init(behaviour: Behaviour, record: Record) {
            self.behaviour = behaviour
            self.record = record
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let frame = unwrapInboundIn(data)
            guard frame.opcode == .text else {
                if frame.opcode == .connectionClose { context.close(promise: nil) }
                return
            }
            let text = Array(frame.unmaskedData.readableBytesView)
            switch try? FrameCodec.decodeClientFrame(text) {
            case .auth(let auth)?:
                let n = record.auth(auth.token)
                switch behaviour {
                case .stateThenRefusal:
                    send(context, .sessionList([Self.fakeEntry]))
                    send(context, .pendingRequests([]))
                    send(context, .error(.authFailed))
                    return
                case .otherAccount:
                    send(context, .authSuccess(AuthSuccess(email: "mallory@example.com", token: "sess-\(n)")))
                    send(context, .sessionList([Self.fakeEntry]))
                    send(context, .pendingRequests([]))
                    return
                default:
                    break
                }
                send(context, .authSuccess(AuthSuccess(email: "alice@example.com", token: "sess-\(n)")))
                send(context, .sessionList([]))
                send(context, .pendingRequests([]))
                switch behaviour {
                case .silentAfterAuth, .stateThenRefusal, .otherAccount: break
                case .flood(let frames, let bytes):
                    let text = Array(#"{"t":"PONG","pad":""#.utf8) + Array(repeating: UInt8(ascii: "x"), count: bytes) + Array(#""}"#.utf8)
                    for _ in 0..<frames {
                        context.write(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .text, data: context.channel.allocator.buffer(bytes: text))),
                                      promise: nil)
                    }
                    context.flush()
                case .dropAfterAuth: context.close(promise: nil)
                case .pingEvery(let interval):
                    let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
                    context.eventLoop.scheduleRepeatedTask(initialDelay: interval, delay: interval) { _ in
                        bound.value.0.send(bound.value.1, .ping)
                    }
                }
            case .pong?:
                record.pong()
            default:
                break
            }
        }

        static let fakeEntry = SessionEntry(sid: String(repeating: "a", count: 64), peerHash: String(repeating: "b", count: 64),
                                            peerEmail: "eve@example.com", online: true, peerPubKeys: [], onlinePubKeys: [], ownPubKeys: [])

        func send(_ context: ChannelHandlerContext, _ frame: RelayFrame) {
            guard context.channel.isActive else { return }
            let bytes = FrameCodec.encode(frame)
            context.writeAndFlush(wrapOutboundOut(WebSocketFrame(fin: true, opcode: .text, data: context.channel.allocator.buffer(bytes: bytes))), promise: nil)
        }
    }
}
