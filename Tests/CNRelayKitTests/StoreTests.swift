import Foundation
import Testing
import GRDB
import NIOWebSocket
import Logging
import CNProtocol
import CNCrypto
@testable import CNRelayKit

/// The relay store: expiry, and a connection log that holds no identity in the clear.
@Suite(.serialized)
struct StoreTests {
    @Test func expiredRowsAreDroppedAtLoad() throws {
        let dir = TestRelay.temporaryDirectory()
        let store = try RelayStore(path: dir + "/relay.sqlite", logger: TestRelay.quietLogger)
        let now: Int64 = 2_000_000_000
        let day: Int64 = 86_400
        try store.pool.write { db in
            for (sender, created) in [("old", now - 31 * day), ("new", now - 29 * day)] {
                try db.execute(sql: "INSERT INTO pendingRequest (senderHash, targetHash, senderEmail, senderDevice, packets, created) VALUES (?, 't', 'e', 'd', ?, ?)",
                               arguments: [sender, Data(#"{"targetEmail":"t@x.y","encryptedPacket":"p"}"#.utf8), created])
                try db.execute(sql: "INSERT INTO notification (id, accountHash, body, created) VALUES (?, 'a', ?, ?)",
                               arguments: [sender, Data(#"{"id":"\#(sender)","kind":"friendDenied","senderHash":"s","created":\#(created)}"#.utf8), created])
            }
            for (id, at) in [("stale", (now - 15 * day) * 1000), ("fresh", (now - 13 * day) * 1000)] {
                try db.execute(sql: """
                    INSERT INTO mailbox (accountHash, deviceKey, messageID, sid, senderHash, senderKey, payload, receivedAt)
                    VALUES ('a', 'k', ?, 's', 'h', 'sk', ?, ?)
                    """, arguments: [id, Data("\"x\"".utf8), at])
            }
        }
        let state = try store.load(now: now, pendingRetention: 30 * day, mailboxTTL: 14 * day)
        #expect(state.requests.map(\.senderHash) == ["new"])
        #expect(state.notifications.map(\.notification.id) == ["new"])
        #expect(state.mailboxUsage == [MailboxSlot(account: "a", device: "k"): MailboxUsage(items: 1, bytes: 3)])
    }

    @Test func theConnectionLogHoldsOnlyKeyedTags() async throws {
        let relay = try await TestRelay.start()
        let c = try await relay.client("alice@example.com")
        let key = c.publicKey
        await c.close()
        let bad = try await TestClient.connect(port: relay.port)
        try await bad.send(.auth(AuthRequest(token: "sess:1:x@y.z:00", publicKey: bad.publicKey)))
        _ = try await bad.expectError(.authFailed)
        await bad.close()
        try await Task.sleep(for: .milliseconds(200))
        await relay.stop()

        let db = try DatabaseQueue(path: relay.dataDirectory + "/relay.sqlite")
        let rows = try await db.read { try Row.fetchAll($0, sql: "SELECT event, account, ip, device FROM connectionLog ORDER BY rowid") }
        #expect(rows.map { $0["event"] as String } == ["auth", "close", "auth_failed"])
        let everything = rows.flatMap { row in row.columnNames.compactMap { row[$0] as String? } }.joined(separator: " ")
        for secret in ["127.0.0.1", "alice", EmailAddress("alice@example.com")!.hash, key] {
            #expect(!everything.contains(secret))
        }
        #expect(rows.allSatisfy { ($0["ip"] as String?)?.count == 16 })
    }

    @Test func silentSocketsAreClosedAndEveryoneIsPinged() async throws {
        let relay = try await TestRelay.start { $0.heartbeatInterval = 1; $0.silenceTimeout = 2 }
        defer { Task { await relay.stop() } }
        let c = try await relay.client("alice@example.com")
        // A raw read sees the relay's JSON PING (TestClient.next() hides heartbeats).
        guard case .text(let bytes) = await c.inbox.next(timeout: .seconds(3)) else { throw TestFailure("no PING") }
        #expect(try FrameCodec.decodeRelayFrame(bytes) == .ping)
        // This client never answers: closed once silent for longer than the timeout.
        #expect(try await c.expectClose(timeout: .seconds(6)) == .goingAway)
    }
}
