import Foundation
import Crypto

/// A device's public key as it travels: `b64` of the 65-byte uncompressed P-256 point.
/// The string is the device id everywhere (PROTOCOL §3).
public struct DevicePublicKey: Hashable, Sendable {
    /// The wire form (standard base64 with padding).
    public let base64: String
    /// The validated key.
    public let key: P256.KeyAgreement.PublicKey

    /// Parses and validates a wire-form key: canonical base64 of exactly 65 bytes,
    /// `0x04‖X‖Y`, a point on the curve (not the identity). Nil otherwise.
    public init?(base64: String) {
        guard base64.utf8.count == 88, let raw = Data(base64Encoded: base64), raw.count == 65, raw.first == 0x04,
              let key = try? P256.KeyAgreement.PublicKey(x963Representation: raw) else { return nil }
        // One key, one id: refuse non-canonical spellings of the same bytes.
        guard raw.base64EncodedString() == base64 else { return nil }
        self.base64 = base64
        self.key = key
    }

    /// The wire form of a key.
    public init(_ key: P256.KeyAgreement.PublicKey) {
        self.key = key
        self.base64 = key.x963Representation.base64EncodedString()
    }

    /// The 65 raw bytes.
    public var rawBytes: [UInt8] { Array(key.x963Representation) }

    public static func == (a: DevicePublicKey, b: DevicePublicKey) -> Bool { a.base64 == b.base64 }
    public func hash(into hasher: inout Hasher) { hasher.combine(base64) }
}
