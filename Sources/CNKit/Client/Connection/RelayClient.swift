import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import CNProtocol
import CNCrypto

/// Receives what the relay sends, one frame at a time, in order.
public protocol RelayFrameSink: Sendable {
    /// Handles one frame. The next frame waits until this returns.
    func receive(_ frame: RelayFrame, from client: RelayClient) async
}

/// The credentials a connection authenticates with.
public struct RelayCredentials: Sendable {
    /// The device key (its public half is the device id).
    public var identity: IdentityKey
    /// Returns the token to send (the newest session token, or an ID token).
    public var token: @Sendable () throws -> String?
    /// Called with each AUTH_SUCCESS (a fresh session token to keep).
    public var authenticated: @Sendable (AuthSuccess) throws -> Void

    public init(identity: IdentityKey, token: @escaping @Sendable () throws -> String?, authenticated: @escaping @Sendable (AuthSuccess) throws -> Void) {
        self.identity = identity
        self.token = token
        self.authenticated = authenticated
    }
}

/// Timing of the connection; the defaults are PROTOCOL §1's.
public struct RelayClientTiming: Sendable {
    /// Silence after which the connection is dropped and made again (30 s).
    public var silenceTimeout: Duration = .seconds(ProtocolLimits.clientSilenceTimeout)
    /// The first reconnect delay (0.5 s); it doubles per failure.
    public var initialBackoff: Duration = .milliseconds(500)
    /// The longest reconnect delay (30 s).
    public var maximumBackoff: Duration = .seconds(30)
    /// How long one connect-and-AUTH attempt may take.
    public var connectTimeout: Duration = .seconds(10)
    public init() {}
}

