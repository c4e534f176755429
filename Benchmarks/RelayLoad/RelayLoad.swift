import ArgumentParser
import Foundation
import NIOCore

/// `cn-relay-load`: drives a running `cn-relay` over loopback WebSockets and measures it.
/// See Benchmarks/README.md and scripts/bench.sh.
@main
struct RelayLoad: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cn-relay-load",
        abstract: "Load generator and probe for cn-relay (latency, throughput, idle connections).",
        discussion: """
            Each mode prints one JSON object on stdout (the result) and progress on stderr. \
            Tokens are minted in-process from the relay's secret (--data-dir). Start the relay with \
            --msg-rate 0, or the per-socket rate limit throttles the throughput run.
            """,
        subcommands: [Latency.self, Throughput.self, Idle.self])
}

/// Where the relay is and how to reach it.
struct TargetOptions: ParsableArguments {
    @Option(help: "The relay's address.") var host = "127.0.0.1"
    @Option(help: "The relay's port.") var port: Int
    @Option(help: "The relay's data directory: its relay.secret mints the session tokens.") var dataDir: String
    @Option(help: "Local address(es) to connect from, comma-separated, used in turn (e.g. 127.0.0.2,127.0.0.3).")
    var source: String?
    @Option(help: "The relay's process id: report its CPU time and RSS from /proc.") var relayPid: Int32?
    @Option(help: "Seconds allowed for one connect, upgrade or reply during setup.") var stepTimeout = 30
    @Option(help: "Seconds allowed for the whole run (setup and measurement).") var timeout = 600

    func validate() throws {
        guard (1...65_535).contains(port) else { throw ValidationError("--port must be 1…65535") }
        guard stepTimeout > 0, timeout > 0 else { throw ValidationError("timeouts must be positive") }
    }
}

/// Runs `body` with a context, bounded by `--timeout`; always shuts the loop down.
func withContext(_ options: TargetOptions, _ body: @escaping @Sendable (LoadContext) async throws -> Void) async throws {
    let context = try LoadContext(options)
    do {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await body(context) }
            group.addTask {
                try await Task.sleep(for: .seconds(options.timeout))
                throw LoadError("gave up after --timeout \(options.timeout) s")
            }
            try await group.next()
            group.cancelAll()
        }
    } catch {
        await context.shutdown()
        throw error
    }
    await context.shutdown()
}

// MARK: - latency

struct Latency: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Round-trip time of a MSG between two friends: A→relay→B, B echoes →relay→A, one at a time.")

    @OptionGroup var target: TargetOptions
    @Option(help: "Measured round trips.") var roundTrips = 10_000
    @Option(help: "Unmeasured round trips first.") var warmup = 500
    @Option(help: "Characters of the MSG payload.") var payloadSize = 64

    func validate() throws {
        guard roundTrips > 0, warmup >= 0, (1...300_000).contains(payloadSize) else { throw ValidationError("bad counts") }
    }

    func run() async throws {
        let roundTrips = self.roundTrips, warmup = self.warmup, payloadSize = self.payloadSize
        try await withContext(target) { context in
            let (a, b, sid) = try await context.openPairs(1, label: "lat").first!
            let payload = LoadContext.payload(length: payloadSize)
            let toB = LoadContext.messageFrame(sid: sid, to: b.identity.deviceKey, payload: payload, id: UUID().uuidString)
            let toA = LoadContext.messageFrame(sid: sid, to: a.identity.deviceKey, payload: payload, id: UUID().uuidString)
            try await context.enter(.fast, [a, b])

            note("latency: \(warmup) warm-up round trips")
            _ = try await PingPong(context: context, a: a, b: b, toB: toB, toA: toA, count: warmup).run()
            note("latency: \(roundTrips) measured round trips")
            let cpu = try CPUWindow(relay: context.relay)
            let samples = try await PingPong(context: context, a: a, b: b, toB: toB, toA: toA, count: roundTrips).run()
            // Two relayed MSGs per round trip; one message in flight, so every one pays a full wake-up.
            let cpuFields = try cpu.fields(messages: 2 * roundTrips)
            let errors = try await context.loop.submit { a.errorCount + b.errorCount }.get()

            let fields: [(String, Any)] = [
                ("mode", "latency"), ("roundTrips", roundTrips), ("payloadChars", payloadSize),
                ("clientFrameBytes", toB.count),
                ("p50Us", r2(samples.percentileMicros(50))), ("p90Us", r2(samples.percentileMicros(90))),
                ("p99Us", r2(samples.percentileMicros(99))), ("maxUs", r2(samples.maxMicros)),
                ("meanUs", r2(samples.meanMicros)), ("errors", errors),
            ] + cpuFields
            note("latency: round trip p50 \(r2(samples.percentileMicros(50))) µs, p99 \(r2(samples.percentileMicros(99))) µs, max \(r2(samples.maxMicros)) µs")
            emitResult(fields)
            await context.closeAll([a, b])
            if errors > 0 { throw LoadError("the relay answered \(errors) ERROR frame(s)") }
        }
    }
}

