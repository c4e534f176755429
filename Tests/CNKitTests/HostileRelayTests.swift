import Foundation
import Testing
import Crypto
import CNProtocol
import CNCrypto
import CNStore
import CNClient

/// What a lying relay can send, fed straight into the session service: nothing beyond
/// routing may be believed (PROTOCOL §5–6).
struct HostileRelayTests {
    /// Alice's account, its session service, and the events it reported.
    final class Fixture: @unchecked Sendable {
        let account: Account
        let service: SessionService
        let client: RelayClient
        let events = EventLog()

        init() throws {
            let store = AccountStore(home: NSTemporaryDirectory() + "cn-hostile-" + UUID().uuidString, environment: [:])
            account = try store.create(email: EmailAddress("alice@example.com")!, relay: "ws://127.0.0.1:1", sessionToken: nil)
            let events = self.events
            service = SessionService(account: account, database: try account.openDatabase()) { event in events.append(event) }
            client = RelayClient(endpoint: RelayEndpoint("ws://127.0.0.1:1")!,
                                 credentials: RelayCredentials(identity: account.identity, token: { nil }, authenticated: { _ in }), sink: FrameRouter([service]))
        }

        func feed(_ frame: RelayFrame) async { await service.receive(frame, from: client) }
        func types() -> [String] { events.all.map(\.type) }
        var me: EmailAddress { account.email }
    }

    /// Events in the order the service reported them.
    final class EventLog: @unchecked Sendable {
        private let lock = NSLock()
        private var items: [ClientEvent] = []
        func append(_ e: ClientEvent) { lock.withLock { items.append(e) } }
        var all: [ClientEvent] { lock.withLock { items } }
    }

    static let bob = EmailAddress("bob@example.com")!

    /// Bob's friend packet for alice's device, sealed by `device`.
    static func packet(from device: IdentityKey, to fixture: Fixture, claiming email: String = "bob@example.com") throws -> String {
        try FriendPacket(email: email, timestamp: 1).sealed(with: try device.pairwiseKey(with: fixture.account.identity.publicKey))
    }

    static func session(_ fixture: Fixture, peer: EmailAddress, keys: [String], sid: String? = nil) -> RelayFrame {
        .sessionList([SessionEntry(sid: sid ?? ConversationID.between(fixture.me, peer), peerHash: peer.hash, peerEmail: peer.value,
                                   online: true, peerPubKeys: keys, onlinePubKeys: keys, ownPubKeys: [])])
    }

    @Test func forgedRequestsAreNotBelieved() async throws {
        let f = try Fixture()
        let bobDevice = IdentityKey()
        // The packet says it is from carol, the relay says bob.
        await f.feed(.friendRequest(FriendRequestPush(senderHash: Self.bob.hash, senderEmail: Self.bob.value, publicKeys: [bobDevice.publicKey.base64],
                                                      encryptedPacket: try Self.packet(from: bobDevice, to: f, claiming: "carol@example.com"))))
        // The hash does not belong to the e-mail.
        await f.feed(.friendRequest(FriendRequestPush(senderHash: String(repeating: "0", count: 64), senderEmail: Self.bob.value,
                                                      publicKeys: [bobDevice.publicKey.base64], encryptedPacket: try Self.packet(from: bobDevice, to: f))))
        // The packet was sealed by another key than the one the relay names.
        await f.feed(.friendRequest(FriendRequestPush(senderHash: Self.bob.hash, senderEmail: Self.bob.value, publicKeys: [IdentityKey().publicKey.base64],
                                                      encryptedPacket: try Self.packet(from: bobDevice, to: f))))
        #expect(f.service.pendingRequests.isEmpty)
        #expect(f.types() == ["rejected", "rejected", "rejected"])
        #expect(try f.service.database.peers().isEmpty)
    }

    @Test func wrongSidsAndFloodsOfBadKeys() async throws {
        let f = try Fixture()
        await f.feed(Self.session(f, peer: Self.bob, keys: [IdentityKey().publicKey.base64], sid: String(repeating: "a", count: 64)))
        #expect(try f.service.database.peers().isEmpty, "a friendship under a wrong sid is refused")
        await f.feed(Self.session(f, peer: Self.bob, keys: Array(repeating: "not a key", count: 10_000)))
        #expect(f.types().filter { $0 == "rejected" }.count == 2, "one report per list, not per key: \(f.types())")
    }

    @Test func friendshipsTheRelayListsAreReportedAndNeverOverrideABlock() async throws {
        let f = try Fixture()
        let key = IdentityKey().publicKey.base64
        await f.feed(Self.session(f, peer: Self.bob, keys: [key]))
        #expect(f.types() == ["friend_accepted"], "not taken silently")
        let carol = EmailAddress("carol@example.com")!
        try f.service.database.updatePeer(carol.value, sid: ConversationID.between(f.me, carol), now: 1) { $0.blocked = true }
        await f.feed(Self.session(f, peer: carol, keys: [IdentityKey().publicKey.base64]))
        #expect(try f.service.database.peer(carol.value)?.state == FriendshipState.none)
        let carolDevice = IdentityKey()
        await f.feed(.friendAccepted(FriendAccepted(senderHash: carol.hash, senderEmail: carol.value, sid: ConversationID.between(f.me, carol),
                                                    publicKeys: [carolDevice.publicKey.base64],
                                                    encryptedPacket: try Self.packet(from: carolDevice, to: f, claiming: carol.value))))
        #expect(try f.service.database.peer(carol.value)?.state == FriendshipState.none, "a blocked peer's accept is ignored")
    }

    @Test func aStaleAcceptDoesNotRetireNewerKeys() async throws {
        let f = try Fixture()
        let b1 = IdentityKey(), b2 = IdentityKey()
        await f.feed(Self.session(f, peer: Self.bob, keys: [b1.publicKey.base64, b2.publicKey.base64]))
        await f.feed(.friendAccepted(FriendAccepted(senderHash: Self.bob.hash, senderEmail: Self.bob.value, sid: ConversationID.between(f.me, Self.bob),
                                                    publicKeys: [b1.publicKey.base64], encryptedPacket: try Self.packet(from: b1, to: f))))
        let devices = try f.service.database.devices(of: Self.bob.value)
        #expect(devices.allSatisfy { $0.trust == .trusted } && devices.count == 2)
        #expect(!f.types().contains("key_change"))
    }

    @Test func aKeyAddedWhileVerifyingIsNotAccepted() async throws {
        let f = try Fixture()
        let b1 = IdentityKey()
        await f.feed(Self.session(f, peer: Self.bob, keys: [b1.publicKey.base64]))
        let report = try f.service.safetyNumber(with: Self.bob)
        _ = try f.service.verify(Self.bob, number: report.safetyNumber)
        // The relay adds a key to the verified peer: held back, and reported.
        let m = IdentityKey().publicKey.base64
        await f.feed(.peerOnline(sid: ConversationID.between(f.me, Self.bob), PeerOnline(peerPubKeys: [b1.publicKey.base64, m], devicePublicKey: m)))
        #expect(try f.service.database.devices(of: Self.bob.value).first { $0.publicKey == m }?.trust == .unconfirmed)
        // The old number no longer verifies; acceptance checks the exact key set it judged.
        #expect(throws: ClientError.self) { try f.service.verify(Self.bob, number: report.safetyNumber) }
        #expect(!(try f.service.database.acceptDevices(of: Self.bob.value, expected: [b1.publicKey.base64], verified: true, now: 9)))
        #expect(try f.service.database.devices(of: Self.bob.value).first { $0.publicKey == m }?.trust == .unconfirmed)
    }
}
