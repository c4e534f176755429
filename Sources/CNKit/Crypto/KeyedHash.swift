import Crypto

/// A keyed, truncated hash for logs: identities recorded without being recoverable
/// by hashing a guess (an IP address or an e-mail hash is easy to guess; a keyed hash
/// is not, without the relay's secret).
public struct KeyedTag: Sendable {
    private let key: SymmetricKey

    /// A tagger keyed from `secret` under a purpose label, so different logs never share tags.
    public init(secret: [UInt8], purpose: String) {
        key = SymmetricKey(data: HMAC<SHA256>.authenticationCode(for: Array(purpose.utf8), using: SymmetricKey(data: secret)))
    }

    /// The first 16 hex digits of `HMAC-SHA256(key, value)`.
    public func tag(_ value: String) -> String {
        String(Hex.encode(HMAC<SHA256>.authenticationCode(for: Array(value.utf8), using: key)).prefix(16))
    }
}
