import Foundation
import Crypto

/// The relay's session tokens (PROTOCOL §3):
/// `sess:<expUnix>:<email>:<hex(HMAC-SHA256(K, "sess:<expUnix>:<email>"))>` with `K = H(secret)`.
public struct SessionTokenAuthority: Sendable {
    private let key: SymmetricKey

    /// Why a token was refused.
    public enum Rejection: Error, Sendable, Equatable {
        /// Not of the `sess:` shape.
        case malformed
        /// The MAC does not match (forged, or signed by another relay, or altered).
        case badSignature
        /// Past its expiry.
        case expired
    }

    /// An authority over the relay's secret (at least 16 bytes; the relay makes 32).
    public init(secret: [UInt8]) {
        precondition(secret.count >= 16, "a relay secret has at least 16 bytes")
        key = SymmetricKey(data: SHA256.hash(data: secret))
    }

    /// Mints a token for `email`, valid until `expires`.
    public func mint(email: EmailAddress, expires: Date) -> String {
        let body = "sess:\(Int64(expires.timeIntervalSince1970)):\(email.value)"
        return body + ":" + mac(body)
    }

    /// Mints a token valid for `days` days from `now`.
    public func mint(email: EmailAddress, days: Int, now: Date = Date()) -> String {
        mint(email: email, expires: now.addingTimeInterval(Double(days) * 86_400))
    }

    /// Verifies a token; returns its e-mail. The MAC comparison takes constant time.
    public func verify(_ token: String, now: Date = Date()) throws(Rejection) -> EmailAddress {
        guard token.hasPrefix("sess:"), token.utf8.count <= 600 else { throw .malformed }
        // The MAC is the last field; the e-mail may not contain ':' in practice, but
        // splitting from both ends keeps any such address intact.
        guard let lastColon = token.lastIndex(of: ":") else { throw .malformed }
        let body = String(token[..<lastColon])
        let presented = String(token[token.index(after: lastColon)...])
        let rest = body.dropFirst(5)
        guard let expColon = rest.firstIndex(of: ":"), let exp = Int64(rest[..<expColon]),
              let email = EmailAddress(String(rest[rest.index(after: expColon)...])),
              let presentedBytes = Hex.decode(presented), presentedBytes.count == 32 else { throw .malformed }
        guard HMAC<SHA256>.isValidAuthenticationCode(presentedBytes, authenticating: Array(body.utf8), using: key) else {
            throw .badSignature
        }
        // The e-mail in the token must be the normalized one it was minted for.
        guard email.value == String(rest[rest.index(after: expColon)...]) else { throw .badSignature }
        guard Double(exp) > now.timeIntervalSince1970 else { throw .expired }
        return email
    }

    private func mac(_ body: String) -> String {
        Hex.encode(HMAC<SHA256>.authenticationCode(for: Array(body.utf8), using: key))
    }
}

/// TURN credentials in coturn's `use-auth-secret` scheme (PROTOCOL §5.9).
public enum TurnCredentialMinter {
    /// `username = "<expUnix>:<first 16 hex of emailHash>"`,
    /// `credential = b64(HMAC-SHA1(secret, username))`.
    public static func mint(secret: String, email: EmailAddress, ttl: Int, now: Date = Date()) -> (username: String, credential: String) {
        let exp = Int64(now.timeIntervalSince1970) + Int64(ttl)
        let username = "\(exp):\(email.hash.prefix(16))"
        let mac = HMAC<Insecure.SHA1>.authenticationCode(for: Array(username.utf8), using: SymmetricKey(data: Array(secret.utf8)))
        return (username, Data(mac).base64EncodedString())
    }
}

/// What a client can read from a session token without the relay's secret.
public enum SessionTokenInfo {
    /// The expiry of a `sess:<exp>:<email>:<mac>` token (nil for other tokens).
    public static func expiry(_ token: String) -> Date? {
        let parts = token.split(separator: ":", maxSplits: 2)
        guard parts.count == 3, parts[0] == "sess", let seconds = Int64(parts[1]) else { return nil }
        return Date(timeIntervalSince1970: TimeInterval(seconds))
    }

    /// The e-mail a `sess:` token names (unverified: for messages only).
    public static func email(_ token: String) -> EmailAddress? {
        let parts = token.split(separator: ":", maxSplits: 2)
        guard parts.count == 3, parts[0] == "sess", let end = parts[2].lastIndex(of: ":") else { return nil }
        return EmailAddress(String(parts[2][..<end]))
    }
}
