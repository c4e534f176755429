#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CNCrypto
import CNProtocol
import Foundation
import NIOCore
import NIOPosix

/// What every mode shares: one event loop, the relay's address, the token authority,
/// the source addresses to connect from.
final class LoadContext: Sendable {
    let group: MultiThreadedEventLoopGroup
    let loop: any EventLoop
    let flusher = Flusher()
    let host: String
    let port: Int
    let authority: SessionTokenAuthority
    let sources: [SocketAddress]
    let relay: RelayProcess?
    /// Makes this run's e-mails unique, so runs can repeat against one relay.
    let runTag: String
    let stepTimeout: TimeAmount

    init(_ options: TargetOptions) throws {
        guard let secret = FileManager.default.contents(atPath: options.dataDir + "/relay.secret"), secret.count >= 32 else {
            throw LoadError("cannot read a 32-byte \(options.dataDir)/relay.secret (start the relay with --data-dir \(options.dataDir) first)")
        }
        authority = SessionTokenAuthority(secret: [UInt8](secret))
        sources = try (options.source ?? "").split(separator: ",").map {
            try SocketAddress(ipAddress: String($0).trimmingCharacters(in: .whitespaces), port: 0)
        }
        host = options.host
        port = options.port
        relay = options.relayPid.map { RelayProcess(pid: $0) }
        runTag = String(UInt32.random(in: 0...UInt32.max), radix: 16)
        stepTimeout = .seconds(Int64(options.stepTimeout))
        // One event loop per process: the relay gets the other core.
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        loop = group.next()
    }

    func shutdown() async {
        try? await group.shutdownGracefully()
    }

    /// A fresh account with one device.
    func identity(_ label: String) -> Identity {
        Identity(email: EmailAddress("\(label)-\(runTag)@bench.cryptnode.example")!, authority: authority)
    }

    /// Connects peer number `index` (from source `index % sources.count`) and authenticates it.
    func open(_ identity: Identity, index: Int) -> EventLoopFuture<Peer> {
        let source = sources.isEmpty ? nil : sources[index % sources.count]
        return Peer.connect(identity: identity, loop: loop, flusher: flusher, host: host, port: port, source: source, timeout: stepTimeout)
            .flatMap { peer in
                peer.authenticate(timeout: self.stepTimeout).map { peer }.flatMapError { error in
                    peer.close().flatMapThrowing { throw error }
                }
            }
    }

    /// Opens and authenticates `identities`, at most `concurrency` at a time; a failed
    /// connection is counted, not retried.
    /// Opened peers are put into `mode`.
    func openMany(_ identities: [Identity], concurrency: Int, firstIndex: Int = 0, then mode: Peer.Mode) async throws -> OpenResult {
        let launcher = Launcher(context: self, identities: identities, concurrency: max(1, concurrency), firstIndex: firstIndex, mode: mode)
        return try await loop.flatSubmit { launcher.start() }.get()
    }

    /// Makes `a` and `b` friends (FRIEND_REQUEST, then FRIEND_ACCEPT from `b`); returns the sid.
    func befriend(_ a: Peer, _ b: Peer) -> EventLoopFuture<String> {
        loop.flatSubmit {
            let pushed = b.expect(.friendRequest, timeout: self.stepTimeout)
            a.send(.friendRequest(FriendPackets(targetEmail: b.identity.email.value,
                                                payloads: [DevicePacket(publicKey: b.identity.deviceKey, encryptedPacket: "x")])))
            return a.expect(.requestSent, timeout: self.stepTimeout).and(pushed).flatMap { _ in
                let accepted = a.expect(.friendAccepted, timeout: self.stepTimeout)
                b.send(.friendAccept(FriendPackets(targetEmail: a.identity.email.value,
                                                   payloads: [DevicePacket(publicKey: a.identity.deviceKey, encryptedPacket: "x")])))
                return b.expect(.friendAcceptedAck, timeout: self.stepTimeout).and(accepted)
            }.flatMapThrowing { ack, _ in
                guard case .friendAcceptedAck(let data) = ack else { throw LoadError("no FRIEND_ACCEPTED_ACK") }
                let expected = ConversationID.between(a.identity.email, b.identity.email)
                guard data.sid == expected else { throw LoadError("relay sid \(data.sid) ≠ ConversationID.between \(expected)") }
                return data.sid
            }
        }
    }

    /// Opens `count` friend pairs (each pair its own two accounts).
    func openPairs(_ count: Int, label: String) async throws -> [(a: Peer, b: Peer, sid: String)] {
        var identities: [Identity] = []
        for i in 0..<count {
            identities.append(identity("\(label)\(i)-a"))
            identities.append(identity("\(label)\(i)-b"))
        }
        let opened = try await openMany(identities, concurrency: 32, then: .setup)
        guard opened.failed == 0 else {
            throw LoadError("\(opened.failed) of \(identities.count) connections failed: \(opened.firstError ?? "?")")
        }
        var pairs: [(a: Peer, b: Peer, sid: String)] = []
        for i in 0..<count {
            let a = opened.peers[2 * i], b = opened.peers[2 * i + 1]
            let sid = try await befriend(a, b).get()
            pairs.append((a, b, sid))
        }
        // Let the presence frames (PEER_ONLINE) and the relay's store writes settle.
        try await Task.sleep(for: .milliseconds(500))
        return pairs
    }

