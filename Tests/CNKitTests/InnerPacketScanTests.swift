import Foundation
import Testing
import CNProtocol

/// The TEXT fast path of `InnerPacket.decode` must read exactly what the Codable decoder
/// reads, and what a peer sends must never reach JSONDecoder unless it is strict JSON.
struct InnerPacketScanTests {
    static let corpus: [String] = [
        #"{"t":"MSG","data":{"type":"TEXT","id":"m1","text":"hi","timestamp":1733000000000}}"#,
        #"{"data":{"id":"m1","replyTo":"m0","text":"a\/b\u00e9\ud83d\ude00","timestamp":1733000000000,"to":"bob@example.com","type":"TEXT"},"t":"MSG"}"#,
        #"{"t":"MSG","data":{"type":"TEXT","id":"m1","text":"hi","timestamp":1733000000000,"replyTo":null,"to":null}}"#,
        #"{"t":"MSG","data":{"type":"TEXT","id":"m1","text":"hi","timestamp":1.733e12}}"#,
        #"{"t":"MSG","data":{"type":"TEXT","id":"m1","text":"hi","timestamp":1733022222222222200.00}}"#,
        #"{"t":"MSG","data":{"type":"TEXT","id":"m1","text":"hi","timestamp":17330000000000e-1}}"#,
        #"{"t":"MSG","data":{"type":"TEXT","id":"m1","text":"hi","timestamp":1733000000000.5}}"#,
        #"{"t":"MSG","data":{"type":"TEXT","id":"m1","text":"hi","timestamp":"1733000000000"}}"#,
        #"{"t":"MSG","data":{"type":"TEXT","id":"m1","text":5,"timestamp":1733000000000}}"#,
        #"{"t":"MSG","data":{"type":"TEXT","id":"m1","timestamp":1733000000000}}"#,
        #"{"t":"MSG","data":{"type":"TEXT","id":"m1","text":"hi","timestamp":1733000000000,"replyTo":7}}"#,
        #"{"t":"MSG","data":{"type":"TEXT","id":"m1","id":"m2","text":"hi","timestamp":1733000000000,"extra":[1,{"a":null}]}}"#,
        #"{"t":"MSG","data":{"type":"TEXT","id":"m1","text":"hi","timestamp":1733000000000},"data":5}"#,
        #"{"t":"MSG","data":5,"data":{"type":"TEXT","id":"m1","text":"hi","timestamp":1733000000000}}"#,
        #"{"t":"MSG","data":{"type":"EDIT","id":"m1","text":"hi","timestamp":1733000000000}}"#,
        #"{"t":"MSG","data":{"type":"RECEIPT","ids":["m1"],"kind":"read","timestamp":1733000000000}}"#,
        #"{"t":"MSG","data":{"type":"TEXT","id":"m1","text":"hi","timestamp":99999999999999999999}}"#,
        #"["not","an","object"]"#,
    ]

    @Test(arguments: corpus)
    func fastPathAgreesWithCodec(_ input: String) {
        #expect(InnerPacket.crossCheck(Array(input.utf8)) == nil, "\(input)")
    }

    @Test func fastPathAgreesOnMutations() {
        let alphabet = Array(#"{}[]":,\ tnfu0123456789.eE-+"#.utf8) + [0x00, 0x1F, 0xC3, 0xA9, 0xED, 0xA0, 0x80]
        var fastReads = 0
        for bytes in mutations(of: Self.corpus, seed: 11, alphabet: alphabet) {
            if let problem = InnerPacket.crossCheck(bytes) {
                Issue.record("\(problem) on \(String(decoding: bytes, as: UTF8.self).debugDescription)")
                return
            }
            if let fields = RoutedFrameScanner.scanInnerPacket(bytes), RoutedFrameScanner.textPacket(fields) != nil { fastReads += 1 }
        }
        #expect(fastReads > 100, "fast path taken \(fastReads) times")
    }

    @Test func textPacketsReadTheirFields() throws {
        let json = Array(#"{"t":"MSG","data":{"type":"TEXT","id":"m1","text":"a\/b","timestamp":1733000000000,"replyTo":"m0","to":"bob@example.com"}}"#.utf8)
        #expect(try InnerPacket.decode(json) == .text(TextPacket(id: "m1", text: "a/b", timestamp: 1_733_000_000_000, replyTo: "m0", to: "bob@example.com")))
        // The fast path validates as the Codable path does: a timestamp out of 1970...3000 is refused.
        let late = Array(#"{"t":"MSG","data":{"type":"TEXT","id":"m1","text":"hi","timestamp":99999999999999}}"#.utf8)
        #expect(throws: PacketError.self) { try InnerPacket.decode(late) }
    }

    @Test func whatIsNotStrictJSONNeverReachesJSONDecoder() {
        // 513 unclosed brackets make FoundationEssentials' JSONDecoder trap: a peer could end cn-recv with one payload.
        #expect(throws: PacketError.self) { try InnerPacket.decode(Array(repeating: UInt8(ascii: "["), count: 513)) }
        #expect(throws: PacketError.self) { try InnerPacket.decode(Array(#"{"t":"MSG","data":{"type":"TEXT",}}"#.utf8)) }
        #expect(throws: PacketError.self) { try InnerPacket.decode(Array("{\"t\":\"MSG\",\"data\":{\"type\":\"TEXT\",\"id\":\"m\",\"text\":\"\u{01}\",\"timestamp\":1}}".utf8)) }
    }
}
