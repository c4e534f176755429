import Foundation
import CNCrypto
import CNStore

/// A peer's safety number and the keys it covers.
public struct SafetyNumberReport: Codable, Sendable, Equatable {
    public var email: String
    /// 60 digits in 12 groups of 5, the same on both sides.
    public var safetyNumber: String
    public var verified: Bool
    /// The peer's keys in the number (pinned, not retired).
    public var peerDevices: [String]
    /// This account's keys in the number (this device and its other accepted devices).
    public var ownDevices: [String]
    /// Keys of the peer held back until accepted (in the number: verifying accepts them).
    public var unconfirmed: [String]?
    /// New devices of this account not yet accepted (`cn-account devices --accept`); not
    /// in the number.
    public var ownUnconfirmed: [String]?
}

extension SessionService {
    /// The safety number with `peer` over the keys pinned now (PROTOCOL §6.4).
    public func safetyNumber(with peer: EmailAddress) throws -> SafetyNumberReport {
        guard let record = try database.peer(peer.value) else {
            throw ClientError(.notAllowed, "\(peer.value) is not a known peer (send or accept a friend request first)")
        }
        let devices = try database.devices(of: peer.value).filter { $0.trust != .retired }
        let peerKeys = devices.compactMap { DevicePublicKey(base64: $0.publicKey) }
        guard !peerKeys.isEmpty else { throw ClientError(.notAllowed, "no device key of \(peer.value) is pinned") }
        let own = try database.ownDevices()
        let ownKeys = [account.identity.publicKey] + own.filter { $0.trust == .trusted }.compactMap { DevicePublicKey(base64: $0.publicKey) }
        let ownUnconfirmed = own.filter { $0.trust != .trusted }.map(\.publicKey)
        let number = SafetyNumber.between((account.email, ownKeys), (peer, peerKeys))
        let unconfirmed = devices.filter { $0.trust == .unconfirmed }.map(\.publicKey)
        return SafetyNumberReport(email: peer.value, safetyNumber: number, verified: record.verified,
                                  peerDevices: peerKeys.map(\.base64).sorted(), ownDevices: ownKeys.map(\.base64).sorted(),
                                  unconfirmed: unconfirmed.isEmpty ? nil : unconfirmed,
                                  ownUnconfirmed: ownUnconfirmed.isEmpty ? nil : ownUnconfirmed.sorted())
    }

    /// Marks `peer` verified if `number` (digits; spaces and punctuation ignored) is the
    /// current safety number; this also accepts the peer's held-back keys, which the number
    /// covers. A different number verifies nothing.
    public func verify(_ peer: EmailAddress, number: String) throws -> SafetyNumberReport {
        var report = try safetyNumber(with: peer)
        guard SafetyNumber.normalized(number) == SafetyNumber.normalized(report.safetyNumber) else {
            throw ClientError(.notAllowed, "the safety number does not match: \(peer.value) is NOT verified (compare again; a device may have changed)")
        }
        // Only the keys this number covers are accepted, and only if they are still all the
        // keys there are (the relay may have added one since the number was computed).
        guard try database.acceptDevices(of: peer.value, expected: Set(report.peerDevices), expectedOwn: Set(report.ownDevices.filter { $0 != account.identity.publicKey.base64 }),
                                         verified: true, now: now()) else {
            throw ClientError(.notAllowed, "the keys of \(peer.value) changed while verifying: NOT verified; compare the new number")
        }
        report.verified = true
        report.unconfirmed = nil
        return report
    }

    /// Accepts a peer's new keys without comparing safety numbers; a verified peer becomes
    /// unverified, since the number it was verified with no longer holds.
    public func trust(_ peer: EmailAddress) throws -> SafetyNumberReport {
        let before = try safetyNumber(with: peer)
        guard try database.acceptDevices(of: peer.value, expected: Set(before.peerDevices), verified: false, now: now()) else {
            throw ClientError(.notAllowed, "the keys of \(peer.value) changed meanwhile; nothing accepted — look at them again")
        }
        return try safetyNumber(with: peer)
    }
}
