import Foundation
import Crypto
import CryptoExtras

/// A BIP39 mnemonic of 12 English words (128 bits of entropy and a 4-bit checksum).
///
/// It is the account's recovery secret: the database key and the backup key are derived
/// from it (DESIGN §3, PROTOCOL §8). The word list is the official English list, shipped
/// as a resource of this module (`Resources/bip39-english.txt`).
public struct Mnemonic: Sendable, Equatable, CustomStringConvertible {
    /// The words, lowercase, in order.
    public let words: [String]

    /// Why a phrase is not a mnemonic.
    public enum Problem: Error, Equatable, CustomStringConvertible {
        case wrongLength(Int)
        case unknownWord(String)
        case badChecksum
        case wordListUnavailable(String)

        public var description: String {
            switch self {
            case .wrongLength(let n): "a mnemonic has 12, 15, 18, 21 or 24 words, not \(n)"
            case .unknownWord(let w): "\"\(w)\" is not a BIP39 English word"
            case .badChecksum: "the mnemonic's checksum does not match (a word is wrong or out of order)"
            case .wordListUnavailable(let why): "the BIP39 word list cannot be read: \(why)"
            }
        }
    }

    /// A fresh 12-word mnemonic from the system's secure random generator.
    public static func generate() throws -> Mnemonic {
        var rng = SystemRandomNumberGenerator()
        return try Mnemonic(entropy: (0..<16).map { _ in UInt8.random(in: .min ... .max, using: &rng) })
    }

    /// The mnemonic of `entropy` (16, 20, 24, 28 or 32 bytes).
    public init(entropy: [UInt8]) throws {
        precondition([16, 20, 24, 28, 32].contains(entropy.count), "BIP39 entropy is 128–256 bits in steps of 32")
        let list = try WordList.english()
        let checksumBits = entropy.count / 4
        let hash = Array(SHA256.hash(data: entropy))
        var bits = entropy.flatMap { byte in (0..<8).map { (byte >> (7 - $0)) & 1 } }
        bits += (0..<checksumBits).map { (hash[$0 / 8] >> (7 - $0 % 8)) & 1 }
        words = stride(from: 0, to: bits.count, by: 11).map { start in
            list.words[bits[start..<start + 11].reduce(0) { $0 << 1 | Int($1) }]
        }
    }

    /// Parses a phrase: words separated by any whitespace, case-insensitive, checksum checked.
    public init(phrase: String) throws {
        let words = phrase.lowercased().split(whereSeparator: { $0.isWhitespace }).map(String.init)
        guard [12, 15, 18, 21, 24].contains(words.count) else { throw Problem.wrongLength(words.count) }
        let list = try WordList.english()
        var bits: [UInt8] = []
        for word in words {
            guard let index = list.index[word] else { throw Problem.unknownWord(word) }
            bits += (0..<11).map { UInt8((index >> (10 - $0)) & 1) }
        }
        let entropyBits = bits.count * 32 / 33
        let entropy = stride(from: 0, to: entropyBits, by: 8).map { start in
            bits[start..<start + 8].reduce(UInt8(0)) { $0 << 1 | $1 }
        }
        guard try Mnemonic(entropy: entropy).words == words else { throw Problem.badChecksum }
        self.words = words
    }

    /// A phrase read back from this device's own store, where it was written only after a
    /// full check: its shape is checked (12–24 lowercase ASCII words) but the word list is
    /// not loaded, so that opening an account stays cheap. Use ``init(phrase:)`` for
    /// anything a user typed or a file from elsewhere.
    public init(storedPhrase: String) throws {
        let words = storedPhrase.split(separator: " ").map(String.init)
        guard [12, 15, 18, 21, 24].contains(words.count) else { throw Problem.wrongLength(words.count) }
        for word in words where word.isEmpty || word.count > 8 || !word.utf8.allSatisfy({ (0x61...0x7A).contains($0) }) {
            throw Problem.unknownWord(word)
        }
        self.words = words
    }

    /// The words joined by single spaces (BIP39's NFKD form: the English list is ASCII).
    public var phrase: String { words.joined(separator: " ") }

    public var description: String { "Mnemonic(\(words.count) words)" }

    /// The BIP39 seed: PBKDF2-HMAC-SHA512(phrase, "mnemonic" + passphrase, 2048 rounds), 64 bytes.
    public func seed(passphrase: String = "") throws -> [UInt8] {
        let salt = Array(("mnemonic" + passphrase).decomposedStringWithCompatibilityMapping.utf8)
        let key = try KDF.Insecure.PBKDF2.deriveKey(from: Array(phrase.utf8), salt: salt, using: .sha512,
                                                    outputByteCount: 64, unsafeUncheckedRounds: 2048)
        return key.withUnsafeBytes { Array($0) }
    }

    /// A 32-byte key for one purpose, derived from the mnemonic with HKDF-SHA256.
    ///
    /// `purpose` separates keys (the account database, backups, the vault) so that no two
    /// uses ever share one.
    public func derivedKey(purpose: String) -> SymmetricKey {
        HKDF<SHA256>.deriveKey(inputKeyMaterial: SymmetricKey(data: Array(phrase.utf8)),
                               salt: Array("cryptnode-mnemonic-v1".utf8),
                               info: Array(purpose.utf8), outputByteCount: 32)
    }
}

/// The BIP39 English word list, loaded once from this module's resources.
struct WordList: Sendable {
    let words: [String]
    let index: [String: Int]

    private static let loaded: Result<WordList, Mnemonic.Problem> = load()

    static func english() throws -> WordList { try loaded.get() }

    /// Reads the list from the resource bundle beside the executable (SwiftPM's layout), or
    /// from `../share/cryptnode/` beside it (an installed layout). Unlike `Bundle.module`,
    /// a missing file is an error, not a crash.
    private static func load() -> Result<WordList, Mnemonic.Problem> {
        let name = "bip39-english.txt"
        let executableDirectory = URL(fileURLWithPath: CommandLine.arguments.first.map(resolvedExecutable) ?? ".")
            .deletingLastPathComponent()
        let candidates = [
            executableDirectory.appendingPathComponent("CryptNode_CNCrypto.resources/\(name)"),
            executableDirectory.appendingPathComponent("../share/cryptnode/\(name)"),
        ]
        for url in candidates {
            guard let text = try? String(contentsOf: url, encoding: .utf8) else { continue }
            let words = text.split(whereSeparator: \.isNewline).map(String.init)
            // The official list: 2048 distinct words; anything else is a damaged install.
            guard words.count == 2048, Set(words).count == 2048 else {
                return .failure(.wordListUnavailable("\(url.path) does not hold 2048 distinct words"))
            }
            return .success(WordList(words: words, index: Dictionary(uniqueKeysWithValues: words.enumerated().map { ($1, $0) })))
        }
        return .failure(.wordListUnavailable("\(name) not found beside the executable (\(executableDirectory.path))"))
    }

    /// The real path of the running executable (`/proc/self/exe` on Linux), else `argv[0]`.
    private static func resolvedExecutable(_ argv0: String) -> String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? argv0
    }
}
