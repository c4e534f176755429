import Foundation
import Testing
import CNCrypto
import Crypto
@testable import CNStore

/// The account store on real files in a temporary directory.
struct AccountStoreTests {
    static func temporaryStore() -> AccountStore {
        let path = NSTemporaryDirectory() + "cn-store-test-" + UUID().uuidString + "/home"
        return AccountStore(home: path, environment: [:])
    }

    static let noPassphrase: PassphraseProvider = { throw StoreError(.passphraseUnavailable, "no passphrase in this test") }

    @Test func rootFollowsHomeThenEnvironmentThenXDG() {
        #expect(AccountStore(home: "/x", environment: ["CN_HOME": "/y"]).root == "/x")
        #expect(AccountStore(environment: ["CN_HOME": "/y", "XDG_DATA_HOME": "/z"]).root == "/y")
        #expect(AccountStore(environment: ["XDG_DATA_HOME": "/z", "HOME": "/h"]).root == "/z/cryptnode")
        #expect(AccountStore(environment: ["HOME": "/h"]).root == "/h/.local/share/cryptnode")
    }

    @Test func createdAccountsHavePrivateFilesAndReopen() throws {
        let store = Self.temporaryStore()
        let email = try #require(EmailAddress("Alice@Example.com"))
        let created = try store.create(email: email, relay: "ws://127.0.0.1:9000", sessionToken: "sess:1:alice@example.com:00")
        let folder = store.directory(for: email)
        #expect(folder.hasSuffix("/user_ff8d9819fc0e12bf"))
        #expect(FileSystem.mode(of: store.root) == 0o700)
        #expect(FileSystem.mode(of: folder) == 0o700)
        for file in ["identity.key", "mnemonic", "session.token", "account.json", "db.sqlite"] where file != "db.sqlite" {
            #expect(FileSystem.mode(of: folder + "/" + file) == 0o600, "\(file)")
        }
        #expect(FileSystem.mode(of: store.root + "/accounts.json") == 0o600)
        let reopened = try store.open(passphrase: Self.noPassphrase)
        #expect(reopened.email == created.email)
        #expect(reopened.identity.publicKey == created.identity.publicKey)
        #expect(reopened.mnemonic == created.mnemonic)
        #expect(try reopened.sessionToken() == "sess:1:alice@example.com:00")
        let database = try reopened.openDatabase()
        _ = try database.peers()
        for file in ["db.sqlite", "db.sqlite-wal", "db.sqlite-shm"] {
            #expect(FileSystem.mode(of: folder + "/" + file) == 0o600, "\(file)")
        }
        #expect(try store.accounts().map(\.default) == [true])
        #expect(throws: StoreError.self) { try store.create(email: email, relay: "ws://x", sessionToken: nil) }
    }

    @Test func defaultsAndRemoval() throws {
        let store = Self.temporaryStore()
        let a = try #require(EmailAddress("a@example.com")), b = try #require(EmailAddress("b@example.com"))
        _ = try store.create(email: a, relay: "ws://r", sessionToken: nil)
        _ = try store.create(email: b, relay: "ws://r", sessionToken: nil)
        #expect(try store.entry(for: nil).email == "a@example.com")
        try store.setDefault("B@example.com")
        #expect(try store.entry(for: nil).email == "b@example.com")
        try store.remove("b@example.com")
        #expect(!FileSystem.exists(store.directory(for: b)))
        #expect(try store.entry(for: nil).email == "a@example.com", "the one left becomes the default")
        #expect { try store.entry(for: "nobody@example.com") } throws: { ($0 as? StoreError)?.kind == .noAccount }
        #expect { try store.entry(for: "not an address") } throws: { ($0 as? StoreError)?.kind == .noAccount }
    }

