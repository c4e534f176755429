import Foundation
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

    /// RFC 3339 text of a date, as every time in the output is written.
    public static func rfc3339(_ date: Date) -> String { RFC3339.string(from: date) }

    /// The `{"error":{"code":…,"message":…}}` line for a fatal error.
    public static func errorLine(_ failure: CommandFailure) -> String {
        line(["error": ErrorLine(code: Int(failure.status.rawValue), message: failure.message)])
    }

    struct ErrorLine: Codable {
        var code: Int
        var message: String
    }

    /// Writes all of `text` to a descriptor (unbuffered: one line is one write, so lines of
    /// concurrent writers never interleave mid-line). A closed pipe is ignored.
    public static func write(_ text: String, to fd: Int32) {
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let n = bytes.withUnsafeBytes { Foundation.write(fd, $0.baseAddress, $0.count) }
            if n < 0 { if errno == EINTR { continue }; return }
            bytes = bytes.dropFirst(n)
        }
    }
}
