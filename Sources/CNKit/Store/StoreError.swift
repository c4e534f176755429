/// Why the account store refused an operation. Each case maps to one exit code in CNCLI.
public struct StoreError: Error, Equatable, CustomStringConvertible {
    /// What kind of failure it is.
    public enum Kind: String, Sendable {
        /// No such account, no default account, or a store that is not set up (exit 78).
        case noAccount
        /// A store file exists but cannot be understood; it is left untouched (exit 78).
        case corrupt
        /// An account that is already there (exit 73).
        case exists
        /// A wrong passphrase or mnemonic (exit 77).
        case wrongPassphrase
        /// A passphrase is needed and no source gave one (exit 78).
        case passphraseUnavailable
        /// Reading or writing failed (exit 74).
        case io
    }

    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}
