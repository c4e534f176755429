import CNCrypto
import Logging
import NIOCore
import NIOWebSocket

/// The last handler of an upgraded socket: hands text messages to the hub and answers
/// the WebSocket control frames. Fragmented messages arrive whole from
/// `NIOWebSocketFrameAggregator` in front of it.
final class RelaySocketHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    private let hub: RelayHub
    private var connection: RelayConnection?

    init(hub: RelayHub) { self.hub = hub }

    func handlerAdded(context: ChannelHandlerContext) {
        let conn = RelayConnection(channel: context.channel, messageRate: hub.config.messageRate, now: .now())
        connection = conn
        hub.connectionOpened(conn)
    }

    func channelInactive(context: ChannelHandlerContext) {
        if let connection { hub.connectionClosed(connection) }
        connection = nil
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard let conn = connection else { return }
        let frame = unwrapInboundIn(data)
        switch frame.opcode {
        case .text:
            hub.receive(conn, frame.unmaskedData)
        case .binary:
            conn.lastHeard = .now()
            hub.badFrame(conn, id: nil)
        case .ping:
            conn.lastHeard = .now()
            let pong = WebSocketFrame(fin: true, opcode: .pong, data: frame.unmaskedData)
            context.write(wrapOutboundOut(pong), promise: nil)
            context.flush()
        case .pong:
            conn.lastHeard = .now()
        case .connectionClose:
            // Echo the peer's code (RFC 6455 §5.5.1), then close.
            var data = frame.unmaskedData
            let code = data.readWebSocketErrorCode() ?? .normalClosure
            conn.close(code: code)
        default:
            break
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        hub.flush()
        context.fireChannelReadComplete()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        // The outbound queue passed its limit: the client does not read. Close it so it
        // cannot hold memory or delay anyone else.
        if !context.channel.isWritable, let conn = connection, !conn.closed {
            hub.logger.notice("closing a socket that stopped reading", metadata: ["ip": "\(hub.tags.ip.tag(conn.remoteIP))"])
            conn.closed = true
            context.close(promise: nil)
        }
        context.fireChannelWritabilityChanged()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let conn = connection, error is NIOWebSocketFrameAggregator.Error {
            // A fragmented message past the frame limit: 1009, as for a single large frame.
            conn.close(code: .messageTooLarge)
            return
        }
        context.close(promise: nil)
    }
}
