import Foundation
import Testing
import CNProtocol
@testable import CNClient

/// The JSON written directly on the per-message paths must be the bytes JSONEncoder writes
/// (keys sorted, slashes unescaped): each shape against JSONEncoder, over awkward strings.
struct JSONObjectWriterTests {
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    /// Strings with every ASCII control character, quotes, backslashes, slashes, and
    /// multi-byte UTF-8 (including the line separators some encoders escape).
    static let awkward: [String] = {
        var all = ""
        for byte in 0..<0x80 { all.unicodeScalars.append(Unicode.Scalar(UInt8(byte))) }
        var rng = SplitMix(seed: 99)
        let pieces = ["\"", "\\", "/", "\u{08}", "\u{0C}", "\n", "\u{1F}", "\u{7F}", "é", "😀", "\u{2028}", "\u{2029}", "a", " ", "\u{0}"]
        let random = (0..<40).map { _ in (0..<Int(rng.next() % 12)).map { _ in pieces[Int(rng.next() % UInt64(pieces.count))] }.joined() }
        return ["", "plain text", all, "a/b\\c\"d", "ünïcödé 😀 \u{2028}\u{2029}"] + random
    }()

    @Test func stringsAreEscapedAsJSONEncoderEscapesThem() throws {
        for string in Self.awkward {
            var written: [UInt8] = []
            JSONObjectWriter.appendString(string, to: &written)
            let expected = Array(try Self.encoder.encode([string]).dropFirst().dropLast())  // [ "…" ]
            #expect(written == expected, "\(string.debugDescription)")
            #expect(try JSONDecoder().decode(String.self, from: Data(written)) == string)
        }
    }

    /// The TEXT packet as `InnerPacket.encoded()` wrote it with JSONEncoder before.
    struct CodableText: Encodable {
        struct Body: Encodable {
            var id: String
            var text: String
            var timestamp: Int64
            var replyTo: String?
            var to: String?
            var type = "TEXT"
        }
        var t = "MSG"
        var data: Body
    }

    @Test func textPacketIsWhatJSONEncoderWrites() throws {
        for (index, text) in Self.awkward.enumerated() where !text.isEmpty {
            let replyTo = index % 2 == 0 ? nil : "r-\(text)"
            let to = index % 3 == 0 ? nil : "bob@example.com"
            let packet = TextPacket(id: "id-\(index)", text: text, timestamp: 1_733_000_000_000 + Int64(index), replyTo: replyTo, to: to)
            let written = try InnerPacket.text(packet).encoded()
            let expected = Array(try Self.encoder.encode(CodableText(data: .init(id: packet.id, text: text, timestamp: packet.timestamp,
                                                                                replyTo: replyTo, to: to))))
            #expect(written == expected)
            #expect(try InnerPacket.decode(written) == .text(packet))
        }
    }

    @Test func messageEventLineIsWhatJSONEncoderWrites() throws {
        for (index, text) in Self.awkward.enumerated() {
            let origin = PacketOrigin(sid: "sid/\(index)", from: "alice@example.com", fromDevice: "key+/=\(index)")
            let event = ClientEvent.message(MessageEvent(id: "m\(index)", origin: origin, to: "bob@example.com", text: text,
                                                         replyTo: index % 2 == 0 ? nil : "r\(index)", ts: Int64(index) - 5,
                                                         queued: index % 3 == 0 ? true : nil))
            #expect(event.line == Array(try Self.encoder.encode(event)), "\(text.debugDescription)")
        }
    }

    @Test func sendResultLineIsWhatJSONEncoderWrites() throws {
        let results = [
            SendResult(op: nil, id: "m1", sid: "s", to: "bob@example.com", status: "delivered", delivered: ["k1", "k/2"], stored: [],
                       pending: [], unconfirmed: nil),
            SendResult(op: "edit", id: "m\"2", sid: "s", to: "bob@example.com", status: "queued", delivered: [], stored: ["k3"],
                       pending: ["k4", "k5"], unconfirmed: ["k6"]),
        ]
        for result in results {
            #expect(result.line == Array(try Self.encoder.encode(result)))
        }
    }
}
