import CNCrypto
import CNStore

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