    @Test(arguments: ["{", "[{\"email\":1}]", "not json", "[{\"email\":\"UPPER@example.com\",\"relay\":\"ws://r\",\"default\":true,\"added\":\"x\"}]"])
    func corruptRegistriesAreReportedAndKept(_ content: String) throws {
        let store = Self.temporaryStore()
        try FileSystem.makePrivateDirectory(store.root)
        let path = store.root + "/accounts.json"
        try Data(content.utf8).write(to: URL(fileURLWithPath: path))
        #expect { try store.accounts() } throws: { ($0 as? StoreError)?.kind == .corrupt }
        #expect { try store.create(email: EmailAddress("a@example.com")!, relay: "ws://r", sessionToken: nil) } throws: {
            ($0 as? StoreError)?.kind == .corrupt
        }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == content, "nothing overwritten")
    }

    @Test func passphraseProtectsEverySecret() throws {
        let store = Self.temporaryStore()
        let email = try #require(EmailAddress("p@example.com"))
        let account = try store.create(email: email, relay: "ws://r", sessionToken: "sess:1:p@example.com:00", passphrase: "hunter2!")
        let folder = store.directory(for: email)
        for file in ["identity.key", "mnemonic", "session.token"] {
            let text = try String(contentsOfFile: folder + "/" + file, encoding: .utf8)
            #expect(text.hasPrefix("cnsealed-v1:"), "\(file) is sealed")
            #expect(!text.contains(account.mnemonic.words[0] + " "))
        }
        #expect { try store.open(passphrase: Self.noPassphrase) } throws: { ($0 as? StoreError)?.kind == .passphraseUnavailable }
        #expect { try store.open(passphrase: { "wrong" }) } throws: { ($0 as? StoreError)?.kind == .wrongPassphrase }
        let opened = try store.open(passphrase: { "hunter2!" })
        #expect(opened.identity.publicKey == account.identity.publicKey)
        try opened.saveSessionToken("sess:2:p@example.com:00")
        #expect(try String(contentsOfFile: folder + "/session.token", encoding: .utf8).hasPrefix("cnsealed-v1:"))
        // Swapping two sealed files is detected: each is bound to its name.
        try FileManager.default.copyItem(atPath: folder + "/mnemonic", toPath: folder + "/swap")
        try FileManager.default.removeItem(atPath: folder + "/mnemonic")
        try FileManager.default.copyItem(atPath: folder + "/identity.key", toPath: folder + "/mnemonic")
        #expect(throws: StoreError.self) { try store.open(passphrase: { "hunter2!" }) }
        try FileManager.default.removeItem(atPath: folder + "/mnemonic")
        try FileManager.default.moveItem(atPath: folder + "/swap", toPath: folder + "/mnemonic")
        try store.open(passphrase: { "hunter2!" }).setPassphrase(nil)
        let plain = try store.open(passphrase: Self.noPassphrase)
        #expect(try plain.sessionToken() == "sess:2:p@example.com:00")
        #expect(!(try store.isPassphraseProtected()))
    }

    /// A passphrase change cut short never leaves the secrets under two keys: a committed
    /// change is finished at the next open, an uncommitted one discarded.
    @Test func interruptedPassphraseChangesRecover() throws {
        let store = Self.temporaryStore()
        let email = try #require(EmailAddress("c@example.com"))
        let account = try store.create(email: email, relay: "ws://r", sessionToken: "sess:1:c@example.com:00", passphrase: "old")
        let folder = store.directory(for: email), staging = folder + "/secrets.next"
        let fm = FileManager.default

        // Uncommitted: discarded; the old passphrase still opens everything.
        try FileSystem.makePrivateDirectory(staging)
        try Data("cnsealed-v1:AAAA".utf8).write(to: URL(fileURLWithPath: staging + "/identity.key"))
        #expect(try store.open(passphrase: { "old" }).identity.publicKey == account.identity.publicKey)
        #expect(!fm.fileExists(atPath: staging))

        // Committed, and cut off after the first file was moved: finished at the next open.
        let copy = NSTemporaryDirectory() + "cn-store-copy-" + UUID().uuidString
        try fm.copyItem(atPath: folder, toPath: copy)
        let copied = AccountStore(home: copy + "-home", environment: [:])
        try FileSystem.makePrivateDirectory(copied.root)
        try fm.moveItem(atPath: copy, toPath: copied.directory(for: email))
        try Data(#"[{"email":"c@example.com","relay":"ws://r","default":true,"added":"x"}]"#.utf8).write(to: URL(fileURLWithPath: copied.root + "/accounts.json"))
        try copied.open(passphrase: { "old" }).setPassphrase("new")
        try FileSystem.makePrivateDirectory(staging)
        for name in ["identity.key", "mnemonic", "session.token", "account.json"] {
            try fm.copyItem(atPath: copied.directory(for: email) + "/" + name, toPath: staging + "/" + name)
        }
        try Data("commit\n".utf8).write(to: URL(fileURLWithPath: staging + "/COMMIT"))
        try fm.removeItem(atPath: folder + "/identity.key")
        try fm.moveItem(atPath: staging + "/identity.key", toPath: folder + "/identity.key")
        #expect { try store.open(passphrase: { "old" }) } throws: { ($0 as? StoreError)?.kind == .wrongPassphrase }
        let reopened = try store.open(passphrase: { "new" })
        #expect(reopened.identity.publicKey == account.identity.publicKey)
        #expect(reopened.mnemonic == account.mnemonic)
        #expect(try reopened.sessionToken() == "sess:1:c@example.com:00")
        #expect(!fm.fileExists(atPath: staging))
    }

    @Test func relayTokensAreKeptOnlyWhenTheyFitTheAccount() throws {
        let store = Self.temporaryStore()
        let email = try #require(EmailAddress("t@example.com"))
        let now = Date(timeIntervalSince1970: 2_000_000_000)
        let account = try store.create(email: email, relay: "ws://r", sessionToken: "sess:2000864000:t@example.com:00")
        let mac = ":" + String(repeating: "0", count: 64)
        try account.refreshSessionToken("sess:2000864100:t@example.com" + mac, now: now)
        #expect(try account.sessionToken() == "sess:2000864000:t@example.com:00", "not a day fresher: not rewritten")
        try account.refreshSessionToken("sess:2002592000:mallory@example.com" + mac, now: now)
        try account.refreshSessionToken("sess:9999999999:t@example.com" + mac, now: now)
        try account.refreshSessionToken("sess:1999999999:t@example.com" + mac, now: now)
        try account.refreshSessionToken("eyJhbGciOi.x.y", now: now)
        #expect(try account.sessionToken() == "sess:2000864000:t@example.com:00", "foreign, far-future, expired and non-session tokens are not kept")
        try account.refreshSessionToken("sess:2002592000:t@example.com" + mac, now: now)
        #expect(try account.sessionToken() == "sess:2002592000:t@example.com" + mac)
    }

    @Test func concurrentRegistryWritersLoseNothing() async throws {
        let store = Self.temporaryStore()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for i in 0..<16 {
                group.addTask { _ = try store.create(email: EmailAddress("user\(i)@example.com")!, relay: "ws://r", sessionToken: nil) }
            }
            try await group.waitForAll()
        }
        let entries = try store.accounts()
        #expect(entries.count == 16)
        #expect(entries.filter(\.default).count == 1)
    }
}

