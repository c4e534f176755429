import Foundation
import Crypto
import CNCrypto

/// One opened account: its identity, its secrets and its relay. Every client command works
/// on one of these.
public final class Account: Sendable {
    /// The store the account lives in.
    public let store: AccountStore
    /// The account's normalized e-mail.
    public let email: EmailAddress
    /// The relay URL (`ws://` or `wss://`).
    public let relay: String
    /// The account's folder (`user_<h16>`).
    public let directory: String
    /// This device's key pair.
    public let identity: IdentityKey
    /// The recovery phrase; the database key is derived from it.
    public let mnemonic: Mnemonic
    /// When the account was created on this device (RFC 3339).
    public let created: String
    /// Whether the secrets are passphrase-protected.
    public let isPassphraseProtected: Bool

    private let secrets: SecretFiles

    init(store: AccountStore, manifest: AccountManifest, directory: String, secrets: SecretFiles) throws {
        guard let email = EmailAddress(manifest.email) else { throw StoreError(.corrupt, "\(directory)/account.json names no valid e-mail") }
        self.store = store
        self.email = email
        self.relay = manifest.relay
        self.directory = directory
        self.created = manifest.created
        self.isPassphraseProtected = manifest.passphrase != nil
        self.secrets = secrets
        guard let keyText = try secrets.read(.identity), let raw = Data(base64Encoded: keyText),
              let identity = try? IdentityKey(rawRepresentation: Array(raw)) else {
            throw StoreError(.corrupt, "\(directory)/identity.key is missing or damaged")
        }
        guard identity.publicKey.base64 == manifest.publicKey else {
            throw StoreError(.corrupt, "\(directory)/identity.key does not match the public key in account.json")
        }
        self.identity = identity
        guard let phrase = try secrets.read(.mnemonic) else { throw StoreError(.corrupt, "\(directory)/mnemonic is missing") }
        do { mnemonic = try Mnemonic(storedPhrase: phrase) } catch {
            throw StoreError(.corrupt, "\(directory)/mnemonic is damaged: \(error)")
        }
    }

    /// The session token from the last AUTH_SUCCESS (or enrollment), if there is one.
    public func sessionToken() throws -> String? {
        try secrets.read(.sessionToken).flatMap { $0.isEmpty ? nil : $0 }
    }

    /// Replaces the session token (each AUTH_SUCCESS brings a fresh one). Atomic; with
    /// several processes the last writer wins, and every written token is valid.
    public func saveSessionToken(_ token: String) throws {
        try secrets.write(.sessionToken, token)
    }

    /// Keeps the fresh token of an AUTH_SUCCESS — when it buys at least a day over the stored
    /// one. The relay hands out a new 30-day token at every AUTH; rewriting (and with a
    /// passphrase, re-sealing) the file on every command would cost a disk write each time
    /// for nothing. A stored token that is not a `sess:` token (an ID token) is always replaced.
    public func refreshSessionToken(_ token: String) throws {
        if let stored = try sessionToken(), let old = SessionTokenInfo.expiry(stored), let new = SessionTokenInfo.expiry(token),
           new.timeIntervalSince(old) < 86_400 {
            return
        }
        try saveSessionToken(token)
    }

    /// Forgets the session token (`cn-account logout`).
    public func forgetSessionToken() throws {
        try secrets.remove(.sessionToken)
    }

    /// The folder for received and sent files.
    public var filesDirectory: String { directory + "/files" }

    /// The account database, opened (and migrated) on first use by this process.
    public func openDatabase() throws -> AccountDatabase {
        try AccountDatabase(path: directory + "/db.sqlite", fieldKey: mnemonic.derivedKey(purpose: "account-database-fields-v1"))
    }

    /// Protects the secrets with `passphrase`, or removes the protection when nil.
    /// Interrupted half-way, every file stays readable (each says whether it is sealed).
    public func setPassphrase(_ passphrase: String?) throws {
        let manifestPath = directory + "/" + AccountManifest.fileName
        var manifest = try AccountStore.readManifest(manifestPath)
        let token = try sessionToken()
        let target: SecretFiles
        if let passphrase {
            let parameters = ScryptParameters.fresh()
            target = SecretFiles(directory: directory, key: try parameters.key(for: passphrase))
            manifest.passphrase = parameters
            try AccountStore.writeManifest(manifest, to: manifestPath)
        } else {
            target = SecretFiles(directory: directory, key: nil)
        }
        try target.write(.identity, Data(identity.rawRepresentation).base64EncodedString())
        try target.write(.mnemonic, mnemonic.phrase)
        if let token { try target.write(.sessionToken, token) }
        if passphrase == nil {
            manifest.passphrase = nil
            try AccountStore.writeManifest(manifest, to: manifestPath)
        }
    }
}

