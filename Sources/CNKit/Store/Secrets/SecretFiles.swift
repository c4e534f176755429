import Foundation
import Crypto
import CNCrypto

/// Supplies the passphrase when a protected account is opened. Called at most once per
/// open, and only when the account has a passphrase.
public typealias PassphraseProvider = @Sendable () throws -> String

/// The account's public description, `account.json` in its folder.
struct AccountManifest: Codable, Sendable {
    var email: String
    var relay: String
    var publicKey: String
    var created: String
    /// Present when the secrets are passphrase-protected: the scrypt parameters.
    var passphrase: ScryptParameters?

    static let fileName = "account.json"
}

/// The secret files of one account — the identity key, the mnemonic and the session token —
/// each mode 0600, either plain or sealed under a key from scrypt(passphrase).
///
/// A sealed file reads `cnsealed-v1:<b64(nonce ‖ ciphertext ‖ tag)>` with the file's name
/// as AAD, so files cannot be swapped. Each file says by itself whether it is sealed, so a
/// passphrase change interrupted half-way still leaves every file readable.
struct SecretFiles: Sendable {
    enum Name: String, CaseIterable {
        case identity = "identity.key"
        case mnemonic = "mnemonic"
        case sessionToken = "session.token"
    }

    static let sealedPrefix = "cnsealed-v1:"

    let directory: String
    /// The key the files are sealed with, or nil for plain files.
    let key: SymmetricKey?

    func read(_ name: Name) throws -> String? {
        let path = directory + "/" + name.rawValue
        guard let bytes = try FileSystem.read(path) else { return nil }
        let text = String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard text.hasPrefix(Self.sealedPrefix) else { return text }
        guard let key else { throw StoreError(.passphraseUnavailable, "\(path) is passphrase-protected") }
        guard let sealed = Data(base64Encoded: String(text.dropFirst(Self.sealedPrefix.count))) else {
            throw StoreError(.corrupt, "\(path) is damaged")
        }
        do {
            return String(decoding: try Sealed.open(sealed, key: key, context: name.rawValue), as: UTF8.self)
        } catch SealError.wrongKey {
            throw StoreError(.wrongPassphrase, "wrong passphrase for \(directory)")
        }
    }

    func write(_ name: Name, _ value: String) throws {
        let text: String
        if let key {
            text = Self.sealedPrefix + Data(try Sealed.seal(Array(value.utf8), key: key, context: name.rawValue)).base64EncodedString()
        } else {
            text = value
        }
        try FileSystem.writeAtomically(Array((text + "\n").utf8), to: directory + "/" + name.rawValue)
    }

    func remove(_ name: Name) throws {
        try FileSystem.remove(directory + "/" + name.rawValue)
    }
}
