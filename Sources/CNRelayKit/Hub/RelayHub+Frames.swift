import CoreMetrics
import Logging
import NIOCore
import NIOWebSocket
import CNProtocol
import CNCrypto

extension RelayHub {
    /// One text message from a socket. MSG and RTC_* take the scanned hot path; every
    /// other frame is decoded with Codable.
    func receive(_ conn: RelayConnection, _ buffer: ByteBuffer) {
        guard !conn.closed else { return }
        conn.lastHeard = .now()
        metrics.framesIn.increment()
        let scan = buffer.withUnsafeReadableBytes { RoutedFrameScanner.scan($0) }
        guard let scan else { return badFrame(conn, id: nil) }
        switch scan.type {
        case .value("MSG"):
            routeMessage(conn, buffer, scan)
        case .value(let t) where t.hasPrefix("RTC_") && RTCKind(rawValue: t) != nil:
            routeSignal(conn, buffer, scan, kind: RTCKind(rawValue: t)!)
        default:
            let frame: ClientFrame
            do {
                frame = try FrameCodec.decodeClientFrame(buffer.readableBytesView)
            } catch {
                if error.code == .unknownType {
                    return reply(conn, .unknownType, id: error.id)
                }
                return badFrame(conn, id: error.id)
            }
            dispatch(conn, frame, id: scan.id.value)
        }
    }

    /// Answers a malformed frame and closes the socket after 20 in a minute (1008).
    func badFrame(_ conn: RelayConnection, id: String?, message: String? = nil) {
        reply(conn, .badFrame, id: id, message: message)
        if !conn.badFrames.allow(now: .now()) {
            flush()
            conn.close(code: .policyViolation)
        }
    }

    func dispatch(_ conn: RelayConnection, _ frame: ClientFrame, id: String?) {
        switch frame {
        case .auth(let request): return authenticate(conn, request, id: id)
        case .ping: return send(.pong, to: conn)
        case .pong: return
        default: break
        }
        guard let session = conn.session else { return reply(conn, .authRequired, id: id) }
        switch frame {
        case .auth, .ping, .pong, .message, .rtc:
            break  // handled above or on the hot path
        case .getPublicKey(let target): publicKeys(conn, session, target.targetEmail, id: id)
        case .friendRequest(let packets): friendRequest(conn, session, packets, id: id)
        case .getPendingRequests: send(.pendingRequests(pendingRequests(for: session)), to: conn)
        case .friendAccept(let packets): friendAccept(conn, session, packets, id: id)
        case .friendDeny(let target): friendDeny(conn, session, target.targetEmail, id: id)
        case .unfriend(let target): unfriend(conn, session, target.targetEmail, id: id)
        case .block(let target): block(conn, session, target.targetEmail, id: id)
        case .unblock(let target): unblock(conn, session, target.targetEmail, id: id)
        case .ack(let ack): acknowledge(conn, session, ack.ids, id: id)
        case .reattach(let sid):
            if peer(of: session, in: sid) == nil { reply(conn, .notFriends, id: id) }
        case .getTurnCredentials: turnCredentials(conn, session, id: id)
        }
    }

    /// Parses a target e-mail, answering the error itself when it is unusable.
    func targetAddress(_ conn: RelayConnection, _ raw: String, id: String?) -> EmailAddress? {
        if raw.utf8.count > ProtocolLimits.maxEmailLength + 64 {
            reply(conn, .tooLarge, id: id)
            return nil
        }
        guard let email = EmailAddress(raw) else {
            badFrame(conn, id: id, message: "Invalid e-mail address")
            return nil
        }
        return email
    }

    /// The other member of `sid` for this session (itself for the self conversation),
    /// or nil if the session is not a member.
    func peer(of session: RelayConnection.Session, in sid: String) -> String? {
        if sid == session.selfSid { return session.account }
        guard let (a, b) = conversations[sid] else { return nil }
        if a == session.account { return b }
        if b == session.account { return a }
        return nil
    }

    func turnCredentials(_ conn: RelayConnection, _ session: RelayConnection.Session, id: String?) {
        guard let secret = config.turnSecret, !config.turnURLs.isEmpty else {
            return reply(conn, .notConfigured, id: id)
        }
        let minted = TurnCredentialMinter.mint(secret: secret, email: session.email, ttl: config.turnTTL)
        send(.turnCredentials(TurnCredentials(urls: config.turnURLs, username: minted.username,
                                              credential: minted.credential, ttl: config.turnTTL)), to: conn)
    }
}
