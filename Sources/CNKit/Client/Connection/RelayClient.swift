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
    /// Called after the frames of one read from the socket (a burst) have been handed over,
    /// and when a connection ends: what was deferred to batch a burst is done now.
    func endOfBurst(from client: RelayClient) async
}

extension RelayFrameSink {
    /// Nothing is deferred.
    public func endOfBurst(from client: RelayClient) async {}
}

/// The credentials a connection authenticates with.
public struct RelayCredentials: Sendable {
    /// The device key (its public half is the device id).
    public var identity: IdentityKey
    /// Returns the token to send (the newest session token, or an ID token).
    public var token: @Sendable () throws -> String?
    /// Called with each AUTH_SUCCESS that names ``expectedEmail`` (a fresh session token to keep).
    public var authenticated: @Sendable (AuthSuccess) throws -> Void
    /// The account this device belongs to: an AUTH_SUCCESS for anyone else is a refusal
    /// (a relay must not sign a device in as another user). Nil: whoever the token names.
    public var expectedEmail: EmailAddress?

    public init(identity: IdentityKey, expectedEmail: EmailAddress? = nil, token: @escaping @Sendable () throws -> String?,
                authenticated: @escaping @Sendable (AuthSuccess) throws -> Void) {
        self.identity = identity
        self.expectedEmail = expectedEmail
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
/// Requests wait for their answers through `request(_:timeout:until:)`: the frame first
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
    /// The generation whose connection completed AUTH; only such a connection's loss
    /// starts reconnecting (a failed attempt is retried by the loop that made it).
    private var establishedGeneration = -1
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

    /// One event-loop thread for every connection of the process: a client holds one or two
    /// sockets, and a second thread would only add start-up time and cross-thread hops.
    public static let sharedGroup: MultiThreadedEventLoopGroup = MultiThreadedEventLoopGroup(numberOfThreads: 1)

    public init(endpoint: RelayEndpoint, credentials: RelayCredentials, sink: any RelayFrameSink,
                group: any EventLoopGroup = RelayClient.sharedGroup,
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

    /// Sends `frames` in order, each with a fresh frame `id`, and waits for the first relay
    /// frame that `accepts` takes. An ERROR frame that answers one of them (the relay
    /// echoes the `id`; PROTOCOL §1) ends the wait and is thrown as a ``ClientError``; an
    /// ERROR about something else does not. The wait exists before the first frame goes
    /// out, so no answer can slip past it.
    public func request(_ frames: [ClientFrame], timeout: Duration, until accepts: @escaping @Sendable (RelayFrame) -> Bool) async throws -> RelayFrame {
        guard let link else { throw ClientError(.unreachable, "not connected to the relay") }
        let ids = frames.map { _ in nextFrameID() }
        let waiter = register(accepts, answering: Set(ids))
        do {
            for (frame, id) in zip(frames, ids) { try await link.send(FrameCodec.encode(frame, id: id)) }
        } catch {
            waiters[waiter] = nil
            throw error
        }
        return try await wait(waiter, timeout: timeout)
    }

    /// Sends one frame without waiting for an answer (a MSG keeps its own id; any other
    /// frame gets a fresh one). Answers, if any, reach the sink like every other frame.
    public func send(_ frame: ClientFrame) async throws {
        try await send([frame])
    }

    /// Sends `frames` in order in one write to the socket (each as ``send(_:)`` would).
    public func send(_ frames: [ClientFrame]) async throws {
        guard let link else { throw ClientError(.unreachable, "not connected to the relay") }
        guard !frames.isEmpty else { return }
        try await link.send(frames.map { FrameCodec.encode($0, id: nextFrameID()) })
    }

    /// Whether a connection is up and signed in now.
    public var isConnected: Bool { link != nil && establishedGeneration == generation }

    /// `request(_:timeout:until:)` for one frame.
    public func request(_ frame: ClientFrame, timeout: Duration, until accepts: @escaping @Sendable (RelayFrame) -> Bool) async throws -> RelayFrame {
        try await request([frame], timeout: timeout, until: accepts)
    }

    private var frameCounter = 0

    private func nextFrameID() -> String {
        frameCounter += 1
        return "c\(frameCounter)"
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

    /// Registers a wait. An ERROR ends it if it echoes one of `ids`, or carries no id at
    /// all (a relay that does not echo ids: then any ERROR is the answer).
    private func register(_ accepts: @escaping @Sendable (RelayFrame) -> Bool, answering ids: Set<String>) -> Int {
        let id = nextWaiter
        nextWaiter += 1
        waiters[id] = Waiter(accepts: { frame in
            if case .error(let answered, _) = frame {
                guard let answered else { return true }
                return ids.contains(answered)
            }
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
        guard !stopping else {
            await link.close()
            throw ClientError(.unreachable, "the connection was closed")
        }
        generation += 1
        self.link = link
        lastHeard = .now
        // Both waits exist before AUTH goes out, so no answer can slip past them.
        let authID = nextFrameID()
        let authenticated = register({ if case .authSuccess = $0 { true } else { false } }, answering: [authID])
        let synced = register({ if case .pendingRequests = $0 { true } else { false } }, answering: [authID])
        let generation = self.generation
        tasks.append(Task { await self.read(link, generation: generation) })
        do {
            try await link.send(FrameCodec.encode(.auth(AuthRequest(token: token, publicKey: credentials.identity.publicKey.base64,
                                                              features: [ClientFeature.ack.rawValue])), id: authID))
            let answer: RelayFrame
            do { answer = try await wait(authenticated, timeout: timing.connectTimeout) } catch let error as ClientError where error.relayCode != nil {
                throw ClientError(.authFailed, "the relay refused this device's credentials: \(error.message)", relayCode: error.relayCode)
            }
            guard case .authSuccess(let success) = answer, let confirmed = EmailAddress(success.email) else {
                throw ClientError(.protocolViolation, "the relay's AUTH_SUCCESS names no e-mail")
            }
            if let expected = credentials.expectedEmail, confirmed != expected {
                throw ClientError(.authFailed, "the relay signed this device in as \(confirmed.value), not \(expected.value)")
            }
            email = confirmed
            // Keeping the refreshed token is best effort: a full disk must not fail a
            // command that could authenticate (the stored token still works).
            try? credentials.authenticated(success)
            _ = try await wait(synced, timeout: timing.connectTimeout)
            guard !stopping else { throw ClientError(.unreachable, "the connection was closed") }
            sessions += 1
            establishedGeneration = generation
        } catch {
            waiters[authenticated] = nil
            waiters[synced] = nil
            if self.generation == generation {
                self.link = nil
                establishedGeneration = -1
            }
            await link.close()
            if let error = error as? ClientError, error.kind == .timedOut {
                throw ClientError(.unreachable, "the relay at \(endpoint) did not complete AUTH in time")
            }
            throw error
        }
    }

    private func read(_ link: WebSocketLink, generation: Int) async {
        // Nothing this connection says is recorded until it has signed this device in as
        // the right account: before that only PING, ERROR and AUTH_SUCCESS are looked at.
        var authenticated = false
        for await event in link.events {
            if case .readComplete = event {
                if authenticated { await sink.endOfBurst(from: self) }
                continue
            }
            guard case .text(let bytes) = event else { break }
            lastHeard = .now
            guard let frame = try? FrameCodec.decodeRelayFrame(bytes) else { continue }  // a newer relay's frames: ignored
            switch frame {
            case .ping:
                try? await link.send(FrameCodec.encode(ClientFrame.pong))
                continue
            case .authSuccess(let success):
                let confirmed = EmailAddress(success.email)
                authenticated = confirmed != nil && (credentials.expectedEmail == nil || confirmed == credentials.expectedEmail)
            case .error:
                break
            case .pendingRequests where authenticated && generation == self.generation:
                // The end of the post-AUTH state: this connection is established (marked
                // here, in order, so that a close right after it still reconnects).
                establishedGeneration = generation
            default:
                guard authenticated else { continue }
            }
            if authenticated { await sink.receive(frame, from: self) }
            for (id, waiter) in waiters where waiter.outcome == nil && waiter.accepts(frame) {
                finish(id, .success(frame))
            }
        }
        if authenticated { await sink.endOfBurst(from: self) }
        guard generation == self.generation, !stopping else { return }
        guard generation == establishedGeneration else {
            // Closed before the sign-in completed: the attempt fails now, not at its timeout.
            for id in Array(waiters.keys) { finish(id, .failure(ClientError(.unreachable, "the relay at \(endpoint) closed the connection during AUTH"))) }
            return
        }
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
