import Foundation

/// The JSON-lines mode of `cn-friend`: one operation per line, results in order.
public enum FriendBatch {
    /// The longest line read; longer lines are refused (65) without being buffered whole.
    public static let maximumLineBytes = 64 * 1024

    /// A failed line: the error line of a fatal error, with the line's number.
    struct LineError: Encodable {
        var error: Output.ErrorLine
        var line: Int
    }

    /// Runs every line of `input`; returns the exit status (0, or the first failure's).
    public static func run(context: ClientContext, input: FileHandle) async -> ExitStatus {
        var status = ExitStatus.ok
        var number = 0
        for line in JSONLineReader(input, maximumLineBytes: maximumLineBytes) {
            number += 1
            let failure: CommandFailure
            switch line {
            case .tooLong:
                failure = CommandFailure(.dataError, "line longer than \(maximumLineBytes) bytes")
            case .notUTF8:
                failure = CommandFailure(.dataError, "line is not UTF-8")
            case .text(let text):
                if text.allSatisfy(\.isWhitespace) { continue }
                do {
                    let operation = try decode(text)
                    for result in try await operation.run(in: context) { Output.emit(result) }
                    continue
                } catch {
                    failure = CommandFailure(error)
                }
            }
            Output.emit(LineError(error: Output.ErrorLine(failure), line: number))
            if status == .ok { status = failure.status }
        }
        return status
    }

    static func decode(_ text: String) throws -> FriendOperation {
        do {
            return try JSONDecoder().decode(FriendOperation.self, from: Data(text.utf8))
        } catch DecodingError.dataCorrupted(let context) where context.codingPath.last?.stringValue == "op" {
            throw CommandFailure(.dataError, "unknown \"op\"; one of: \(FriendOperation.Kind.allCases.map(\.rawValue).joined(separator: ", "))")
        } catch DecodingError.keyNotFound(let key, _) {
            throw CommandFailure(.dataError, "missing \"\(key.stringValue)\"")
        } catch {
            throw CommandFailure(.dataError, "not a JSON object with \"op\" (a string) and \"email\"")
        }
    }
}

/// Lines from a file handle, read in chunks, each bounded in size.
struct JSONLineReader: Sequence, IteratorProtocol {
    enum Line {
        case text(String)
        case tooLong
        case notUTF8
    }

    private let handle: FileHandle
    private let maximum: Int
    private var buffer: [UInt8] = []
    private var ended = false
    private var discarding = false

    /// A line as text; bytes that are not UTF-8 are refused rather than replaced (a
    /// replaced byte could turn a malformed address into a plausible one).
    static func line(_ bytes: [UInt8]) -> Line {
        String(validating: bytes, as: UTF8.self).map(Line.text) ?? .notUTF8
    }

    init(_ handle: FileHandle, maximumLineBytes: Int) {
        self.handle = handle
        self.maximum = maximumLineBytes
    }

    mutating func next() -> Line? {
        while true {
            if let newline = buffer.firstIndex(of: 0x0A) {
                let line = Array(buffer[..<newline])
                buffer.removeSubrange(...newline)
                if discarding {
                    discarding = false
                    return .tooLong
                }
                return Self.line(line)
            }
            if buffer.count > maximum {
                // Keep reading to the end of the line, but not its bytes.
                buffer.removeAll(keepingCapacity: true)
                discarding = true
            }
            if ended {
                guard !buffer.isEmpty || discarding else { return nil }
                defer { buffer.removeAll(); discarding = false }
                return discarding ? .tooLong : Self.line(buffer)
            }
            let chunk = handle.availableData
            if chunk.isEmpty { ended = true } else { buffer += chunk }
        }
    }
}
