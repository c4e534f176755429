import Foundation
import CNCrypto

/// One line of `accounts.json`: an account this store holds.
public struct AccountEntry: Codable, Sendable, Equatable {
    /// The normalized e-mail.
    public var email: String
    /// The relay's WebSocket URL.
    public var relay: String
    /// Whether commands use this account when none is named.
    public var `default`: Bool
    /// When the account was added (RFC 3339).
    public var added: String

    public init(email: String, relay: String, default: Bool, added: String) {
        self.email = email
        self.relay = relay
        self.default = `default`
        self.added = added
    }
}

/// `accounts.json`: the registry of the store's accounts (DESIGN §3).
///
/// Read-modify-write happens under `accounts.lock`, and the file is replaced atomically,
/// so concurrent `cn-account` runs never lose an entry. A file that does not parse is an
/// error and is never overwritten: the user's data is theirs to repair.
struct AccountRegistry {
    var entries: [AccountEntry]

    static let fileName = "accounts.json"

    static func load(from root: String) throws -> AccountRegistry {
        let path = root + "/" + fileName
        guard let bytes = try FileSystem.read(path) else { return AccountRegistry(entries: []) }
        do {
            let entries = try JSONDecoder().decode([AccountEntry].self, from: Data(bytes))
            for entry in entries where EmailAddress(entry.email)?.value != entry.email {
                throw StoreError(.corrupt, "\(path): \"\(entry.email)\" is not a normalized e-mail address")
            }
            return AccountRegistry(entries: entries)
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError(.corrupt, "\(path) is not a valid account registry (\(Self.reason(error))); it was left untouched — repair or move it away")
        }
    }

    func save(to root: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try FileSystem.writeAtomically(Array(try encoder.encode(entries)) + [0x0A], to: root + "/" + Self.fileName)
    }

    private static func reason(_ error: any Error) -> String {
        switch error {
        case DecodingError.dataCorrupted(let c): c.debugDescription
        case DecodingError.keyNotFound(let k, _): "missing \"\(k.stringValue)\""
        case DecodingError.typeMismatch(_, let c): "wrong type at \(c.codingPath.map(\.stringValue).joined(separator: "."))"
        default: "unreadable JSON"
        }
    }
}
