import Foundation
import Crypto

/// This device's P-256 key pair (PROTOCOL §6.1). The private half never leaves the device
/// except inside an encrypted backup.
public struct IdentityKey: Sendable {
    /// The private key.
    public let privateKey: P256.KeyAgreement.PrivateKey
    /// The public half in wire form: the device id. Computed once (serializing the point
    /// is not free, and every message names this device).
    public let publicKey: DevicePublicKey

    /// A fresh key pair.
    public init() { self.init(P256.KeyAgreement.PrivateKey()) }

    /// A key pair from its 32-byte raw private scalar.
    public init(rawRepresentation: [UInt8]) throws {
        self.init(try P256.KeyAgreement.PrivateKey(rawRepresentation: rawRepresentation))
    }

    private init(_ privateKey: P256.KeyAgreement.PrivateKey) {
        self.privateKey = privateKey
        publicKey = DevicePublicKey(privateKey.publicKey)
    }

    /// The 32-byte private scalar, for the secrets file.
    public var rawRepresentation: [UInt8] { Array(privateKey.rawRepresentation) }


    /// `K(me, peer)`: the raw 32-byte X coordinate of the ECDH point, used directly as the
    /// AES-256-GCM key (PROTOCOL §6.2; WebCrypto's `deriveKey(ECDH → AES-GCM 256)`).
    /// `peer` is a ``DevicePublicKey`` and so already validated (on the curve, not the identity).
    public func pairwiseKey(with peer: DevicePublicKey) throws -> SymmetricKey {
        let shared = try privateKey.sharedSecretFromKeyAgreement(with: peer.key)
        return shared.withUnsafeBytes { SymmetricKey(data: Array($0)) }
    }
}
