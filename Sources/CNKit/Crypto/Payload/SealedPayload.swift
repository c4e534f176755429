import Foundation
import Crypto

/// A MSG / RTC payload (PROTOCOL §6.3): `b64(IV(12) ‖ ciphertext ‖ tag(16))` of AES-256-GCM
/// under the pairwise key, fresh random IV, no AAD, over the gzip of the inner packet's
/// UTF-8 JSON.
public enum SealedPayload {
    /// Why a payload could not be opened. Each is reported, never fatal.
    public enum OpenError: Error, Equatable, CustomStringConvertible {
        /// Not base64, or shorter than IV and tag.
        case malformed
        /// Larger than a frame could carry.
        case tooLarge
        /// Does not decrypt under the key of the device it claims to come from.
        case authenticationFailed
        /// The plaintext is not gzip, or inflates past the limit (a gzip bomb).
        case badCompression(Gzip.Failure)

        public var description: String {
            switch self {
            case .malformed: "the payload is not b64(iv ‖ ciphertext ‖ tag)"
            case .tooLarge: "the payload is larger than a frame can carry"
            case .authenticationFailed: "the payload does not decrypt under the sending device's key"
            case .badCompression(let failure): "the payload's content \(failure)"
            }
        }
    }

    /// The largest decompressed packet accepted (PROTOCOL §6.3: 2 MiB).
    public static let maximumInflatedBytes = 2 * 1_048_576
    /// The largest payload string looked at: a frame holds at most 1 MiB.
    public static let maximumSealedCharacters = 1_048_576

    /// Seals the JSON bytes of an inner packet for one device.
    public static func seal(_ json: [UInt8], with key: SymmetricKey) throws -> String {
        let box = try AES.GCM.seal(try Gzip.compress(json), using: key, nonce: AES.GCM.Nonce())
        guard let combined = box.combined else { throw OpenError.malformed }
        return combined.base64EncodedString()
    }

    /// Opens a payload with the key of the device it comes from; returns the inner packet's
    /// JSON bytes. A packet that inflates past ``maximumInflatedBytes`` is refused without
    /// being inflated further.
    public static func open(_ packed: String, with key: SymmetricKey) throws(OpenError) -> [UInt8] {
        guard packed.utf8.count <= maximumSealedCharacters else { throw .tooLarge }
        guard let raw = Data(base64Encoded: packed), raw.count >= 12 + 16 else { throw .malformed }
        let plain: Data
        do {
            plain = try AES.GCM.open(try AES.GCM.SealedBox(combined: raw), using: key)
        } catch {
            throw .authenticationFailed
        }
        do { return try Gzip.decompress(Array(plain), limit: maximumInflatedBytes) } catch {
            throw .badCompression(error)
        }
    }
}
