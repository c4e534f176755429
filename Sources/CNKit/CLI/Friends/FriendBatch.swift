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

    /// `cn-friend` without a subcommand: the operations on stdin (not a terminal).
    public static func main(_ options: ClientOptions, offline: Bool) async throws -> ExitStatus {
        guard isatty(STDIN_FILENO) == 0 else {
            throw CommandFailure(.usage, "no operation: give a subcommand (see --help), or JSON lines on stdin")
        }
        let context = try ClientContext(options, offline: offline)
        if !offline { try await context.connect() }
        let status = await run(context: context)
        await context.close()
        return status
    }

    /// Runs every line of `input`; returns the exit status (0, or the first failure's).
    public static func run(context: ClientContext, input: Int32 = STDIN_FILENO) async -> ExitStatus {
        var status = ExitStatus.ok
        var number = 0
        for await line in LineReader(descriptor: input, maximumLineBytes: maximumLineBytes) {
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