/// One message in flight: A sends, B echoes, A sends the next when the echo arrives. Loop-only state.
final class PingPong: @unchecked Sendable {
    let context: LoadContext
    let a: Peer, b: Peer
    let toB: [UInt8], toA: [UInt8]
    let count: Int
    var done = 0
    var started: UInt64 = 0
    var samples: Samples
    let promise: EventLoopPromise<Samples>

    init(context: LoadContext, a: Peer, b: Peer, toB: [UInt8], toA: [UInt8], count: Int) {
        self.context = context
        self.a = a
        self.b = b
        self.toB = toB
        self.toA = toA
        self.count = count
        samples = Samples(capacity: count)
        promise = context.loop.makePromise(of: Samples.self)
    }

    func run() async throws -> Samples {
        guard count > 0 else { return samples }
        try await context.loop.submit { [self] in
            b.onMessage = { [self] in b.write(toA) }  // flushed at the end of b's read batch
            a.onMessage = { [self] in
                samples.add(LoadContext.now() - started)
                done += 1
                if done == count {
                    a.onMessage = nil
                    b.onMessage = nil
                    promise.succeed(samples)
                } else {
                    sendNext()
                }
            }
            sendNext()
        }.get()
        return try await promise.futureResult.get()
    }

    private func sendNext() {
        started = LoadContext.now()
        a.write(toB)
        a.flushIfNeeded()
    }
}

// MARK: - throughput

struct Throughput: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "P friend pairs send M MSGs each way as fast as the relay takes them; messages/s and relay CPU per message.")

    @OptionGroup var target: TargetOptions
    @Option(help: "Friend pairs (two accounts, two sockets each).") var pairs = 16
    @Option(help: "MSGs each side of a pair sends (relayed in total: 2 × pairs × this).") var messages = 10_000
    @Option(help: "Characters of the MSG payload.") var payloadSize = 64
    @Option(help: "MSGs in flight per direction (sent, not yet received).") var window = 64
    @Flag(help: "Set \"c\": true on every MSG, so the relay also answers each with DELIVERED (PROTOCOL §5.6).")
    var confirm = false

    func validate() throws {
        guard pairs > 0, messages > 0, window > 0, (1...300_000).contains(payloadSize) else { throw ValidationError("bad counts") }
    }

    func run() async throws {
        let pairCount = pairs, messages = self.messages, payloadSize = self.payloadSize, window = self.window, confirm = self.confirm
        try await withContext(target) { context in
            note("throughput: opening \(pairCount) friend pairs")
            let pairs = try await context.openPairs(pairCount, label: "tp")
            let payload = LoadContext.payload(length: payloadSize)
            var directions: [Direction] = []
            for (a, b, sid) in pairs {
                directions.append(Direction(sender: a, receiver: b, total: messages, window: window,
                                         frame: LoadContext.messageFrame(sid: sid, to: b.identity.deviceKey, payload: payload, id: UUID().uuidString, confirm: confirm)))
                directions.append(Direction(sender: b, receiver: a, total: messages, window: window,
                                         frame: LoadContext.messageFrame(sid: sid, to: a.identity.deviceKey, payload: payload, id: UUID().uuidString, confirm: confirm)))
            }
            let peers = pairs.flatMap { [$0.a, $0.b] }
            try await context.enter(.fast, peers)
            let run = FloodRun(context: context, directions: directions)

            let total = 2 * pairCount * messages
            note("throughput: \(total) MSGs (\(pairCount) pairs × 2 directions × \(messages)), window \(window)\(confirm ? ", each confirmed (DELIVERED)" : "")")
            let cpu = try CPUWindow(relay: context.relay)
            let t0 = LoadContext.now()
            let t1 = try await run.start()
            let cpuFields = try cpu.fields(messages: total)
            let errors = try await context.loop.submit { peers.reduce(0) { $0 + $1.errorCount } }.get()
            let firstError = try await context.loop.submit { peers.lazy.compactMap(\.firstError).first }.get()

            let seconds = Double(t1 - t0) / 1e9
            let rate = Double(total) / seconds
            let fields: [(String, Any)] = [
                ("mode", "throughput"), ("pairs", pairCount), ("messagesPerDirection", messages), ("window", window),
                ("payloadChars", payloadSize), ("confirm", confirm), ("clientFrameBytes", directions[0].frame.count), ("relayed", total),
                ("seconds", r2(seconds)), ("messagesPerSecond", Int(rate.rounded())), ("errors", errors),
            ] + cpuFields
            var line = "throughput: \(total) relayed in \(r2(seconds)) s = \(Int(rate)) msg/s"
            for (key, value) in cpuFields where key == "relayCpuUsPerMessage" || key == "otherCpuCores" {
                line += ", \(key) \(value)"
            }
            note(line)
            emitResult(fields)
            await context.closeAll(peers)
            if errors > 0 { throw LoadError("the relay answered \(errors) ERROR frame(s), first: \(firstError ?? "?")") }
        }
    }
}

