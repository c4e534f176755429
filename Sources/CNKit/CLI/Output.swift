import Foundation
import Synchronization
import CNCrypto

/// JSON-lines output: results on stdout, diagnostics and fatal errors on stderr, one JSON
/// object per line, keys sorted so that output is stable for scripts and tests.
public enum Output {
    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    /// The JSON text of `value` on one line.
    public static func line(_ value: some Encodable) -> String {
        (try? String(decoding: encoder.encode(value), as: UTF8.self)) ?? #"{"error":{"code":70,"message":"unencodable output"}}"#
    }

    /// Writes one result line to stdout (flushed at once: pipelines see it immediately).
    public static func emit(_ value: some Encodable) {
        write(line(value) + "\n", to: STDOUT_FILENO)
    }

    /// Writes one diagnostic line to stderr.
    public static func diagnostic(_ value: some Encodable) {
        write(line(value) + "\n", to: STDERR_FILENO)
    }

    /// Writes a human note to stderr (not for scripts: their data is on stdout).
    public static func note(_ text: String) {
        write(text + "\n", to: STDERR_FILENO)
    }

    /// `text` without control characters, for showing what a server sent on a terminal
    /// (an escape sequence must not reach it).
    public static func printable(_ text: String) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.filter { $0.properties.generalCategory != .control && $0.properties.generalCategory != .format }))
    }

    /// RFC 3339 text of a date, as every time in the output is written.
    public static func rfc3339(_ date: Date) -> String { RFC3339.string(from: date) }

    /// The `{"error":{"code":…,"message":…}}` line for a fatal error.
    public static func errorLine(_ failure: CommandFailure) -> String {
        line(["error": ErrorLine(failure)])
    }

    /// `{"code":…,"message":…}`: what an error line says.
    struct ErrorLine: Codable {
        var code: Int
        var message: String

        init(_ failure: CommandFailure) {
            code = Int(failure.status.rawValue)
            message = failure.message
        }
    }

    /// Writes all of `text` to a descriptor (unbuffered: one line is one write, so lines of
    /// concurrent writers never interleave mid-line). A closed pipe is ignored.
    /// A failed write to stdout (a full disk, a closed file) is remembered: the command then
    /// ends with exit 74 instead of claiming success for output that was lost.
    public static func write(_ text: String, to fd: Int32) {
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let n = bytes.withUnsafeBytes { Foundation.write(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                switch errno {
                case EINTR: continue
                case EAGAIN:
                    // A non-blocking descriptor that is full: wait until it takes more.
                    var ready = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
                    _ = poll(&ready, 1, 1000)
                    continue
                case EPIPE where fd == STDOUT_FILENO:
                    // The reader went away (`| head`): end as any Unix tool does, by SIGPIPE.
                    signal(SIGPIPE, SIG_DFL)
                    raise(SIGPIPE)
                    _exit(128 + SIGPIPE)  // SIGPIPE blocked by the parent: the same status
                default:
                    if fd == STDOUT_FILENO { lostOutput.withLock { $0 = String(cString: strerror(errno)) } }
                    return
                }
            }
            bytes = bytes.dropFirst(n)
        }
    }

    /// Why stdout output was lost, if it was.
    public static var lostOutputReason: String? { lostOutput.withLock { $0 } }
    private static let lostOutput = Mutex<String?>(nil)
}
