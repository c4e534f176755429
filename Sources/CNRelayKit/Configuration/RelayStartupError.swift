/// Why the relay could not start; each kind maps to the exit status in `man/cn-relay.8`.
public struct RelayStartupError: Error, Sendable, CustomStringConvertible {
    /// The kind of failure, with its sysexits status.
    public enum Kind: Int32, Sendable {
        /// The data directory or the secret could not be created (73).
        case cannotCreate = 73
        /// The port could not be bound, or a file could not be read (74).
        case io = 74
        /// Inconsistent or unusable options (78).
        case configuration = 78
    }

    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
    /// The process exit status for this error.
    public var exitCode: Int32 { kind.rawValue }
}
