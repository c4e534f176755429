#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Readers for Linux's `/proc/<pid>/…` files: what the relay process spends.
enum ProcStats {
    /// Clock ticks per second of `utime`/`stime` (`sysconf(_SC_CLK_TCK)`, normally 100).
    static let ticksPerSecond: Double = {
        let t = sysconf(Int32(_SC_CLK_TCK))
        return t > 0 ? Double(t) : 100
    }()

    /// User + system CPU time of the whole process (all threads), in seconds, from
    /// fields 14 and 15 of `/proc/<pid>/stat`.
    static func cpuSeconds(pid: Int32) throws -> Double {
        let text = try read("/proc/\(pid)/stat")
        // The command name (field 2) is in parentheses and may contain spaces: split after the last ')'.
        guard let close = text.lastIndex(of: ")") else { throw LoadError("unreadable /proc/\(pid)/stat") }
        let fields = text[text.index(after: close)...].split(separator: " ")
        // fields[0] is field 3 (state), so field n is fields[n - 3].
        guard fields.count > 12, let utime = Double(fields[11]), let stime = Double(fields[12]) else {
            throw LoadError("unreadable /proc/\(pid)/stat")
        }
        return (utime + stime) / ticksPerSecond
    }

    /// Busy CPU time of the whole machine, all cores, in seconds (the first line of
    /// `/proc/stat`: everything but idle and iowait). Compared with the relay's and this
    /// process's own CPU time it shows whether something else competed for the cores.
    static func machineBusySeconds() -> Double? {
        guard let text = try? read("/proc/stat"), let line = text.split(separator: "\n").first, line.hasPrefix("cpu ") else { return nil }
        let ticks = line.split(separator: " ").dropFirst().compactMap { Double($0) }
        guard ticks.count >= 5 else { return nil }
        // user nice system idle iowait irq softirq steal (guest time is already in user).
        let busy = ticks.prefix(8).enumerated().filter { $0.offset != 3 && $0.offset != 4 }.map(\.element).reduce(0, +)
        return busy / ticksPerSecond
    }

    /// A `kB` line of `/proc/<pid>/status` (VmRSS, VmHWM, …), in KiB.
    static func statusKiB(pid: Int32, _ key: String) throws -> Int {
        guard let value = try statusValue(pid: pid, key), let kib = Int(value.split(separator: " ").first ?? "") else {
            throw LoadError("no \(key) in /proc/\(pid)/status")
        }
        return kib
    }

    /// Open file descriptors of the process (entries of `/proc/<pid>/fd`).
    static func openFiles(pid: Int32) -> Int? {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd"))?.count
    }

    private static func statusValue(pid: Int32, _ key: String) throws -> String? {
        let text = try read("/proc/\(pid)/status")
        for line in text.split(separator: "\n") where line.hasPrefix(key + ":") {
            return line.dropFirst(key.count + 1).trimmingCharacters(in: .whitespaces)
        }
        return nil
    }

    private static func read(_ path: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: path) else { throw LoadError("cannot read \(path)") }
        return String(decoding: data, as: UTF8.self)
    }
}

/// A relay process to watch, when `--relay-pid` is given.
struct RelayProcess {
    let pid: Int32

    func cpuSeconds() throws -> Double { try ProcStats.cpuSeconds(pid: pid) }
    func rssKiB() throws -> Int { try ProcStats.statusKiB(pid: pid, "VmRSS") }
}

/// Latency samples in nanoseconds.
struct Samples {
    private(set) var values: [UInt64] = []

    init(capacity: Int) { values.reserveCapacity(capacity) }

    mutating func add(_ ns: UInt64) { values.append(ns) }

    /// Nearest-rank percentile, in microseconds.
    func percentileMicros(_ p: Double) -> Double {
        guard !values.isEmpty else { return 0 }
        let sorted = values.sorted()
        let rank = min(sorted.count - 1, max(0, Int((p / 100 * Double(sorted.count)).rounded(.up)) - 1))
        return Double(sorted[rank]) / 1_000
    }

    var meanMicros: Double {
        values.isEmpty ? 0 : Double(values.reduce(0, +)) / Double(values.count) / 1_000
    }

    var maxMicros: Double { Double(values.max() ?? 0) / 1_000 }
}

/// CPU time taken over a timed phase: the relay's, this process's and everything else's.
struct CPUWindow {
    let relay: RelayProcess?
    private let relay0: Double?
    private let self0: Double
    private let machine0: Double?
    private let t0: UInt64

    init(relay: RelayProcess?) throws {
        self.relay = relay
        relay0 = try relay?.cpuSeconds()
        self0 = try ProcStats.cpuSeconds(pid: getpid())
        machine0 = ProcStats.machineBusySeconds()
        t0 = LoadContext.now()
    }

    /// Report fields: loader CPU per message, relay CPU per message (with --relay-pid), and
    /// how many cores other processes kept busy meanwhile (a contended run is not comparable).
    func fields(messages: Int, relayKey: String = "relayCpuUsPerMessage") throws -> [(String, Any)] {
        let seconds = Double(LoadContext.now() - t0) / 1e9
        let selfCPU = try ProcStats.cpuSeconds(pid: getpid()) - self0
        var out: [(String, Any)] = [("loaderCpuUsPerMessage", r2(selfCPU * 1e6 / Double(messages)))]
        var relayCPU = 0.0
        if let relay, let relay0 {
            relayCPU = try relay.cpuSeconds() - relay0
            out += [("relayCpuSeconds", r2(relayCPU)), (relayKey, r2(relayCPU * 1e6 / Double(messages))),
                    ("relayCpuUtilization", r2(relayCPU / seconds))]
        }
        if let machine0, let machine1 = ProcStats.machineBusySeconds() {
            out.append(("otherCpuCores", r2(max(0, machine1 - machine0 - selfCPU - relayCPU) / seconds)))
        }
        return out
    }
}

/// Rounds for the report (two decimals).
func r2(_ x: Double) -> Double { (x * 100).rounded() / 100 }

/// Writes one JSON object as a line on stdout, unbuffered (the script reads it while the
/// process may still be holding connections).
func emitResult(_ fields: [(String, Any)]) {
    var parts: [String] = []
    for (key, value) in fields {
        let rendered: String
        switch value {
        case let s as String: rendered = "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
        case let d as Double: rendered = d.isFinite ? String(d) : "null"
        case let i as Int: rendered = String(i)
        case let b as Bool: rendered = b ? "true" : "false"
        default: rendered = "null"
        }
        parts.append("\"\(key)\":\(rendered)")
    }
    FileHandle.standardOutput.write(Data(("{" + parts.joined(separator: ",") + "}\n").utf8))
}

/// A progress line on stderr.
func note(_ message: String) {
    FileHandle.standardError.write(Data("cn-relay-load: \(message)\n".utf8))
}
