import Crypto

/// A normalized e-mail address: `lowercase(trim(e))`, checked for a plausible shape.
///
/// The relay and every client key accounts by ``hash`` (PROTOCOL notation `emailHash`);
/// the original app normalized exactly this way, so hashes agree across both systems.
public struct EmailAddress: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The normalized address.
    public let value: String

    /// Normalizes and validates `raw`; nil if it is not a usable address.
    ///
    /// Accepted: at most 254 bytes after trimming, exactly one `@` with a non-empty local
    /// part and a domain that contains no spaces, controls or empty labels.
    public init?(_ raw: String) {
        let trimmed = raw.trimmingASCIIWhitespace().lowercased()
        guard EmailAddress.isPlausible(trimmed) else { return nil }
        value = trimmed
    }

    /// `hex(SHA-256(value))`.
    public var hash: String { Hex.encode(SHA256.hash(data: Array(value.utf8))) }

    public var description: String { value }

    public static func < (a: EmailAddress, b: EmailAddress) -> Bool {
        // Byte order, as PROTOCOL §4 requires for the sid.
        a.value.utf8.lexicographicallyPrecedes(b.value.utf8)
    }

    static func isPlausible(_ s: String) -> Bool {
        let bytes = Array(s.utf8)
        guard !bytes.isEmpty, bytes.count <= 254 else { return false }
        guard let at = bytes.firstIndex(of: UInt8(ascii: "@")), at > 0, at < bytes.count - 1,
              bytes[(at + 1)...].firstIndex(of: UInt8(ascii: "@")) == nil else { return false }
        // No spaces or controls anywhere; the domain has non-empty dot-separated labels.
        guard !bytes.contains(where: { $0 <= 0x20 || $0 == 0x7F }) else { return false }
        let domain = bytes[(at + 1)...]
        return !domain.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false).contains(where: \.isEmpty)
    }
}

extension String {
    /// The string without leading and trailing ASCII whitespace (Foundation-free).
    func trimmingASCIIWhitespace() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        guard let start = firstIndex(where: { !isSpace($0) }), let end = lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(self[start...end])
    }
}
