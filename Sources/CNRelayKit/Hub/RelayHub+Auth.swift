import CoreMetrics
import Logging
import NIOCore
import NIOWebSocket
import CNProtocol
import CNCrypto

extension RelayHub {
    /// AUTH (PROTOCOL §3): a session token is checked here and now; an ID token is
    /// verified off the loop. Non-session tokens and failures count against the
    /// client's address: 10 a minute, then `auth_rate_limited` and close.
    func authenticate(_ conn: RelayConnection, _ request: AuthRequest, id: String?) {
        guard let device = DevicePublicKey(base64: request.publicKey) else {
            return badFrame(conn, id: id, message: "publicKey is not a valid P-256 point")
        }
        guard !conn.authenticating else { return reply(conn, .authRequired, id: id, message: "Authentication in progress") }
        let acknowledges = request.features?.contains(ClientFeature.ack.rawValue) ?? false
        if request.token.hasPrefix("sess:") {
            do {
                let email = try tokens.verify(request.token)
                completeAuthentication(conn, email: email, device: device.base64, acknowledges: acknowledges)
            } catch {
                authenticationFailed(conn, id: id, reason: "session token \(error)", counted: false)
            }
            return
        }
        guard authAttempts.allow(conn.remoteIP, now: .now()) else {
            return refuseForRate(conn, id: id)
        }
        guard let verifier = identityTokens else {
            return authenticationFailed(conn, id: id, reason: "no identity provider configured", counted: true)
        }
        conn.authenticating = true
        let token = request.token
        Task { [self] in
            let result = await verifier.verify(token)
            onLoop { [self] in
                conn.authenticating = false
                guard !conn.closed else { return }
                switch result {
                case .success(let email):
                    completeAuthentication(conn, email: email, device: device.base64, acknowledges: acknowledges)
                case .failure(let error):
                    authenticationFailed(conn, id: id, reason: "id token: \(error.reason)", counted: true)
                }
            }
        }
    }

    private func refuseForRate(_ conn: RelayConnection, id: String?) {
        reply(conn, .authRateLimited, id: id)
        flush()
        conn.close(code: .policyViolation)
    }

    private func authenticationFailed(_ conn: RelayConnection, id: String?, reason: String, counted: Bool) {
        metrics.authFailures.increment()
        logger.info("auth failed", metadata: ["ip": "\(tags.ip.tag(conn.remoteIP))", "reason": "\(reason)"])
        store.logConnection(at: WallClock.seconds(), event: "auth_failed", account: nil, ip: tags.ip.tag(conn.remoteIP), device: nil)
        if !counted && !authAttempts.allow(conn.remoteIP, now: .now()) {
            return refuseForRate(conn, id: id)
        }
        reply(conn, .authFailed, id: id)
    }

    /// Registers the socket for its device and sends the post-AUTH sequence: AUTH_SUCCESS,
    /// offline notifications, SESSION_LIST, PENDING_REQUESTS, mailbox items (PROTOCOL §3).
    func completeAuthentication(_ conn: RelayConnection, email: EmailAddress, device: String, acknowledges: Bool) {
        let account = email.hash
        var cameOnline = false
        if let existing = conn.session {
            // A repeated AUTH refreshes the token; switching account or device is not supported.
            guard existing.account == account, existing.device == device else {
                return conn.close(code: .policyViolation)
            }
            conn.session?.acknowledges = acknowledges
        } else {
            // A cap on active devices: each device key is a mailbox with its own quota.
            if devices[account]?[device] == nil, activeDevices(of: account).count >= RelayHub.maxDevicesPerAccount {
                return reply(conn, .authFailed, message: "Too many devices for this account (\(RelayHub.maxDevicesPerAccount) active)")
            }
            conn.session = RelayConnection.Session(email: email, account: account, device: device,
                                                   selfSid: ConversationID.between(email, email), acknowledges: acknowledges)
            cameOnline = online[account]?[device]?.isEmpty ?? true
            online[account, default: [:]][device, default: []].append(conn)
        }
        guard let session = conn.session else { return }
        metrics.authSuccesses.increment()

        let newEmail: String? = emails[account] == nil ? email.value : nil
        if let newEmail { emails[account] = newEmail }
        let now = WallClock.seconds()
        let firstSeen = devices[account]?[device]?.firstSeen ?? now
        devices[account, default: [:]][device] = Device(firstSeen: firstSeen, lastActive: now)
        store.recordAuthentication(account: account, newEmail: newEmail, device: device, firstSeen: firstSeen, at: now,
                                   log: (tags.account.tag(account), tags.ip.tag(conn.remoteIP), tags.device.tag(device)))

        send(.authSuccess(AuthSuccess(email: email.value, token: tokens.mint(email: email, days: Int(ProtocolLimits.sessionTokenDays)))), to: conn)
        deliverNotifications(to: conn, session)
        send(.sessionList(sessionList(for: session)), to: conn)
        send(.pendingRequests(pendingRequests(for: session)), to: conn)
        conn.mailboxCursor = 0
        drainMailbox(conn)
        if cameOnline { announceDeviceOnline(session) }
    }

    /// Sends the account's stored notifications to a socket that just authenticated;
    /// they are deleted once written, and kept if the write fails.
    private func deliverNotifications(to conn: RelayConnection, _ session: RelayConnection.Session) {
        guard let pending = notifications.removeValue(forKey: session.account), !pending.isEmpty else { return }
        let deliverable = pending.compactMap { n in n.frame(for: session.device).map { (n, $0) } }
        let written = deliverable.map(\.0)
        let writtenIDs = Set(written.map(\.id))
        let kept = pending.filter { !writtenIDs.contains($0.id) }
        if !kept.isEmpty { notifications[session.account] = kept }
        guard !deliverable.isEmpty else { return }
        let promise = loop.makePromise(of: Void.self)
        for (index, (_, frame)) in deliverable.enumerated() {
            send(encoded(frame), to: conn, promise: index == deliverable.count - 1 ? promise : nil)
        }
        let account = session.account
        promise.futureResult.whenComplete { [self] result in
            switch result {
            case .success: store.deleteNotifications(ids: written.map(\.id))
            case .failure: notifications[account, default: []].insert(contentsOf: written, at: 0)
            }
        }
    }
}
