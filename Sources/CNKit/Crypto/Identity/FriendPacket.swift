import Foundation
import Crypto

/// The plaintext of a friend request or accept (PROTOCOL §6.3): who the sender says it is,
/// and its profile. The receiver checks ``email`` against the relay's `senderEmail`.
public struct FriendPacket: Codable, Sendable, Equatable {
    public var email: String
    public var name: String?
    public var avatar: String?
    public var nameVersion: Int
    public var avatarVersion: Int
    /// Milliseconds since 1970.
    public var timestamp: Int64

    public init(email: String, name: String? = nil, avatar: String? = nil, nameVersion: Int = 0, avatarVersion: Int = 0, timestamp: Int64) {
        self.email = email
        self.name = name
        self.avatar = avatar
        self.nameVersion = nameVersion
        self.avatarVersion = avatarVersion
        self.timestamp = timestamp
    }

    /// Why a packet could not be opened.
    public enum OpenError: Error, Equatable, CustomStringConvertible {
        case malformed
        case tooLarge
        case authenticationFailed
        case badContent

        public var description: String {
            switch self {
            case .malformed: "the friend packet is not b64(iv).b64(ciphertext)"
            case .tooLarge: "the friend packet is larger than 256 KiB"
            case .authenticationFailed: "the friend packet does not decrypt under the sender device's key"
            case .badContent: "the friend packet's content is not a friend packet"
            }
        }
    }

    /// Packets carry at most a small avatar; anything larger is refused unread.
    public static let maximumSealedCharacters = 256 * 1024

    /// `b64(IV) + "." + b64(ciphertext ‖ tag)` of the JSON under `key` (AES-256-GCM, no AAD).
    public func sealed(with key: SymmetricKey) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let box = try AES.GCM.seal(try encoder.encode(self), using: key, nonce: AES.GCM.Nonce())
        return Data(box.nonce).base64EncodedString() + "." + (box.ciphertext + box.tag).base64EncodedString()
    }

    /// Opens a sealed packet; every failure is an ``OpenError``.
    public static func open(_ sealed: String, with key: SymmetricKey) throws -> FriendPacket {
        guard sealed.utf8.count <= maximumSealedCharacters else { throw OpenError.tooLarge }
        let parts = sealed.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, let iv = Data(base64Encoded: String(parts[0])), iv.count == 12,
              let body = Data(base64Encoded: String(parts[1])), body.count >= 16 else { throw OpenError.malformed }
        let plain: Data
        do {
            let box = try AES.GCM.SealedBox(nonce: AES.GCM.Nonce(data: iv), ciphertext: body.prefix(body.count - 16), tag: body.suffix(16))
            plain = try AES.GCM.open(box, using: key)
        } catch {
            throw OpenError.authenticationFailed
        }
        guard let packet = try? JSONDecoder().decode(FriendPacket.self, from: plain) else { throw OpenError.badContent }
        return packet
    }

    /// Tolerant decoding: the original app omits versions; a missing one is 0.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        email = try c.decode(String.self, forKey: .email)
        name = try c.decodeIfPresent(String.self, forKey: .name)
        avatar = try c.decodeIfPresent(String.self, forKey: .avatar)
        nameVersion = (try? c.decodeIfPresent(Int.self, forKey: .nameVersion)) ?? 0
        avatarVersion = (try? c.decodeIfPresent(Int.self, forKey: .avatarVersion)) ?? 0
        timestamp = (try? c.decodeIfPresent(Int64.self, forKey: .timestamp)) ?? 0
    }
}
