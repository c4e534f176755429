import Foundation
import ArgumentParser
import CNCrypto
import CNStore

/// Helpers every client command uses for its arguments.
public enum Arguments {
    /// A command-line e-mail argument, normalized; a malformed one is a usage error (64).
    public static func email(_ raw: String, what: String = "e-mail") throws -> EmailAddress {
        guard let email = EmailAddress(raw) else { throw ValidationError("\"\(raw)\" is not a valid \(what) address") }
        return email
    }
}

/// Facts about a session token that the client can read without the relay's secret.
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

    /// RFC 3339 text of a date.
    public static func rfc3339(_ date: Date) -> String { ISO8601DateFormatter().string(from: date) }
}

/// One account as `cn-account` prints it.
public struct AccountLine: Codable, Sendable {
    public var email: String
    public var relay: String
    public var `default`: Bool
    public var added: String
    /// This device's key (the device id), when the account was opened.
    public var device: String?
    /// Whether the secrets are passphrase-protected.
    public var passphrase: Bool?

    public init(entry: AccountEntry, device: String? = nil, passphrase: Bool? = nil) {
        email = entry.email
        relay = entry.relay
        self.default = entry.default
        added = entry.added
        self.device = device
        self.passphrase = passphrase
    }

    public init(account: Account, entry: AccountEntry) {
        self.init(entry: entry, device: account.identity.publicKey.base64, passphrase: account.isPassphraseProtected)
    }
}
