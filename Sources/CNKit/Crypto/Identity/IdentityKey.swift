#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Crypto

/// This device's P-256 key pair (PROTOCOL §6.1). The private half never leaves the device
/// except inside an encrypted backup.
public struct IdentityKey: Sendable {
    /// The private key.
    public let privateKey: P256.KeyAgreement.PrivateKey

    /// A fresh key pair.
    public init() { privateKey = P256.KeyAgreement.PrivateKey() }

    /// A key pair from its 32-byte raw private scalar.
    public init(rawRepresentation: [UInt8]) throws {
        privateKey = try P256.KeyAgreement.PrivateKey(rawRepresentation: rawRepresentation)
    }

    /// The 32-byte private scalar, for the secrets file.
    public var rawRepresentation: [UInt8] { Array(privateKey.rawRepresentation) }

    /// The public half in wire form: the device id.
    public var publicKey: DevicePublicKey { DevicePublicKey(privateKey.publicKey) }

    /// `K(me, peer)`: the raw 32-byte X coordinate of the ECDH point, used directly as the
    /// AES-256-GCM key (PROTOCOL §6.2; WebCrypto's `deriveKey(ECDH → AES-GCM 256)`).
    /// `peer` is a ``DevicePublicKey`` and so already validated (on the curve, not the identity).
    public func pairwiseKey(with peer: DevicePublicKey) throws -> SymmetricKey {
        let shared = try privateKey.sharedSecretFromKeyAgreement(with: peer.key)
        return shared.withUnsafeBytes { SymmetricKey(data: Array($0)) }
    }
}