/// Key pinning in the account database (PROTOCOL §6.4).
struct PeerLedgerTests {
    static func database() throws -> AccountDatabase {
        let path = NSTemporaryDirectory() + "cn-db-test-" + UUID().uuidString + ".sqlite"
        return try AccountDatabase(path: path, fieldKey: .init(size: .bits256))
    }

    @Test func firstKeysAreTrustedAndLaterOnesReported() throws {
        let db = try Self.database()
        let first = try db.pinDevices(of: "bob@example.com", sid: "s", keys: ["k1"], complete: true, now: 1)
        #expect(first.firstContact && !first.isKeyChange)
        #expect(try db.peer("bob@example.com")?.keyChanged == false)
        let same = try db.pinDevices(of: "bob@example.com", sid: "s", keys: ["k1"], complete: true, now: 2)
        #expect(same.added.isEmpty && !same.isKeyChange)
        let second = try db.pinDevices(of: "bob@example.com", sid: "s", keys: ["k1", "k2"], complete: true, now: 3)
        #expect(second.isKeyChange && second.added == ["k2"] && second.unconfirmed.isEmpty)
        #expect(try db.peer("bob@example.com")?.keyChanged == true)
        #expect(try db.devices(of: "bob@example.com").map(\.trust) == [.trusted, .trusted])
        let replaced = try db.pinDevices(of: "bob@example.com", sid: "s", keys: ["k3"], complete: true, now: 4)
        #expect(replaced.retired.sorted() == ["k1", "k2"] && replaced.added == ["k3"])
    }

    @Test func verifiedPeersNewKeysWaitForAcceptance() throws {
        let db = try Self.database()
        _ = try db.pinDevices(of: "bob@example.com", sid: "s", keys: ["k1"], complete: true, now: 1)
        try db.acceptDevices(of: "bob@example.com", verified: true, now: 2)
        let change = try db.pinDevices(of: "bob@example.com", sid: "s", keys: ["k1", "k2"], complete: true, now: 3)
        #expect(change.unconfirmed == ["k2"])
        #expect(try db.devices(of: "bob@example.com").first { $0.publicKey == "k2" }?.trust == .unconfirmed)
        try db.acceptDevices(of: "bob@example.com", verified: false, now: 4)
        let peer = try #require(try db.peer("bob@example.com"))
        #expect(!peer.verified && !peer.keyChanged)
        #expect(try db.devices(of: "bob@example.com").allSatisfy { $0.trust == .trusted })
    }

    @Test func sealedColumnsOpenOnlyInTheirColumn() throws {
        let db = try Self.database()
        let sealed = try db.seal(PeerProfile(name: "Bob", nameVersion: 1, avatarVersion: 0), column: "peer.profile")
        #expect(!String(decoding: sealed, as: UTF8.self).contains("Bob"))
        #expect(try db.open(PeerProfile.self, sealed, column: "peer.profile").name == "Bob")
        #expect(throws: (any Error).self) { try db.open(PeerProfile.self, sealed, column: "message.body") }
    }
}
