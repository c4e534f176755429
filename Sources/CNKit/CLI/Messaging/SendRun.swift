import Foundation
import CNProtocol
import CNCrypto
import CNStore
import CNClient

/// What `cn-send` was asked to do (DESIGN §4).
public struct SendInvocation: Sendable {
    /// `--to`: the friend for text arguments and plain lines (a JSON line may name its own).
    public var to: String?
    /// Text from the arguments: one message, the words joined by spaces.
    public var texts: [String]
    /// `--json`: stdin holds JSON lines, not plain text.
    public var json: Bool
    /// `--wait`: seconds to wait for the relay's word on each message.
    public var wait: Double

    public init(to: String?, texts: [String], json: Bool, wait: Double) {
        self.to = to
        self.texts = texts
        self.json = json
        self.wait = wait
    }
}

/// `cn-send`: messages from the arguments or stdin, one result line per message, in order.
public enum SendRun {
    /// The longest input line: a text this long travels as about 170 TEXT_CHUNK parts.
    public static let maximumLineBytes = 2 * 1_048_576

    /// One line of `--json` input.
    struct JSONLine: Decodable {
        var to: String?
        var text: String?
        var replyTo: String?
        var edit: String?
        var delete: String?
        var react: String?
        var emoji: String?
        var remove: Bool?
        var file: String?
    }

    /// What goes to the printer, in input order.
    private enum Entry: Sendable {
        case ticket(SendTicket, deadline: ContinuousClock.Instant)
        case failure(CommandFailure, line: Int?)
    }

    /// Runs the command; returns its exit status.
    public static func run(_ invocation: SendInvocation, options: ClientOptions) async throws -> ExitStatus {
        let defaultPeer = try invocation.to.map { raw -> EmailAddress in
            guard let email = EmailAddress(raw) else { throw CommandFailure(.usage, "--to: \"\(raw)\" is not a valid e-mail address") }
            return email
        }
        if !invocation.texts.isEmpty, defaultPeer == nil { throw CommandFailure(.usage, "text on the command line needs --to") }
        if invocation.texts.isEmpty, !invocation.json, defaultPeer == nil { throw CommandFailure(.usage, "plain lines on stdin need --to (or use --json)") }

        let context = try ClientContext(options)
        var client: RelayClient?
        do {
            client = try await context.connect()
        } catch let error as ClientError where error.kind == .unreachable || error.kind == .timedOut {
            // Nothing is lost: every message is kept and sent by the next command of this
            // account that reaches the relay.
            if !options.quiet { Output.diagnostic(["warning": "the relay is unreachable (\(error.message)): messages are queued"]) }
        }
        let messaging = try context.messaging
        let wait = Duration.milliseconds(Int64(invocation.wait * 1000))

        // The printer writes result lines in input order, as the answers come; what is
        // ready goes out in one write, and nothing waits in the buffer while it waits.
        let entries = BurstQueue<Entry>()
        let printer = Task { () -> ExitStatus in
            var failure: ExitStatus?
            var queued = false
            var pending = ""
            while let burst = await entries.take() {
                for entry in burst {
                    switch entry {
                    case .ticket(let ticket, let deadline):
                        do {
                            let result: SendResult
                            if let answered = try messaging.result(for: ticket, final: false) {
                                result = answered
                            } else {
                                Output.write(pending, to: STDOUT_FILENO)
                                pending = ""
                                result = try await messaging.awaitResult(for: ticket, until: deadline)
                            }
                            messaging.forget(ticket)
                            if !result.isAccepted { queued = true }
                            pending += String(decoding: result.line, as: UTF8.self) + "\n"
                        } catch {
                            let failed = CommandFailure(error)
                            failure = failure ?? failed.status
                            pending += Output.line(LineError(error: Output.ErrorLine(failed), line: nil, id: ticket.id)) + "\n"
                        }
                    case .failure(let failed, let line):
                        failure = failure ?? failed.status
                        pending += Output.line(LineError(error: Output.ErrorLine(failed), line: line, id: nil)) + "\n"
                    }
                }
                Output.write(pending, to: STDOUT_FILENO)
                pending = ""
            }
            return failure ?? (queued ? .tempFail : .ok)
        }

        /// Submits the requests of one batch of input; queues their entries in input order.
        func submit(_ batch: [(request: Result<OutgoingRequest, CommandFailure>, line: Int?)]) async {
            let requests = batch.compactMap { try? $0.request.get() }
            var outcomes = await messaging.submit(requests, via: client)[...]
            let deadline = ContinuousClock.now + (client == nil ? .zero : wait)
            entries.append(batch.map { entry in
                switch entry.request {
                case .failure(let failed): return .failure(failed, line: entry.line)
                case .success:
                    switch outcomes.removeFirst() {
                    case .success(let ticket): return .ticket(ticket, deadline: deadline)
                    case .failure(let error): return .failure(CommandFailure(error), line: entry.line)
                    }
                }
            })
        }

        if !invocation.texts.isEmpty {
            await submit([(.success(.text(to: defaultPeer!, text: invocation.texts.joined(separator: " "), replyTo: nil)), nil)])
        } else {
            var number = 0
            for await lines in LineReader(maximumLineBytes: maximumLineBytes).batches {
                var batch: [(request: Result<OutgoingRequest, CommandFailure>, line: Int?)] = []
                for line in lines {
                    number += 1
                    switch line {
                    case .tooLong: batch.append((.failure(CommandFailure(.dataError, "line longer than \(maximumLineBytes) bytes")), number))
                    case .notUTF8: batch.append((.failure(CommandFailure(.dataError, "line is not UTF-8")), number))
                    case .text(let text):
                        if text.allSatisfy(\.isWhitespace) { continue }
                        do {
                            let request = invocation.json ? try parse(text, defaultPeer: defaultPeer) : .text(to: defaultPeer!, text: text, replyTo: nil)
                            batch.append((.success(request), number))
                        } catch {
                            batch.append((.failure(CommandFailure(error)), number))
                        }
                    }
                }
                await submit(batch)
            }
        }
        entries.finish()
        let status = await printer.value
        if let client { await messaging.flushAcknowledgements(via: client) }
        await context.close()
        return status
    }

