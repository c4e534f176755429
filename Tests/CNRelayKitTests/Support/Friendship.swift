import CNProtocol
import CNCrypto

extension TestClient {
    /// A friend packet stand-in: the relay never reads packets, so any string will do here
    /// (the Python interop suite exercises the real encryption).
    static func packet(for device: String, from email: String) -> String { "packet-from-\(email)-for-\(device.prefix(8))" }

    /// Sends a friend request with one packet per given device key.
    func requestFriend(_ email: String, devices: [String], from me: String) async throws {
        try await send(.friendRequest(FriendPackets(targetEmail: email, payloads: devices.map {
            DevicePacket(publicKey: $0, encryptedPacket: Self.packet(for: $0, from: me))
        })))
    }
}

/// Makes `a` and `b` friends through the relay (both online); returns the sid.
@discardableResult
func befriend(_ a: TestClient, _ aEmail: String, _ b: TestClient, _ bEmail: String) async throws -> String {
    try await a.requestFriend(bEmail, devices: [b.publicKey], from: aEmail)
    _ = try await a.expect(.requestSent)
    _ = try await b.expect(.friendRequest)
    try await b.send(.friendAccept(FriendPackets(targetEmail: aEmail, payloads: [DevicePacket(publicKey: a.publicKey, encryptedPacket: "accept")])))
    guard case .friendAcceptedAck(let ack) = try await b.expect(.friendAcceptedAck) else { throw TestFailure("no ack") }
    _ = try await a.expect(.friendAccepted)
    return ack.sid
}

func sid(_ a: String, _ b: String) -> String {
    ConversationID.between(EmailAddress(a)!, EmailAddress(b)!)
}
