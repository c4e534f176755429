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
    /// The scrypt parameters the secrets were opened with (nil: plain).
    private let protection: ScryptParameters?

    init(store: AccountStore, manifest: AccountManifest, directory: String, secrets: SecretFiles) throws {
        guard let email = EmailAddress(manifest.email) else { throw StoreError(.corrupt, "\(directory)/account.json names no valid e-mail") }
        self.store = store
        self.email = email
        self.relay = manifest.relay
        self.directory = directory
        self.created = manifest.created
        self.isPassphraseProtected = manifest.passphrase != nil
        self.protection = manifest.passphrase
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
        try withSecretsLock {
            // If the passphrase changed since this process opened the account, a token sealed
            // with the old key could not be read any more: keep the one there is.
            guard try AccountStore.readManifest(manifestPath).passphrase == protection else { return }
            try secrets.write(.sessionToken, token)
        }
    }

    /// Keeps the fresh token of an AUTH_SUCCESS — when it buys at least a day over the stored
    /// one. The relay hands out a new 30-day token at every AUTH; rewriting (and with a
    /// passphrase, re-sealing) the file on every command would cost a disk write each time
    /// for nothing. A stored token that is not a `sess:` token (an ID token) is always replaced.
    ///
    /// A token that is not a `sess:` token for this account, or that claims more than the
    /// protocol's 30 days (with a day of clock skew), is not kept: a relay cannot plant a
    /// token that locks the account out of its real relay.
    public func refreshSessionToken(_ token: String, now: Date = Date()) throws {
        guard SessionTokenInfo.email(token) == email, let new = SessionTokenInfo.expiry(token), new > now else { return }
        let old = try sessionToken().flatMap(SessionTokenInfo.expiry)
        // Bounded against the later of the local clock and the stored token, so that a slow
        // local clock does not stop every refresh.
        guard new.timeIntervalSince(max(now, old ?? now)) <= 31 * 86_400 else { return }
        if let old, new.timeIntervalSince(old) < 86_400 { return }
        try saveSessionToken(token)
    }

    /// Forgets the session token (`cn-account logout`).
    public func forgetSessionToken() throws {
        try withSecretsLock { try secrets.remove(.sessionToken) }
    }

    /// The account database, opened (and migrated) on first use by this process.
    public func openDatabase() throws -> AccountDatabase {
        try AccountDatabase(path: directory + "/db.sqlite", fieldKey: mnemonic.derivedKey(purpose: "account-database-fields-v1"))
    }

    /// Protects the secrets with `passphrase`, or removes the protection when nil.
    ///
    /// A two-phase change, so that no interruption (a crash, a kill, a full disk) can leave
    /// files sealed under two different keys: every new file and the new `account.json` are
    /// written into `secrets.next/` first, then a `COMMIT` mark; only then are they moved
    /// into place, `account.json` last. Opening the account finishes a committed change and
    /// discards an uncommitted one (``AccountStore/open(_:passphrase:)``).
    public func setPassphrase(_ passphrase: String?) throws {
        try withSecretsLock {
            var manifest = try AccountStore.readManifest(manifestPath)
            guard manifest.passphrase == protection else {
                throw StoreError(.wrongPassphrase, "the passphrase of \(email.value) changed while this command ran; run it again")
            }
            let token = try sessionToken()
            let staging = Self.stagingDirectory(directory)
            try FileSystem.remove(staging)
            try FileSystem.makePrivateDirectory(staging)
            let parameters = passphrase.map { _ in ScryptParameters.fresh() }
            let next = SecretFiles(directory: staging, key: try passphrase.flatMap { try parameters?.key(for: $0) })
            try next.write(.identity, Data(identity.rawRepresentation).base64EncodedString())
            try next.write(.mnemonic, mnemonic.phrase)
            if let token { try next.write(.sessionToken, token) }
            manifest.passphrase = parameters
            try AccountStore.writeManifest(manifest, to: staging + "/" + AccountManifest.fileName)
            try FileSystem.writeAtomically(Array("commit\n".utf8), to: staging + "/COMMIT")
            try Self.finishSecretsChange(in: directory)
        }
    }

    var manifestPath: String { directory + "/" + AccountManifest.fileName }

    static func stagingDirectory(_ directory: String) -> String { directory + "/secrets.next" }

    /// Moves a committed change into place (idempotent: a second run after a crash mid-way
    /// moves what is left), or discards an uncommitted one. Call under the secrets lock.
    static func finishSecretsChange(in directory: String) throws {
        let staging = stagingDirectory(directory)
        guard FileSystem.exists(staging) else { return }
        guard FileSystem.exists(staging + "/COMMIT") else { return try FileSystem.remove(staging) }
        for name in SecretFiles.Name.allCases.map(\.rawValue) + [AccountManifest.fileName] {
            let from = staging + "/" + name
            guard FileSystem.exists(from) else { continue }
            guard rename(from, directory + "/" + name) == 0 else {
                throw StoreError(.io, "cannot move \(from) into place: \(FileSystem.errnoText())")
            }
        }
        try FileSystem.syncDirectory(directory)
        try FileSystem.remove(staging)
    }

    /// Runs `body` holding the account's secrets lock (`secrets.lock`): one writer of the
    /// secret files at a time across processes.
    func withSecretsLock<T>(_ body: () throws -> T) throws -> T {
        let lock = try FileLock(path: directory + "/secrets.lock")
        defer { lock.release() }
        return try body()
    }
}

extension AccountStore {
    /// Opens the account `email` (or the default one). `passphrase` is asked only if the
    /// account is protected.
    public func open(_ email: String? = nil, passphrase: PassphraseProvider) throws -> Account {
        let entry = try entry(for: email)
        let directory = directory(for: EmailAddress(entry.email)!)
        if FileSystem.exists(Account.stagingDirectory(directory)) {
            // A passphrase change was interrupted: finish or discard it before reading.
            let lock = try FileLock(path: directory + "/secrets.lock")
            defer { lock.release() }
            try Account.finishSecretsChange(in: directory)
        }
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
