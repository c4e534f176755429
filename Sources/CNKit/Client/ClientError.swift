import CNProtocol

/// Why a client operation failed. Each case maps to one exit code in CNCLI.
public struct ClientError: Error, Equatable, CustomStringConvertible {
    /// What kind of failure it is.
    public enum Kind: String, Sendable {
        /// The relay cannot be reached, or it went away and did not come back in time (69).
        case unreachable
        /// The relay refused the credentials, or there are none (77).
        case authFailed
        /// Not allowed: not friends, blocked, no pending request (77).
        case notAllowed
        /// The request itself is wrong: a bad e-mail, oneself, an unknown user (65).
        case badRequest
        /// The relay did not answer within the timeout (75: try again).
        case timedOut
        /// The relay or a peer sent something that breaks the protocol (70).
        case protocolViolation
        /// A bad configuration: a malformed relay URL, an unreadable CA file (78).
        case configuration
        /// The operation cannot run as asked: it needs the relay in an offline run (64).
        case usage
    }

    public var kind: Kind
    public var message: String
    /// The relay's error code, when the relay refused.
    public var relayCode: ErrorCode?

    public init(_ kind: Kind, _ message: String, relayCode: ErrorCode? = nil) {
        self.kind = kind
        self.message = message
        self.relayCode = relayCode
    }

    public var description: String { message }

    /// The error for a relay ERROR frame answering a request.
    public static func relay(_ body: ErrorBody) -> ClientError {
        let kind: Kind = switch body.code {
        case .authRequired, .authFailed, .authRateLimited: .authFailed
        case .notFriends, .noPendingRequest: .notAllowed
        case .selfRequest, .badFrame, .tooLarge: .badRequest
        case .rateLimited: .timedOut
        default: .protocolViolation
        }
        return ClientError(kind, "the relay refused: \(body.message) (\(body.code.rawValue))", relayCode: body.code)
    }
}
