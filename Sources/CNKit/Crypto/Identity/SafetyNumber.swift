import Crypto

/// Safety numbers (PROTOCOL §6.4, after Signal's numeric fingerprints): 60 digits that two
/// users compare to know that no one sits between them.
public enum SafetyNumber {
    /// The iteration count of the per-user hash chain.
    public static let iterations = 5200

    /// The 30-digit half of one user: `h = 0x0000 ‖ K ‖ e`, then 5,200 times
    /// `h = SHA-512(h ‖ K)`, where `K` is the user's device keys (65 raw bytes each, sorted
    /// bytewise) and `e` the normalized e-mail; six 5-byte groups, each mod 100,000.
    public static func digits(email: EmailAddress, keys: [DevicePublicKey]) -> String {
        let joinedKeys = keys.map(\.rawBytes).sorted { $0.lexicographicallyPrecedes($1) }.flatMap { $0 }
        var hash: [UInt8] = [0, 0] + joinedKeys + Array(email.value.utf8)
        for _ in 0..<iterations {
            var hasher = SHA512()
            hasher.update(data: hash)
            hasher.update(data: joinedKeys)
            hash = Array(hasher.finalize())
        }
        return (0..<6).map { group in
            let value = hash[group * 5..<group * 5 + 5].reduce(UInt64(0)) { $0 << 8 | UInt64($1) } % 100_000
            let text = String(value)
            return String(repeating: "0", count: 5 - text.count) + text
        }.joined()
    }

    /// The safety number of two users, the one whose e-mail sorts first first, as 12 groups
    /// of 5 digits separated by spaces. The same on both sides.
    public static func between(_ a: (email: EmailAddress, keys: [DevicePublicKey]),
                               _ b: (email: EmailAddress, keys: [DevicePublicKey])) -> String {
        let (first, second) = a.email <= b.email ? (a, b) : (b, a)
        let all = digits(email: first.email, keys: first.keys) + digits(email: second.email, keys: second.keys)
        return stride(from: 0, to: 60, by: 5).map { offset in
            let start = all.index(all.startIndex, offsetBy: offset)
            return String(all[start..<all.index(start, offsetBy: 5)])
        }.joined(separator: " ")
    }

    /// `input` reduced to its digits, for comparing what a user typed or pasted.
    public static func normalized(_ input: String) -> String {
        String(input.unicodeScalars.filter { $0.properties.numericType == .decimal && $0.isASCII }.map(Character.init))
    }
}
