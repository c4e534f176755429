import Foundation
import Crypto
import CryptoExtras

/// scrypt parameters, stored beside what they protect so that they can rise later.
public struct ScryptParameters: Codable, Sendable, Equatable {
    /// CPU/memory cost (a power of two).
    public var n: Int
    public var r: Int
    public var p: Int
    /// The salt, `b64`.
    public var salt: String

    /// Fresh parameters: N = 2^15, r = 8, p = 1 (32 MiB, ~0.1 s here), 16 random bytes of salt.
    public static func fresh() -> ScryptParameters {
        ScryptParameters(n: 1 << 15, r: 8, p: 1, salt: Data(SymmetricKey(size: .init(bitCount: 128)).withUnsafeBytes { Array($0) }).base64EncodedString())
    }

    /// The bounds accepted when reading: enough to be safe, not so much that a tampered
    /// file can make the command allocate much memory (128·N·r·p ≤ 256 MiB).
    public var isReasonable: Bool {
        n >= 1 << 14 && n <= 1 << 20 && n & (n - 1) == 0 && (1...16).contains(r) && (1...4).contains(p)
            && 128 * n * r * p <= 256 << 20
            && (Data(base64Encoded: salt)?.count ?? 0) >= 16
    }

    /// The 32-byte key for `passphrase`.
    public func key(for passphrase: String) throws -> SymmetricKey {
        guard isReasonable, let saltBytes = Data(base64Encoded: salt) else { throw SealError.badParameters }
        return try KDF.Scrypt.deriveKey(from: Array(passphrase.utf8), salt: saltBytes, outputByteCount: 32,
                                        rounds: n, blockSize: r, parallelism: p)
    }
}

/// Why sealed bytes could not be opened.
public enum SealError: Error, Equatable, CustomStringConvertible {
    /// The key is wrong (a wrong passphrase, or a damaged file).
    case wrongKey
    case malformed
    case badParameters

    public var description: String {
        switch self {
        case .wrongKey: "wrong passphrase (or the file is damaged)"
        case .malformed: "the sealed data is malformed"
        case .badParameters: "the key-derivation parameters are out of bounds"
        }
    }
}

/// AES-256-GCM with a fresh nonce, `nonce ‖ ciphertext ‖ tag`, and a context string as AAD
/// so that a sealed value cannot be moved to another field or file.
public enum Sealed {
    /// Seals `plaintext` under `key`, bound to `context`.
    public static func seal(_ plaintext: some DataProtocol, key: SymmetricKey, context: String) throws -> [UInt8] {
        Array(try AES.GCM.seal(plaintext, using: key, nonce: AES.GCM.Nonce(), authenticating: Array(context.utf8)).combined!)
    }

    /// Opens what ``seal(_:key:context:)`` made with the same key and context.
    public static func open(_ sealed: some DataProtocol, key: SymmetricKey, context: String) throws -> [UInt8] {
        guard sealed.count >= 28 else { throw SealError.malformed }
        do {
            return Array(try AES.GCM.open(AES.GCM.SealedBox(combined: Data(sealed)), using: key, authenticating: Array(context.utf8)))
        } catch {
            throw SealError.wrongKey
        }
    }
}
