import Foundation

/// The `cn-relay` binary on a free loopback port with its own data directory.
final class LocalRelay: @unchecked Sendable {
    let child: Child
    let port: Int
    let dataDirectory: String
    var url: String { "ws://127.0.0.1:\(port)" }

    static func start(_ extra: [String] = [], port requested: Int = 0, dataDirectory: String? = nil) async throws -> LocalRelay {
        let data = dataDirectory ?? Binaries.temporaryDirectory("relay") + "/data"
        let child = try Child(Binaries.path("cn-relay"), ["serve", "--host", "127.0.0.1", "--port", String(requested), "--data-dir", data] + extra,
                              environment: ProcessInfo.processInfo.environment)
        var port = 0
        try await child.waitFor("relay start") { child in
            guard let line = child.stderr.split(separator: "\n").first(where: { $0.contains("\"listening\"") }),
                  let range = line.range(of: #""port":"(\d+)""#, options: .regularExpression) else { return false }
            port = Int(line[range].filter(\.isNumber))!
            return true
        }
        RelayReaper.shared.track(child.process.processIdentifier)
        return LocalRelay(child: child, port: port, dataDirectory: data)
    }

    private init(child: Child, port: Int, dataDirectory: String) {
        self.child = child
        self.port = port
        self.dataDirectory = dataDirectory
    }

    /// An enrollment token from `cn-relay token`.
    func token(_ email: String) async throws -> String {
        let outcome = try await run("cn-relay", ["token", "--email", email, "--data-dir", dataDirectory], environment: [:])
        guard outcome.status == 0 else { throw TestFailure("cn-relay token: \(outcome)") }
        return outcome.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func stop() async {
        RelayReaper.shared.forget(child.process.processIdentifier)
        child.process.terminate()
        _ = try? await child.finish(timeout: 10)
    }

    /// Kills the relay at once (SIGKILL: no graceful shutdown).
    func kill() async {
        RelayReaper.shared.forget(child.process.processIdentifier)
        Foundation.kill(child.process.processIdentifier, SIGKILL)
        _ = try? await child.finish(timeout: 10)
    }

    /// A new relay process on the same port and data directory (after ``stop()`` or ``kill()``).
    func restarted(_ extra: [String] = []) async throws -> LocalRelay {
        var lastError: (any Error)?
        for _ in 0..<50 {
            do { return try await LocalRelay.start(extra, port: port, dataDirectory: dataDirectory) } catch {
                lastError = error  // the port may still be held for a moment
                try await Task.sleep(for: .milliseconds(100))
            }
        }
        throw lastError!
    }
}

/// Stops, when the test process exits, every relay a test started and did not stop (a
/// `defer { Task { await relay.stop() } }` may not get to run before the exit).
final class RelayReaper: @unchecked Sendable {
    static let shared = RelayReaper()
    private let lock = NSLock()
    private var pids: Set<Int32> = []

    private init() {
        atexit {
            for pid in RelayReaper.shared.lock.withLock({ RelayReaper.shared.pids }) { kill(pid, SIGTERM) }
        }
    }

    func track(_ pid: Int32) { lock.withLock { _ = pids.insert(pid) } }
    func forget(_ pid: Int32) { lock.withLock { _ = pids.remove(pid) } }
}

/// One device of one user: its own `$CN_HOME`, its commands.
struct Device {
    let email: String
    let home: String
    let relay: LocalRelay

    var environment: [String: String] {
        var env = ["CN_HOME": home, "PATH": "/usr/bin:/bin", "HOME": home]
        env["LANG"] = "C.UTF-8"
        return env
    }

    /// Creates the account on this device with a fresh enrollment token.
    static func enroll(_ email: String, on relay: LocalRelay, label: String? = nil) async throws -> Device {
        let device = Device(email: email, home: Binaries.temporaryDirectory(label ?? String(email.prefix(while: { $0 != "@" }))), relay: relay)
        try await device.initialise()
        return device
    }

    /// `cn-account init` (again, for a re-initialised device).
    func initialise() async throws {
        let token = try await relay.token(email)
        let outcome = try await account(["init", "--email", email, "--relay", relay.url, "--token", token, "-q"])
        guard outcome.status == 0 else { throw TestFailure("cn-account init \(email): \(outcome)") }
    }

    func account(_ arguments: [String], stdin: String? = nil, extraEnvironment: [String: String] = [:]) async throws -> Outcome {
        try await run("cn-account", arguments, environment: environment.merging(extraEnvironment) { $1 }, stdin: stdin)
    }

    func friend(_ arguments: [String], stdin: String? = nil, extraEnvironment: [String: String] = [:]) async throws -> Outcome {
        try await run("cn-friend", arguments, environment: environment.merging(extraEnvironment) { $1 }, stdin: stdin)
    }

    func send(_ arguments: [String], stdin: String? = nil, timeout: Double = 60) async throws -> Outcome {
        try await run("cn-send", arguments, environment: environment, stdin: stdin, timeout: timeout)
    }

    func recv(_ arguments: [String] = ["--idle", "1"], timeout: Double = 60) async throws -> Outcome {
        try await run("cn-recv", arguments, environment: environment, timeout: timeout)
    }

    /// A long-running command of this device (`cn-recv --follow`), its output in files.
    func start(_ command: String, _ arguments: [String], stdin: Pipe? = nil) throws -> Child {
        try Child(Binaries.path(command), arguments, environment: environment, stdin: stdin)
    }

    /// Makes this device's account and `other`'s friends (request, accept, and the accept
    /// taken by this side).
    func befriend(_ other: Device) async throws {
        try await friendOK(["request", other.email])
        try await other.friendOK(["accept", email])
        try await friendOK(["list"])
    }

    /// Runs `cn-friend` and requires exit 0.
    @discardableResult
    func friendOK(_ arguments: [String]) async throws -> Outcome {
        let outcome = try await friend(arguments)
        guard outcome.status == 0 else { throw TestFailure("cn-friend \(arguments.joined(separator: " ")) as \(email): \(outcome)") }
        return outcome
    }

    /// This device's key (the device id).
    func deviceKey() async throws -> String {
        let outcome = try await account(["whoami", "--offline"])
        guard let key = outcome.lines.first?["device"] as? String else { throw TestFailure("whoami: \(outcome)") }
        return key
    }

    /// The peers `cn-friend list` shows, by e-mail.
    func friends(all: Bool = false) async throws -> [String: [String: Any]] {
        let outcome = try await friendOK(["list"] + (all ? ["--all"] : []))
        return Dictionary(uniqueKeysWithValues: outcome.lines.map { ($0["email"] as! String, $0) })
    }

    func safetyNumber(with peer: String) async throws -> String {
        let outcome = try await friendOK(["fingerprint", peer])
        guard let number = outcome.lines.first?["safetyNumber"] as? String else { throw TestFailure("fingerprint: \(outcome)") }
        return number
    }
}