/// One direction of one pair: `sender` sends `total` copies of `frame`, at most `window`
/// ahead of what `receiver` has received. Loop-only state.
final class Direction: @unchecked Sendable {
    let sender: Peer, receiver: Peer
    let total: Int, window: Int
    let frame: [UInt8]
    var sent = 0, received = 0
    private let allocator = ByteBufferAllocator()

    init(sender: Peer, receiver: Peer, total: Int, window: Int, frame: [UInt8]) {
        self.sender = sender
        self.receiver = receiver
        self.total = total
        self.window = window
        self.frame = frame
    }

    /// Tops the window up (the writes are flushed at the end of the current read batch).
    func pump() {
        while sent < total && sent - received < window {
            sender.write(Peer.frameBuffer(frame, allocator: allocator))
            sent += 1
        }
    }
}

/// All directions of a throughput run; completes with the time the last MSG arrived. Loop-only.
final class FloodRun: @unchecked Sendable {
    let context: LoadContext
    let directions: [Direction]
    var unfinished: Int
    let promise: EventLoopPromise<UInt64>

    init(context: LoadContext, directions: [Direction]) {
        self.context = context
        self.directions = directions
        unfinished = directions.count
        promise = context.loop.makePromise(of: UInt64.self)
    }

    func start() async throws -> UInt64 {
        try await context.loop.submit { [self] in
            for direction in directions {
                direction.receiver.onMessage = { [self] in
                    direction.received += 1
                    if direction.received == direction.total {
                        unfinished -= 1
                        if unfinished == 0 { promise.succeed(LoadContext.now()) }
                    } else if direction.received > direction.total {
                        promise.fail(LoadError("more MSGs arrived than were sent"))
                    }
                    direction.pump()
                }
            }
            for direction in directions { direction.pump() }
            context.flusher.flushAll()
        }.get()
        return try await promise.futureResult.get()
    }
}

// MARK: - idle

