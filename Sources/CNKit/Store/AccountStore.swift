import Foundation
import CNCrypto

/// The local account store shared by every client command (DESIGN §3):
/// `$CN_HOME`, else `${XDG_DATA_HOME:-~/.local/share}/cryptnode`, mode 0700, holding
/// `accounts.json` and one `user_<h16>` folder per account.
public struct AccountStore: Sendable {
    /// The store's root directory.
    public let root: String

    /// The store at `home`, else `$CN_HOME`, else the XDG default. Nothing is created yet.
    public init(home: String? = nil, environment: [String: String] = ProcessInfo.processInfo.environment) {
        if let home, !home.isEmpty {
            root = home
        } else if let home = environment["CN_HOME"], !home.isEmpty {
            root = home
        } else {
            let data = environment["XDG_DATA_HOME"].flatMap { $0.isEmpty ? nil : $0 }
                ?? (environment["HOME"] ?? NSHomeDirectory()) + "/.local/share"
            root = data + "/cryptnode"
        }
    }

    /// The registry's entries (empty when the store does not exist yet).
    public func accounts() throws -> [AccountEntry] {
        try AccountRegistry.load(from: root).entries
    }

    /// The entry for `email`, else the default account.
    public func entry(for email: String?) throws -> AccountEntry {
        let entries = try accounts()
        if let email {
            guard let normalized = EmailAddress(email) else {
                throw StoreError(.noAccount, "\"\(email)\" is not an e-mail address")
            }
            guard let entry = entries.first(where: { $0.email == normalized.value }) else {
                throw StoreError(.noAccount, "no account \(normalized.value) in \(root) (see `cn-account list`)")
            }
            return entry
        }
        guard let entry = entries.first(where: \.default) ?? (entries.count == 1 ? entries.first : nil) else {
            throw StoreError(.noAccount, entries.isEmpty
                ? "no account in \(root); create one with `cn-account init`"
                : "several accounts and none is the default; name one with --account or `cn-account use`")
        }
        return entry
    }

    /// The folder of an account: `user_<first 16 hex of emailHash>`.
    public func directory(for email: EmailAddress) -> String {
        root + "/user_" + email.hash.prefix(16)
    }

    /// Changes the registry under its lock. `change` sees the current entries and may throw
    /// to leave everything as it was.
    @discardableResult
    public func updateRegistry<T>(_ change: (inout [AccountEntry]) throws -> T) throws -> T {
        try FileSystem.makePrivateDirectory(root)
        let lock = try FileLock(path: root + "/accounts.lock")
        defer { lock.release() }
        var registry = try AccountRegistry.load(from: root)
        let result = try change(&registry.entries)
        try registry.save(to: root)
        return result
    }

    /// Makes `email` the default account.
    public func setDefault(_ email: String) throws {
        let target = try entry(for: email)
        try updateRegistry { entries in
            for i in entries.indices { entries[i].default = entries[i].email == target.email }
        }
    }
}
