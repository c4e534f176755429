import Foundation
import Testing

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

/// The built binaries, driven exactly as a user drives them: arguments, environment,
/// stdin, stdout, stderr and the exit status.
enum Binaries {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../../.build/debug").standardizedFileURL.path

    static func path(_ name: String) -> String { directory + "/" + name }

    static func temporaryDirectory(_ label: String) -> String {
        let path = NSTemporaryDirectory() + "cn-e2e-\(label)-" + UUID().uuidString.prefix(8)
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
}

/// What a finished command left behind.
struct Outcome: CustomStringConvertible {
    var status: Int32
    var stdout: String
    var stderr: String

    /// The stdout lines parsed as JSON objects.
    var lines: [[String: Any]] {
        stdout.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
    }

    /// The stderr lines parsed as JSON objects.
    var errorLines: [[String: Any]] {
        stderr.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
    }

    /// The `{"error":{"code":…}}` line on stderr, if any.
    var errorCode: Int? { errorLines.compactMap { ($0["error"] as? [String: Any])?["code"] as? Int }.first }

    /// The `message` event lines on stdout (cn-recv's output).
    var messages: [[String: Any]] { lines.filter { $0["type"] as? String == "message" } }

    /// Events reported on stderr (`{"event":{…}}`).
    var events: [[String: Any]] { errorLines.compactMap { $0["event"] as? [String: Any] } }

    var description: String { "exit \(status)\nstdout: \(stdout)\nstderr: \(stderr)" }
}

/// A child process whose output goes to files (so neither pipe can fill and block it).
final class Child: @unchecked Sendable {
    let process = Process()
    let stdoutPath: String
    let stderrPath: String
    let input: Pipe?

    init(_ executable: String, _ arguments: [String], environment: [String: String], stdin: Pipe? = nil) throws {
        let dir = Binaries.temporaryDirectory("out")
        stdoutPath = dir + "/stdout"
        stderrPath = dir + "/stderr"
        FileManager.default.createFile(atPath: stdoutPath, contents: nil)
        FileManager.default.createFile(atPath: stderrPath, contents: nil)
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = environment
        process.standardOutput = FileHandle(forWritingAtPath: stdoutPath)
        process.standardError = FileHandle(forWritingAtPath: stderrPath)
        process.standardInput = stdin ?? FileHandle.nullDevice
        input = stdin
        try process.run()
    }

    var stdout: String { (try? String(contentsOfFile: stdoutPath, encoding: .utf8)) ?? "" }
    var stderr: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }

    /// Writes one line to the child's stdin.
    func send(_ line: String) {
        input?.fileHandleForWriting.write(Data((line + "\n").utf8))
    }

    func closeInput() {
        try? input?.fileHandleForWriting.close()
    }

    /// Waits until `condition` holds for the output so far.
    func waitFor(_ what: String, timeout: Double = 15, _ condition: (Child) -> Bool) async throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if condition(self) { return }
            if !process.isRunning, !condition(self) { throw TestFailure("\(what): the process ended\n\(stdout)\n\(stderr)") }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw TestFailure("\(what): timed out\nstdout: \(stdout)\nstderr: \(stderr)")
    }

    /// Waits for the exit (killing the child after `timeout`, which fails the test).
    func finish(timeout: Double = 30) async throws -> Outcome {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning {
            if Date() > deadline {
                process.terminate()
                throw TestFailure("still running after \(timeout) s (hung?)\nstdout: \(stdout)\nstderr: \(stderr)")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        return Outcome(status: process.terminationStatus, stdout: stdout, stderr: stderr)
    }
}

/// Runs a command to its end: one of ours by name, or any program by absolute path.
func run(_ name: String, _ arguments: [String], environment: [String: String], stdin: String? = nil, timeout: Double = 30,
         absolute: Bool = false) async throws -> Outcome {
    let pipe = stdin.map { _ in Pipe() }
    let child = try Child(absolute ? name : Binaries.path(name), arguments, environment: environment, stdin: pipe)
    if let stdin {
        pipe!.fileHandleForWriting.write(Data(stdin.utf8))
        child.closeInput()
    }
    return try await child.finish(timeout: timeout)
}