extension AccountStore {
    /// Opens the account `email` (or the default one). `passphrase` is asked only if the
    /// account is protected.
    public func open(_ email: String? = nil, passphrase: PassphraseProvider) throws -> Account {
        let entry = try entry(for: email)
        let directory = directory(for: EmailAddress(entry.email)!)
        var manifest = try Self.readManifest(directory + "/" + AccountManifest.fileName)
        // The registry is the user-facing source of the relay URL (`cn-account init` writes both).
        manifest.relay = entry.relay
        var key: SymmetricKey?
        if let parameters = manifest.passphrase {
            let phrase = try passphrase()
            do { key = try parameters.key(for: phrase) } catch {
                throw StoreError(.corrupt, "\(directory)/account.json has unusable scrypt parameters")
            }
        }
        return try Account(store: self, manifest: manifest, directory: directory, secrets: SecretFiles(directory: directory, key: key))
    }

    /// Creates an account on this device: a fresh identity key and mnemonic, the enrollment
    /// token if one is given, and its registry entry (the default if it is the first).
    public func create(email: EmailAddress, relay: String, sessionToken: String?, passphrase: String? = nil,
                       now: Date = Date()) throws -> Account {
        try FileSystem.makePrivateDirectory(root)
        let directory = directory(for: email)
        return try updateRegistry { entries in
            guard !entries.contains(where: { $0.email == email.value }) else {
                throw StoreError(.exists, "account \(email.value) already exists in \(root)")
            }
            guard !FileSystem.exists(directory + "/" + AccountManifest.fileName) else {
                throw StoreError(.exists, "\(directory) already holds an account; remove it first")
            }
            try FileSystem.makePrivateDirectory(directory)
            try FileSystem.makePrivateDirectory(directory + "/files")
            let identity = IdentityKey()
            let mnemonic = try Mnemonic.generate()
            let created = RFC3339.string(from: now)
            let parameters = passphrase.map { _ in ScryptParameters.fresh() }
            let manifest = AccountManifest(email: email.value, relay: relay, publicKey: identity.publicKey.base64,
                                           created: created, passphrase: parameters)
            let secrets = SecretFiles(directory: directory, key: try passphrase.flatMap { try parameters?.key(for: $0) })
            try secrets.write(.identity, Data(identity.rawRepresentation).base64EncodedString())
            try secrets.write(.mnemonic, mnemonic.phrase)
            if let sessionToken { try secrets.write(.sessionToken, sessionToken) }
            try Self.writeManifest(manifest, to: directory + "/" + AccountManifest.fileName)
            entries.append(AccountEntry(email: email.value, relay: relay, default: !entries.contains(where: \.default), added: created))
            return try Account(store: self, manifest: manifest, directory: directory, secrets: secrets)
        }
    }

    /// Removes an account: its registry entry and its folder (keys, database, files).
    /// If it was the default and one account remains, that one becomes the default.
    public func remove(_ email: String) throws {
        let entry = try entry(for: email)
        try updateRegistry { entries in
            entries.removeAll { $0.email == entry.email }
            if !entries.contains(where: \.default), entries.count == 1 { entries[0].default = true }
        }
        try FileSystem.remove(directory(for: EmailAddress(entry.email)!))
    }

    /// The passphrase protection of an account, without opening it.
    public func isPassphraseProtected(_ email: String? = nil) throws -> Bool {
        let entry = try entry(for: email)
        return try Self.readManifest(directory(for: EmailAddress(entry.email)!) + "/" + AccountManifest.fileName).passphrase != nil
    }

    static func readManifest(_ path: String) throws -> AccountManifest {
        guard let bytes = try FileSystem.read(path) else {
            throw StoreError(.noAccount, "\(path) is missing: the account's folder is gone (remove the account and init it again)")
        }
        do { return try JSONDecoder().decode(AccountManifest.self, from: Data(bytes)) } catch {
            throw StoreError(.corrupt, "\(path) is damaged; it was left untouched")
        }
    }

    static func writeManifest(_ manifest: AccountManifest, to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try FileSystem.writeAtomically(Array(try encoder.encode(manifest)) + [0x0A], to: path)
    }
}