/// A relay connection that stays up: it authenticates on every connect and reconnect,
/// answers the relay's PING, drops a connection that has been silent for 30 s, and
/// reconnects with exponential backoff and jitter (0.5 s to 30 s).
///
/// Requests wait for their answers through ``request(_:timeout:until:)``: the frame first
/// goes to the sink (which records what it means), then to the waiting request.
public actor RelayClient {
    /// Where the relay is.
    public nonisolated let endpoint: RelayEndpoint
    private let credentials: RelayCredentials
    private let sink: any RelayFrameSink
    private let group: any EventLoopGroup
    private let timing: RelayClientTiming
    private let trustRoots: [NIOSSLCertificate]?

    private var link: WebSocketLink?
    private var generation = 0
    private var stopping = false
    private var lastHeard = ContinuousClock.now
    private var waiters: [Int: Waiter] = [:]
    private var nextWaiter = 0
    private var tasks: [Task<Void, Never>] = []
    /// The e-mail the relay confirmed at the last AUTH_SUCCESS.
    public private(set) var email: EmailAddress?
    /// How many connections were made and authenticated (1 + reconnections).
    public private(set) var sessions = 0

    /// A wait for a frame: registered before the frame that answers it can arrive.
    private struct Waiter {
        let accepts: @Sendable (RelayFrame) -> Bool
        var outcome: Result<RelayFrame, any Error>?
        var continuation: CheckedContinuation<RelayFrame, any Error>?
    }

    public init(endpoint: RelayEndpoint, credentials: RelayCredentials, sink: any RelayFrameSink,
                group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
                timing: RelayClientTiming = RelayClientTiming(), trustRoots: [NIOSSLCertificate]? = nil) {
        self.endpoint = endpoint
        self.credentials = credentials
        self.sink = sink
        self.group = group
        self.timing = timing
        self.trustRoots = trustRoots
    }

    /// Connects and authenticates once, and returns when the relay has sent the post-AUTH
    /// state (notifications, SESSION_LIST, PENDING_REQUESTS) and the sink has handled it.
    /// Afterwards the connection is kept up (reconnecting as needed) until ``close()``.
    public func start() async throws {
        try await connectAndAuthenticate()
        tasks.append(Task { await self.watchdog() })
    }

    /// Whether a connection is up now.
    public var isConnected: Bool { link != nil }

    /// Sends a frame on the current connection.
    public func send(_ frame: ClientFrame) async throws {
        guard let link else { throw ClientError(.unreachable, "not connected to the relay") }
        try await link.send(FrameCodec.encode(frame))
    }

    /// Sends `frame` (if any) and waits for the first relay frame that `accepts` takes. An
    /// ERROR frame ends the wait too and is thrown as a ``ClientError``.
    public func request(_ frame: ClientFrame?, timeout: Duration, until accepts: @escaping @Sendable (RelayFrame) -> Bool) async throws -> RelayFrame {
        let id = register(accepts)
        if let frame {
            do { try await send(frame) } catch {
                waiters[id] = nil
                throw error
            }
        }
        return try await wait(id, timeout: timeout)
    }

    /// Closes the connection for good (1000) and stops reconnecting.
    public func close() async {
        stopping = true
        for task in tasks { task.cancel() }
        for id in Array(waiters.keys) { finish(id, .failure(ClientError(.unreachable, "the connection was closed"))) }
        await link?.close()
        link = nil
    }

    // MARK: Waiting for frames

    private func register(_ accepts: @escaping @Sendable (RelayFrame) -> Bool) -> Int {
        let id = nextWaiter
        nextWaiter += 1
        waiters[id] = Waiter(accepts: { frame in
            if case .error = frame { return true }
            return accepts(frame)
        })
        return id
    }

    private func wait(_ id: Int, timeout: Duration) async throws -> RelayFrame {
        let timer = Task {
            try? await Task.sleep(for: timeout)
            self.finish(id, .failure(ClientError(.timedOut, self.link == nil ? "the relay is unreachable" : "the relay did not answer in time")))
        }
        defer { timer.cancel() }
        let answer = try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<RelayFrame, any Error>) in
            guard var waiter = waiters[id] else {
                continuation.resume(throwing: ClientError(.unreachable, "the connection was closed"))
                return
            }
            if let outcome = waiter.outcome {
                waiters[id] = nil
                continuation.resume(with: outcome)
            } else {
                waiter.continuation = continuation
                waiters[id] = waiter
            }
        }
        if case .error(_, let body) = answer { throw ClientError.relay(body) }
        return answer
    }

    private func finish(_ id: Int, _ outcome: Result<RelayFrame, any Error>) {
        guard var waiter = waiters[id], waiter.outcome == nil else { return }
        if let continuation = waiter.continuation {
            waiters[id] = nil
            continuation.resume(with: outcome)
        } else {
            waiter.outcome = outcome
            waiters[id] = waiter
        }
    }

    // MARK: Connection lifecycle

    private func connectAndAuthenticate() async throws {
        guard let token = try credentials.token() else {
            throw ClientError(.authFailed, "no session token: sign in again with `cn-account login`")
        }
        let link = try await WebSocketLink.connect(to: endpoint, group: group, timeout: timing.connectTimeout, trustRoots: trustRoots)
        generation += 1
        self.link = link
        lastHeard = .now
        // Both waits exist before AUTH goes out, so no answer can slip past them.
        let authenticated = register { if case .authSuccess = $0 { true } else { false } }
        let synced = register { if case .pendingRequests = $0 { true } else { false } }
        let generation = self.generation
        tasks.append(Task { await self.read(link, generation: generation) })
        do {
            try await link.send(FrameCodec.encode(.auth(AuthRequest(token: token, publicKey: credentials.identity.publicKey.base64,
                                                                    features: [ClientFeature.ack.rawValue]))))
            do { _ = try await wait(authenticated, timeout: timing.connectTimeout) } catch let error as ClientError where error.relayCode != nil {
                throw ClientError(.authFailed, "the relay refused this device's credentials: \(error.message)", relayCode: error.relayCode)
            }
            _ = try await wait(synced, timeout: timing.connectTimeout)
            sessions += 1
        } catch {
            waiters[authenticated] = nil
            waiters[synced] = nil
            if self.generation == generation { self.link = nil }
            await link.close()
            if let error = error as? ClientError, error.kind == .timedOut {
                throw ClientError(.unreachable, "the relay at \(endpoint) did not complete AUTH in time")
            }
            throw error
        }
    }

    private func read(_ link: WebSocketLink, generation: Int) async {
        for await event in link.events {
            guard case .text(let bytes) = event else { break }
            lastHeard = .now
            guard let frame = try? FrameCodec.decodeRelayFrame(bytes) else { continue }  // a newer relay's frames: ignored
            switch frame {
            case .ping:
                try? await link.send(FrameCodec.encode(ClientFrame.pong))
                continue
            case .authSuccess(let success):
                if let confirmed = EmailAddress(success.email) { email = confirmed }
                try? credentials.authenticated(success)
            default:
                break
            }
            await sink.receive(frame, from: self)
            for (id, waiter) in waiters where waiter.outcome == nil && waiter.accepts(frame) {
                finish(id, .success(frame))
            }
        }
        guard generation == self.generation, !stopping else { return }
        self.link = nil
        await reconnect()
    }

    private func reconnect() async {
        var backoff = ReconnectBackoff(initial: timing.initialBackoff, maximum: timing.maximumBackoff)
        while !stopping {
            try? await Task.sleep(for: backoff.next())
            guard !stopping else { return }
            do {
                try await connectAndAuthenticate()
                return
            } catch let error as ClientError where error.kind == .authFailed {
                // Credentials the relay refuses will not get better by retrying.
                for id in Array(waiters.keys) { finish(id, .failure(error)) }
                return
            } catch {
                continue
            }
        }
    }

    private func watchdog() async {
        while !stopping, !Task.isCancelled {
            try? await Task.sleep(for: .seconds(1))
            if let link, ContinuousClock.now - lastHeard > timing.silenceTimeout {
                // Silent for too long: drop it; the reader sees the close and reconnects.
                lastHeard = .now
                await link.close()
            }
        }
    }
}
