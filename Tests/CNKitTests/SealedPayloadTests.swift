import Foundation
import Testing
import Crypto
import CNProtocol
import CNCrypto

/// Sealed MSG payloads (PROTOCOL §6.3) and the inner packets inside them (§7), on their own.
struct SealedPayloadTests {
    static let key = SymmetricKey(size: .bits256)

    @Test func aPacketSealsAndOpensWithTheSameKeyOnly() throws {
        let packet = InnerPacket.text(TextPacket(id: "m1", text: "grüße 👋", timestamp: 1_796_000_000_000, replyTo: "m0", to: "bob@example.com"))
        let sealed = try SealedPayload.seal(try packet.encoded(), with: Self.key)
        #expect(try InnerPacket.decode(try SealedPayload.open(sealed, with: Self.key)) == packet)
        #expect(throws: SealedPayload.OpenError.authenticationFailed) { try SealedPayload.open(sealed, with: SymmetricKey(size: .bits256)) }
        // Shape: b64(IV(12) ‖ ciphertext ‖ tag(16)), a fresh IV each time.
        let raw = try #require(Data(base64Encoded: sealed))
        #expect(raw.count >= 28)
        #expect(try SealedPayload.seal(try packet.encoded(), with: Self.key) != sealed)
    }

    @Test func theInnerPacketIsTheOriginalAppsShape() throws {
        let json = try InnerPacket.reaction(ReactionPacket(messageId: "m1", emoji: "👍", action: .add, timestamp: 5)).encoded()
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json)) as? [String: Any])
        #expect(object["t"] as? String == "MSG")
        let data = try #require(object["data"] as? [String: Any])
        #expect(data["type"] as? String == "REACTION")
        #expect(data["messageId"] as? String == "m1" && data["action"] as? String == "add" && data["timestamp"] as? Int == 5)
        #expect(data["to"] == nil, "an absent optional is left out")
    }

    @Test func aGzipBombIsRefusedAtTheLimitAndTruncatedStreamsAreMalformed() throws {
        let bomb = try Gzip.compress([UInt8](repeating: 0x20, count: 3 * 1_048_576))
        #expect(bomb.count < 65_536)
        #expect(throws: Gzip.Failure.tooLarge(limit: SealedPayload.maximumInflatedBytes)) {
            try Gzip.decompress(bomb, limit: SealedPayload.maximumInflatedBytes)
        }
        let box = try AES.GCM.seal(bomb, using: Self.key, nonce: AES.GCM.Nonce())
        #expect(throws: SealedPayload.OpenError.badCompression(.tooLarge(limit: SealedPayload.maximumInflatedBytes))) {
            try SealedPayload.open(box.combined!.base64EncodedString(), with: Self.key)
        }
        let small = try Gzip.compress(Array("hello".utf8))
        #expect(try Gzip.decompress(small, limit: 5) == Array("hello".utf8))
        #expect(throws: Gzip.Failure.tooLarge(limit: 4)) { try Gzip.decompress(small, limit: 4) }
        #expect(throws: Gzip.Failure.malformed) { try Gzip.decompress(Array(small.dropLast(3)), limit: 100) }
        #expect(throws: Gzip.Failure.malformed) { try Gzip.decompress(small + [0x00], limit: 100) }
        #expect(throws: Gzip.Failure.malformed) { try Gzip.decompress(Array("not gzip".utf8), limit: 100) }
    }

    @Test func packetsOutsideTheirBoundsAreMalformedAndUnknownTypesIgnored() throws {
        func decode(_ data: String) throws -> InnerPacket { try InnerPacket.decode(Array(#"{"t":"MSG","data":\#(data)}"#.utf8)) }
        #expect(try decode(#"{"type":"CALL_START","callId":"x"}"#) == .unknown("CALL_START"))
        #expect(throws: PacketError.self) { try decode(#"{"type":"TEXT","id":"a","text":"x","timestamp":-1}"#) }
        #expect(throws: PacketError.self) { try decode(#"{"type":"EDIT","id":"a","text":"x","timestamp":-9223372036854775808}"#) }
        #expect(throws: PacketError.self) { try decode(#"{"type":"TEXT_CHUNK","id":"a","chunkIndex":3,"totalChunks":3,"textChunk":"x","timestamp":1}"#) }
        #expect(throws: PacketError.self) { try decode(#"{"type":"TEXT","id":"","text":"x","timestamp":1}"#) }
        #expect(throws: PacketError.self) { try decode(#"{"type":"RECEIPT","ids":[],"kind":"read","timestamp":1}"#) }
        #expect(throws: PacketError.self) { try decode(#"{"type":"REACTION","messageId":"a","emoji":"","action":"add","timestamp":1}"#) }
        #expect(throws: PacketError.self) { try InnerPacket.decode(Array("[1,2]".utf8)) }
    }
}