struct Idle: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Open N authenticated idle connections (AUTH, then wait for PENDING_REQUESTS); with --relay-pid, the relay's RSS per connection.",
        discussion: """
            Each connection is its own account with its own device key. With --relay-pid the relay's VmRSS \
            is read after --warmup connections (so one-time costs are not counted) and again after the \
            N others have authenticated and the relay's store writes have settled. --hold keeps them \
            open (answering the relay's PING) and then closes them.
            """)

    @OptionGroup var target: TargetOptions
    @Option(help: "Connections to open and measure.") var connections = 5_000
    @Option(help: "Connections opened before the RSS baseline (held too, not counted).") var warmup = 50
    @Option(help: "Connection attempts in flight at once.") var concurrency = 64
    @Option(help: "Seconds to keep the connections open after the report.") var hold = 0
    @Option(help: "Seconds to wait for the relay to settle before reading RSS.") var settle = 3

    func validate() throws {
        guard connections > 0, warmup >= 0, concurrency > 0, hold >= 0, settle >= 0 else { throw ValidationError("bad counts") }
        guard hold < target.timeout else { throw ValidationError("--hold must be shorter than --timeout") }
    }

    func run() async throws {
        let connections = self.connections, warmup = self.warmup, concurrency = self.concurrency, hold = self.hold, settle = self.settle
        try LoadContext.ensureFileLimit(connections + warmup)
        try await withContext(target) { context in
            let prefix = "idle\(getpid())"
            let warm = (0..<warmup).map { context.identity("\(prefix)w\($0)") }
            let identities = (0..<connections).map { context.identity("\(prefix)c\($0)") }

            let warmOpen = try await context.openMany(warm, concurrency: concurrency, then: .idle)
            if warmup > 0 { try await Task.sleep(for: .seconds(settle)) }
            let rss0 = try context.relay?.rssKiB()
            let cpu0 = try context.relay?.cpuSeconds()
            note("idle: opening \(connections) connections (\(concurrency) at a time)")
            let t0 = LoadContext.now()
            let opened = try await context.openMany(identities, concurrency: concurrency, firstIndex: warmup, then: .idle)
            let seconds = Double(LoadContext.now() - t0) / 1e9
            try await Task.sleep(for: .seconds(settle))
            let rss1 = try context.relay?.rssKiB()
            let cpu1 = try context.relay?.cpuSeconds()
            let all = warmOpen.peers + opened.peers
            let stillOpen = try await context.loop.submit { all.filter { !$0.isClosed }.count }.get()

            var fields: [(String, Any)] = [
                ("mode", "idle"), ("connections", connections), ("authenticated", opened.peers.count), ("failed", opened.failed),
                ("warmup", warmOpen.peers.count), ("open", stillOpen), ("openSeconds", r2(seconds)),
                ("connectionsPerSecond", Int((Double(opened.peers.count) / seconds).rounded())),
                ("source", target.source ?? ""),
            ]
            if let e = opened.firstError ?? warmOpen.firstError { fields.append(("firstError", e)) }
            var line = "idle: \(opened.peers.count)/\(connections) authenticated in \(r2(seconds)) s, \(stillOpen) open"
            if let rss0, let rss1, let cpu0, let cpu1, let pid = context.relay?.pid {
                let perConnection = Double(rss1 - rss0) / Double(max(1, opened.peers.count))
                fields += [
                    ("relayRssBeforeKiB", rss0), ("relayRssAfterKiB", rss1), ("relayRssPerConnectionKiB", r2(perConnection)),
                    ("relayCpuUsPerConnectionOpened", r2((cpu1 - cpu0) * 1e6 / Double(max(1, opened.peers.count)))),
                    ("relayOpenFiles", ProcStats.openFiles(pid: pid) ?? -1),
                ]
                line += ", relay RSS \(rss0) → \(rss1) KiB = \(r2(perConnection)) KiB per connection"
            }
            note(line)
            emitResult(fields)

            if hold > 0 {
                note("idle: holding \(all.count) connections for \(hold) s")
                try await Task.sleep(for: .seconds(hold))
                let held = try await context.loop.submit { all.filter { !$0.isClosed }.count }.get()
                let errors = try await context.loop.submit { all.reduce(0) { $0 + $1.errorCount } }.get()
                note("idle: \(held) of \(all.count) still open after the hold; closing")
                emitResult([("mode", "idle-hold"), ("held", held), ("of", all.count), ("seconds", hold), ("errors", errors)])
            }
            await context.closeAll(all)
            if opened.failed > 0 { throw LoadError("\(opened.failed) connection(s) failed: \(opened.firstError ?? "?")") }
        }
    }
}