    /// Puts peers into `mode` (on the loop), dropping frames queued during setup.
    func enter(_ mode: Peer.Mode, _ peers: [Peer]) async throws {
        try await loop.submit {
            for peer in peers { peer.enter(mode) }
        }.get()
    }

    /// Closes every peer; waits until the sockets are closed.
    func closeAll(_ peers: [Peer]) async {
        let loop = self.loop
        _ = try? await loop.flatSubmit {
            EventLoopFuture.andAllComplete(peers.map { $0.close() }, on: loop)
        }.get()
    }

    /// A MSG to one device in `sid`, encoded once with FrameCodec (and sent many times).
    static func messageFrame(sid: String, to deviceKey: String, payload: String, id: String, confirm: Bool = false) -> [UInt8] {
        FrameCodec.encode(.message(OutgoingMessage(sid: sid, id: id, confirm: confirm, payloads: [deviceKey: payload])))
    }

    /// A payload of exactly `length` characters: base64 of random bytes, cut to length
    /// (a stand-in for `b64(IV ‖ ciphertext ‖ tag)`; the relay never reads it).
    static func payload(length: Int) -> String {
        var bytes = [UInt8](repeating: 0, count: (length * 3) / 4 + 3)
        for i in bytes.indices { bytes[i] = UInt8.random(in: 0...255) }
        return String(Data(bytes).base64EncodedString().prefix(length))
    }

    /// Raises this process's open-file limit to what `needed` sockets take, if the hard limit allows.
    static func ensureFileLimit(_ needed: Int) throws {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return }
        let want = rlim_t(needed + 64)
        if limit.rlim_cur >= want { return }
        guard limit.rlim_max >= want else {
            throw LoadError("\(needed) connections need \(want) file descriptors; the hard limit is \(limit.rlim_max) (ulimit -Hn)")
        }
        limit.rlim_cur = want
        guard setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else {
            throw LoadError("setrlimit(RLIMIT_NOFILE, \(want)) failed")
        }
    }

    /// Monotonic nanoseconds.
    static func now() -> UInt64 { NIODeadline.now().uptimeNanoseconds }
}

extension Peer {
    /// Switches mode; frames queued in setup are dropped. Loop only.
    func enter(_ mode: Mode) {
        loop.preconditionInEventLoop()
        self.mode = mode
        dropQueue()
    }
}

/// How `openMany` went.
struct OpenResult: Sendable {
    /// The peers that authenticated, in the order of the identities (failed ones left out).
    var peers: [Peer]
    var failed: Int
    var firstError: String?
}

/// Keeps up to `concurrency` connection attempts in flight. Loop-only.
private final class Launcher: @unchecked Sendable {
    let context: LoadContext
    let identities: [Identity]
    let concurrency: Int
    let firstIndex: Int
    let mode: Peer.Mode
    var next = 0
    var finished = 0
    var slots: [Peer?]
    var failed = 0
    var firstError: String?
    let promise: EventLoopPromise<OpenResult>
    var lastReport = LoadContext.now()

    init(context: LoadContext, identities: [Identity], concurrency: Int, firstIndex: Int, mode: Peer.Mode) {
        self.context = context
        self.mode = mode
        self.identities = identities
        self.concurrency = concurrency
        self.firstIndex = firstIndex
        slots = Array(repeating: nil, count: identities.count)
        promise = context.loop.makePromise(of: OpenResult.self)
    }

    func start() -> EventLoopFuture<OpenResult> {
        if identities.isEmpty { promise.succeed(OpenResult(peers: [], failed: 0)) }
        while next < identities.count && next < concurrency { launch() }
        return promise.futureResult
    }

    private func launch() {
        let index = next
        next += 1
        context.open(identities[index], index: firstIndex + index).whenComplete { result in
            switch result {
            case .success(let peer):
                peer.enter(self.mode)
                self.slots[index] = peer
            case .failure(let error):
                self.failed += 1
                if self.firstError == nil { self.firstError = "\(error)" }
            }
            self.finished += 1
            let now = LoadContext.now()
            if now - self.lastReport > 5_000_000_000 {
                self.lastReport = now
                note("\(self.finished)/\(self.identities.count) connections opened (\(self.failed) failed)")
            }
            if self.next < self.identities.count {
                self.launch()
            } else if self.finished == self.identities.count {
                self.promise.succeed(OpenResult(peers: self.slots.compactMap { $0 }, failed: self.failed, firstError: self.firstError))
            }
        }
    }
}
