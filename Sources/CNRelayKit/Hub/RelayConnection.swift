import Logging
import NIOCore
import NIOWebSocket
import CNCrypto
import CNProtocol

/// One WebSocket of one client. Lives on the relay's event loop and is touched only there
/// (hence `@unchecked Sendable`: it crosses into store completions only to hop back).
final class RelayConnection: @unchecked Sendable {
    /// Who is on the socket once AUTH succeeded.
    struct Session {
        var email: EmailAddress
        /// `emailHash`, the account's key everywhere.
        var account: String
        /// The device id (wire form of the public key).
        var device: String
        /// The account's self conversation.
        var selfSid: String
        /// The client confirms mailbox items with ACK.
        var acknowledges: Bool
    }

    let channel: any Channel
    /// The client's address (for the per-IP AUTH limit and the hashed connection log).
    let remoteIP: String
    var session: Session?
    /// An ID token is being verified off the loop.
    var authenticating = false
    var lastHeard: NIODeadline
    /// When the WebSocket opened (unauthenticated sockets are closed after a minute).
    let openedAt: NIODeadline
    var messageBucket: TokenBucket
    var badFrames: WindowLimiter
    /// Queued in the hub's flush list.
    var needsFlush = false
    var closed = false
    /// Mailbox delivery: the last item sent, and whether a page is in flight.
    var mailboxCursor: Int64 = 0
    var mailboxDraining = false

    init(channel: any Channel, messageRate: Int, now: NIODeadline) {
        self.channel = channel
        remoteIP = channel.remoteAddress?.ipAddress ?? "unknown"
        lastHeard = now
        openedAt = now
        messageBucket = TokenBucket(rate: messageRate, burst: messageRate * 2, now: now)
        badFrames = WindowLimiter(limit: ProtocolLimits.maxBadFramesPerMinute, window: .minutes(1))
    }

    /// Queues a text frame; the hub flushes once per read batch.
    func write(_ buffer: ByteBuffer, promise: EventLoopPromise<Void>? = nil) {
        guard !closed else {
            promise?.fail(ChannelError.ioOnClosedChannel)
            return
        }
        channel.write(WebSocketFrame(fin: true, opcode: .text, data: buffer), promise: promise)
    }

    /// Sends a close frame with `code` and closes the socket.
    func close(code: WebSocketErrorCode) {
        guard !closed else { return }
        closed = true
        var data = channel.allocator.buffer(capacity: 2)
        data.write(webSocketErrorCode: code)
        let channel = self.channel
        channel.writeAndFlush(WebSocketFrame(fin: true, opcode: .connectionClose, data: data)).whenComplete { _ in
            channel.close(promise: nil)
        }
    }
}
