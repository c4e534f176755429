import Foundation
import Testing
import CNProtocol
import CNCrypto
import CNClient
import NIOCore

/// The relay connection's resilience: AUTH on every (re)connect with the newest token,
/// the silence watchdog, PONG for PING, and the backoff schedule.
struct RelayClientTests {
    /// Keeps the newest session token, as an account does.
    final class TokenJar: @unchecked Sendable {
        private let lock = NSLock()
        private var token = "enrollment"
        var current: String { lock.withLock { token } }
        func replace(_ t: String) { lock.withLock { token = t } }
    }

    struct NoSink: RelayFrameSink {
        func receive(_ frame: RelayFrame, from client: RelayClient) async {}
    }

    static func client(_ relay: ScriptedRelay, jar: TokenJar, silence: Duration = .seconds(30)) -> RelayClient {
        var timing = RelayClientTiming()
        timing.silenceTimeout = silence
        timing.initialBackoff = .milliseconds(50)
        timing.maximumBackoff = .milliseconds(200)
        timing.connectTimeout = .seconds(5)
        return RelayClient(endpoint: RelayEndpoint("ws://127.0.0.1:\(relay.port)")!,
                           credentials: RelayCredentials(identity: IdentityKey(), token: { jar.current }, authenticated: { jar.replace($0.token) }),
                           sink: NoSink(), timing: timing)
    }

    static func eventually(_ what: String, within seconds: Double = 10, _ condition: () async -> Bool) async throws {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if await condition() { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        Issue.record("not reached: \(what)")
    }

    @Test func droppedConnectionsReconnectAndAuthWithTheNewestToken() async throws {
        let relay = try await ScriptedRelay(.dropAfterAuth)
        defer { Task { await relay.stop() } }
        let jar = TokenJar()
        let client = Self.client(relay, jar: jar)
        try await client.start()
        try await Self.eventually("three sessions") { await client.sessions >= 3 }
        await client.close()
        let tokens = relay.record.tokens
        #expect(tokens.count >= 3)
        // Each AUTH presents the token the previous AUTH_SUCCESS handed out.
        #expect(Array(tokens.prefix(3)) == ["enrollment", "sess-1", "sess-2"])
    }

    @Test func aSilentRelayIsDroppedByTheWatchdog() async throws {
        let relay = try await ScriptedRelay(.silentAfterAuth)
        defer { Task { await relay.stop() } }
        let client = Self.client(relay, jar: TokenJar(), silence: .seconds(1))
        try await client.start()
        try await Self.eventually("a second session after silence", within: 15) { await client.sessions >= 2 }
        await client.close()
    }

    @Test func relayPingsAreAnsweredAndKeepTheConnection() async throws {
        let relay = try await ScriptedRelay(.pingEvery(.milliseconds(200)))
        defer { Task { await relay.stop() } }
        let client = Self.client(relay, jar: TokenJar(), silence: .seconds(1))
        try await client.start()
        try await Self.eventually("PONGs") { relay.record.pongs >= 8 }
        #expect(await client.sessions == 1, "a relay that pings is not silent")
        await client.close()
    }

    /// Records every frame handed to the sink.
    final class RecordingSink: RelayFrameSink, @unchecked Sendable {
        private let lock = NSLock()
        private var frames: [RelayFrame] = []
        var received: [RelayFrame] { lock.withLock { frames } }
        func receive(_ frame: RelayFrame, from client: RelayClient) async { lock.withLock { frames.append(frame) } }
    }

    @Test(arguments: [ScriptedRelay.Behaviour.stateThenRefusal, .otherAccount])
    func nothingIsRecordedBeforeAValidSignIn(_ behaviour: ScriptedRelay.Behaviour) async throws {
        let relay = try await ScriptedRelay(behaviour)
        defer { Task { await relay.stop() } }
        let sink = RecordingSink()
        let jar = TokenJar()
        var timing = RelayClientTiming()
        timing.connectTimeout = .seconds(5)
        let client = RelayClient(endpoint: RelayEndpoint("ws://127.0.0.1:\(relay.port)")!,
                                 credentials: RelayCredentials(identity: IdentityKey(), expectedEmail: EmailAddress("alice@example.com"),
                                                               token: { jar.current }, authenticated: { jar.replace($0.token) }),
                                 sink: sink, timing: timing)
        await #expect { try await client.start() } throws: { ($0 as? ClientError)?.kind == .authFailed }
        #expect(sink.received.allSatisfy { if case .sessionList = $0 { false } else if case .pendingRequests = $0 { false } else { true } },
                "state from an unauthenticated connection reached the sink: \(sink.received)")
        #expect(jar.current == "enrollment", "no token from a relay that signed in someone else")
        await client.close()
    }

    @Test func unreachableRelayFailsFast() async throws {
        let relay = try await ScriptedRelay(.silentAfterAuth)
        let port = relay.port
        await relay.stop()
        let client = RelayClient(endpoint: RelayEndpoint("ws://127.0.0.1:\(port)")!,
                                 credentials: RelayCredentials(identity: IdentityKey(), token: { "t" }, authenticated: { _ in }), sink: NoSink())
        await #expect { try await client.start() } throws: { ($0 as? ClientError)?.kind == .unreachable }
    }

    @Test func backoffDoublesWithJitterUpToTheMaximum() {
        var backoff = ReconnectBackoff()
        var random = SystemRandomNumberGenerator()
        var ceiling = Duration.milliseconds(500)
        for _ in 0..<12 {
            let wait = backoff.next(using: &random)
            #expect(wait >= ceiling / 2 && wait <= ceiling)
            ceiling = min(ceiling * 2, .seconds(30))
        }
        #expect(ceiling == .seconds(30))
        backoff.reset()
        #expect(backoff.next(using: &random) <= .milliseconds(500))
    }

    @Test(arguments: [("ws://relay.example:9000/", true), ("wss://relay.example", true), ("https://r.example/x", true),
                      ("ftp://r.example", false), ("relay.example", false), ("ws://", false), ("ws://h:70000", false)])
    func relayURLs(_ url: String, _ valid: Bool) {
        #expect((RelayEndpoint(url) != nil) == valid)
    }

    @Test func endpointDefaults() throws {
        let secure = try #require(RelayEndpoint("wss://relay.example"))
        #expect(secure.port == 443 && secure.secure && secure.path == "/")
        let plain = try #require(RelayEndpoint("ws://[::1]:9000/ws"))
        #expect(plain.host == "::1" && plain.port == 9000 && !plain.secure && plain.path == "/ws")
    }
}