    /// A failed line: the error, the input line's number (nil for the arguments), the message id.
    struct LineError: Encodable {
        var error: Output.ErrorLine
        var line: Int?
        var id: String?
    }

    /// Reads one `--json` line (DESIGN §4).
    static func parse(_ text: String, defaultPeer: EmailAddress?) throws -> OutgoingRequest {
        let line: JSONLine
        do { line = try JSONDecoder().decode(JSONLine.self, from: Data(text.utf8)) } catch {
            throw CommandFailure(.dataError, "not a JSON object of cn-send's shape ({\"to\",\"text\"}, {\"to\",\"edit\",\"text\"}, {\"to\",\"delete\"}, {\"to\",\"react\",\"emoji\"})")
        }
        let peer: EmailAddress
        if let raw = line.to {
            guard let email = EmailAddress(raw) else { throw CommandFailure(.dataError, "\"\(raw)\" is not a valid e-mail address") }
            peer = email
        } else if let defaultPeer {
            peer = defaultPeer
        } else {
            throw CommandFailure(.dataError, "missing \"to\"")
        }
        if line.file != nil {
            throw CommandFailure(.dataError, "\"file\": sending files is not part of this version of cn-send")
        }
        if let id = line.edit {
            guard let text = line.text else { throw CommandFailure(.dataError, "\"edit\" needs the new \"text\"") }
            return .edit(to: peer, id: id, text: text)
        }
        if let id = line.delete { return .delete(to: peer, id: id) }
        if let id = line.react {
            guard let emoji = line.emoji else { throw CommandFailure(.dataError, "\"react\" needs an \"emoji\"") }
            return .react(to: peer, id: id, emoji: emoji, remove: line.remove ?? false)
        }
        guard let text = line.text else { throw CommandFailure(.dataError, "missing \"text\"") }
        return .text(to: peer, text: text, replyTo: line.replyTo)
    }
}
