import Foundation
import Testing
import CNProtocol

/// The hot-path scanner must agree with the Codable decoder on every input: accept and
/// reject the same MSG/RTC frames and read the same fields.
struct RoutedFrameScannerTests {
    static let corpus: [String] = [
        #"{"t":"MSG","sid":"s1","id":"m1","c":true,"p":1,"data":{"payloads":{"k1":"v1","k2":"v2"}}}"#,
        #"{"t":"MSG","sid":"s1","data":{"payloads":{}}}"#,
        #"{"t":"MSG","sid":"s1","data":{"payloads":{"k":"a\/b\u00e9\ud83d\ude00"}}}"#,
        #"  {"data":{"x":[1,2,{"y":null}],"payloads":{"k":"v"}},"sid":"s","t":"MSG"}  "#,
        #"{"t":"MSG","sid":"s","p":1.0,"data":{"payloads":{"k":"v"}}}"#,
        #"{"t":"MSG","sid":"s","p":1e0,"data":{"payloads":{"k":"v"}}}"#,
        #"{"t":"MSG","sid":"s","p":1.5,"data":{"payloads":{"k":"v"}}}"#,
        #"{"t":"MSG","sid":"s","p":-0,"data":{"payloads":{"k":"v"}}}"#,
        #"{"t":"MSG","sid":"s","p":"1","data":{"payloads":{"k":"v"}}}"#,
        #"{"t":"MSG","sid":"s","p":null,"c":null,"id":null,"data":{"payloads":{"k":"v"}}}"#,
        #"{"t":"MSG","sid":"s","c":1,"data":{"payloads":{"k":"v"}}}"#,
        #"{"t":"MSG","sid":"s","id":5,"data":{"payloads":{"k":"v"}}}"#,
        #"{"t":"MSG","sid":5,"data":{"payloads":{"k":"v"}}}"#,
        #"{"t":"MSG","data":{"payloads":{"k":"v"}}}"#,
        #"{"t":"MSG","sid":"s"}"#,
        #"{"t":"MSG","sid":"s","data":null}"#,
        #"{"t":"MSG","sid":"s","data":{"payloads":null}}"#,
        #"{"t":"MSG","sid":"s","data":{"payloads":{"k":1}}}"#,
        #"{"t":"MSG","sid":"s","data":{"payloads":{"k":null}}}"#,
        #"{"t":"MSG","sid":"s","data":{"payloads":[]}}"#,
        #"{"t":"MSG","sid":"s","sid":"other","data":{"payloads":{"k":"v"}}}"#,
        #"{"t":"MSG","sid":"s","data":{"payloads":{"k":"v","k":"w"}}}"#,
        #"{"t":"MSG","sid":"s","data":{"payloads":{"k":"v","k":1}}}"#,
        #"{"t":"MSG","sid":"s","data":{"payloads":{"k":"v"},"payloads":1}}"#,
        #"{"t":"MSG","sid":"s","data":{"payloads":{"k":"v"}},"data":5}"#,
        #"{"t":"MSG","sid":"s","data":{"payloads":{"k":"v"}}} x"#,
        #"{"t":"MSG","sid":"s","data":{"payloads":{"k":"v"}},}"#,
        #"{"t":"MSG","sid":"\ud800","data":{"payloads":{"k":"v"}}}"#,
        #"{"t":"MSG","sid":"s","data":{"payloads":{"k":"\udc00"}}}"#,
        "{\"t\":\"MSG\",\"sid\":\"s\u{01}\",\"data\":{\"payloads\":{\"k\":\"v\"}}}",
        #"{"t":"MSG","sid":"s","data":{"payloads":{"k":"v"}},"n":01}"#,
        #"{"t":"MSG","sid":"s","data":{"payloads":{"k":"v"}},"n":1.}"#,
        #"{"t":"MSG","sid":"s","data":{"payloads":{"k":"v"}},"n":tru}"#,
        #"{"t":"RTC_OFFER","sid":"s","targetPubKey":"k","data":{"payloads":{"k":"sdp"}}}"#,
        #"{"t":"RTC_ICE","sid":"s","data":{"payloads":{"k":"sdp"}}}"#,
        #"{"t":"RTC_ANSWER","sid":"s","targetPubKey":null,"data":{"payloads":{"k":"sdp"}}}"#,
        #"{"\u0074":"MSG","sid":"s","data":{"payloads":{"k":"v"}}}"#,
        #"{"t":"MSG","sid":"s","p":9223372036854775808,"data":{"payloads":{"k":"v"}}}"#,
        #"{"t":"MSG","sid":"s","p":1e400,"data":{"payloads":{"k":"v"}}}"#,
        #"{"t":"MSG","sid":"s","p":1733022222222222200.00,"data":{"payloads":{"k":"v"}}}"#,
        #"{"t":"MSG","sid":"s","p":123456789012345678.9e1,"data":{"payloads":{"k":"v"}}}"#,
        #"{"t":"MSG","sid":"s","p":9.223372036854775807e18,"data":{"payloads":{"k":"v"}}}"#,
    ]

    /// Checks one input; returns a description of any disagreement.
    static func disagreement(_ bytes: [UInt8]) -> String? {
        // The scanner refuses only invalid JSON: where it refuses, an independent parser
        // (JSONSerialization) refuses too, unless the input holds a trailing comma, which
        // JSONSerialization tolerates and RFC 8259 does not.
        if !RoutedFrameScanner.isStrictJSON(bytes) {
            let lenientlyValid = (try? JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])) != nil
            if lenientlyValid && !Self.hasTrailingComma(bytes) { return "scanner rejected valid JSON" }
        }
        return RoutedFrameScanner.crossCheck(bytes)
    }

    static func hasTrailingComma(_ bytes: [UInt8]) -> Bool {
        var lastSignificant: UInt8 = 0
        for b in bytes where ![0x20, 0x09, 0x0A, 0x0D].contains(b) {
            if (b == UInt8(ascii: "}") || b == UInt8(ascii: "]")) && lastSignificant == UInt8(ascii: ",") { return true }
            lastSignificant = b
        }
        return false
    }

    @Test(arguments: corpus)
    func scannerAgreesWithCodec(_ input: String) {
        #expect(Self.disagreement(Array(input.utf8)) == nil, "\(input)")
    }

    @Test func scannerAgreesOnMutations() {
        // Deterministic mutations of the corpus: truncations, byte flips, insertions.
        let alphabet = Array(#"{}[]":,\ tnfu0123456789.eE-+"#.utf8) + [0x00, 0x1F, 0x7F, 0xC3, 0xA9, 0xED, 0xA0, 0x80, 0xF4, 0x90]
        var checked = 0
        for bytes in mutations(of: Self.corpus, seed: 42, alphabet: alphabet) {
            if let problem = Self.disagreement(bytes) {
                Issue.record("\(problem) on \(String(decoding: bytes, as: UTF8.self).debugDescription)")
                return
            }
            checked += 1
        }
        #expect(checked == Self.corpus.count * 300)
    }

    /// Relayed MSG frames as a client receives them, for the client's fast path.
    static let relayedCorpus: [String] = [
        #"{"t":"MSG","sid":"s1","id":"m1","sh":"h","spk":"k","data":{"payloads":{"me":"v1","other":"v2"}}}"#,
        #"{"t":"MSG","sid":"s1","id":"m1","sh":"h","spk":"k","q":true,"ts":1733000000000,"data":{"payloads":{"me":"v"}}}"#,
        #"{"t":"MSG","sid":"s1","sh":"h","spk":"k","q":false,"ts":null,"id":null,"p":null,"data":{"payloads":{}}}"#,
        #"{"t":"MSG","sid":"s1","sh":"h","spk":"k","p":2,"c":true,"data":{"payloads":{"k":"a\/b\u00e9\ud83d\ude00"}}}"#,
        #"{"t":"MSG","sid":"s1","sh":"h","spk":"k","ts":1.0,"data":{"payloads":{"k":"v"}}}"#,
        #"{"t":"MSG","sid":"s1","sh":"h","spk":"k","ts":1.5,"data":{"payloads":{"k":"v"}}}"#,
        #"{"t":"MSG","sid":"s1","id":"m1","sh":"h","spk":"k","q":true,"ts":1733022222222222200.00,"data":{"payloads":{"me":"a]/,b"}}}"#,
        #"{"t":"MSG","sid":"s1","sh":"h","spk":"k","ts":"1","data":{"payloads":{"k":"v"}}}"#,
        #"{"t":"MSG","sid":"s1","sh":"h","spk":"k","q":1,"data":{"payloads":{"k":"v"}}}"#,
        #"{"t":"MSG","sid":"s1","sh":"h","spk":null,"data":{"payloads":{"k":"v"}}}"#,
        #"{"t":"MSG","sid":"s1","sh":5,"spk":"k","data":{"payloads":{"k":"v"}}}"#,
        #"{"t":"MSG","sid":"s1","spk":"k","data":{"payloads":{"k":"v"}}}"#,
        #"{"t":"MSG","sid":"s1","sh":"h","spk":"k","sh":"other","data":{"payloads":{"k":"v","k":"w"}}}"#,
        #"{"t":"MSG","sid":"s1","sh":"h","spk":"k","data":{"payloads":{"k":1}}}"#,
        #"{"t":"MSG","sid":"s1","sh":"h","spk":"k","data":{"payloads":null}}"#,
        #"{"t":"MSG","sid":"s1","sh":"h","spk":"k","data":null}"#,
        #"{"t":"MSG","sid":"s1","sh":"h","spk":"k","id":7,"data":{"payloads":{"k":"v"}}}"#,
        #"{"t":"DELIVERED","sid":"s1","id":"m1","sh":"h","spk":"k","data":{"delivered":["k"],"stored":[],"offline":[]}}"#,
        #"{"t":"DELIVERED","sid":"s1","id":"m1","data":{"delivered":["k1","k\/2"],"stored":["k3"],"offline":[]}}"#,
        #"{"t":"DELIVERED_FAILED","sid":"s1","data":{"delivered":[],"stored":[],"offline":["k1"]}}"#,
        #"{"t":"DELIVERED","sid":"s1","id":null,"data":{"offline":[],"stored":[],"delivered":[ "a" , "b" ]}}"#,
        #"{"t":"DELIVERED","sid":"s1","data":{"delivered":["k1",1],"stored":[],"offline":[]}}"#,
        #"{"t":"DELIVERED","sid":"s1","data":{"delivered":["k1",null],"stored":[],"offline":[]}}"#,
        #"{"t":"DELIVERED","sid":"s1","data":{"delivered":[["k1"]],"stored":[],"offline":[]}}"#,
        #"{"t":"DELIVERED","sid":"s1","data":{"delivered":null,"stored":[],"offline":[]}}"#,
        #"{"t":"DELIVERED","sid":"s1","data":{"delivered":"k1","stored":[],"offline":[]}}"#,
        #"{"t":"DELIVERED","sid":"s1","data":{"stored":[],"offline":[]}}"#,
        #"{"t":"DELIVERED","sid":"s1","data":{"delivered":[],"delivered":[1],"stored":[],"offline":[]}}"#,
        #"{"t":"DELIVERED","sid":"s1","id":5,"data":{"delivered":[],"stored":[],"offline":[]}}"#,
        #"{"t":"DELIVERED","data":{"delivered":[],"stored":[],"offline":[]}}"#,
        #"{"t":"DELIVERED","sid":"s1","data":{"delivered":[],"stored":[],"offline":[],"payloads":{"k":"v"}}}"#,
        #"{"t":"RTC_OFFER","sid":"s1","sh":"h","spk":"k","targetPubKey":"x","data":{"payloads":{"k":"v"}}}"#,
    ]

    @Test(arguments: relayedCorpus)
    func relayedFastPathAgreesWithCodec(_ input: String) {
        #expect(RoutedFrameScanner.crossCheckRelayed(Array(input.utf8)) == nil, "\(input)")
    }

    @Test func relayedFastPathReadsTheFields() throws {
        let input = #"{"t":"MSG","sid":"s1","id":"m1","sh":"h","spk":"k","q":true,"ts":1733000000000,"p":1,"data":{"payloads":{"me":"a\/b"}}}"#
        let frame = try FrameCodec.decodeRelayFrame(Array(input.utf8))
        #expect(frame == .message(RelayedMessage(header: MessageHeader(sid: "s1", id: "m1", priority: 1), senderHash: "h", senderKey: "k",
                                                 queued: true, receivedAt: 1_733_000_000_000, payloads: ["me": "a/b"])))
        let delivered = try FrameCodec.decodeRelayFrame(Array(#"{"t":"DELIVERED","sid":"s1","id":"m1","data":{"delivered":["k1"],"stored":["k2"],"offline":[]}}"#.utf8))
        #expect(delivered == .delivered(DeliveryNotice(sid: "s1", id: "m1", report: DeliveryReport(delivered: ["k1"], stored: ["k2"], offline: []))))
        // A MSG the fast path does not take still decodes, or fails, as Codable says.
        #expect(throws: FrameError.self) { try FrameCodec.decodeRelayFrame(Array(#"{"t":"MSG","sid":"s1","spk":"k","data":{"payloads":{}}}"#.utf8)) }
    }

    @Test func relayedFastPathAgreesOnMutations() {
        let alphabet = Array(#"{}[]":,\ tnfu0123456789.eE-+"#.utf8) + [0x00, 0x1F, 0xC3, 0xA9, 0xED, 0xA0, 0x80]
        var fastReads = 0
        for bytes in mutations(of: Self.relayedCorpus, seed: 7, alphabet: alphabet) {
            if let problem = RoutedFrameScanner.crossCheckRelayed(bytes) {
                Issue.record("\(problem) on \(String(decoding: bytes, as: UTF8.self).debugDescription)")
                return
            }
            if let scan = RoutedFrameScanner.scan(bytes), RoutedFrameScanner.relayedMessage(scan, bytes) != nil { fastReads += 1 }
        }
        // The mutations must exercise the fast path, not only the fallback.
        #expect(fastReads > 100, "fast path taken \(fastReads) times")
    }

    @Test func payloadTokensAreVerbatim() {
        let input = Array(#"{"t":"MSG","sid":"s","data":{"payloads":{"k1":"a\/b","k2":"xyz"}}}"#.utf8)
        let scan = RoutedFrameScanner.scan(input)!
        let tokens = scan.payloads!.map { String(decoding: input[$0.token], as: UTF8.self) }
        #expect(tokens == [#""a\/b""#, #""xyz""#])
        #expect(scan.payloadBytes == 7)
    }

    @Test func frameCodecSurvivesInputThatTrapsJSONDecoder() {
        // 513 unclosed brackets make FoundationEssentials' JSONDecoder trap (FrameFuzz found it).
        let input = Array(repeating: UInt8(ascii: "["), count: 513)
        #expect(throws: FrameError(.invalidJSON)) { try FrameCodec.decodeClientFrame(input) }
        #expect(throws: FrameError(.invalidJSON)) { try FrameCodec.decodeRelayFrame(input) }
        // Nesting: 511 arrays inside the envelope object are accepted, 512 are not.
        let ok = "{\"t\":\"PING\",\"x\":" + String(repeating: "[", count: 511) + String(repeating: "]", count: 511) + "}"
        let deep = "{\"t\":\"PING\",\"x\":" + String(repeating: "[", count: 512) + String(repeating: "]", count: 512) + "}"
        #expect((try? FrameCodec.decodeClientFrame(Array(ok.utf8))) == .ping)
        #expect(throws: FrameError(.invalidJSON)) { try FrameCodec.decodeClientFrame(Array(deep.utf8)) }
    }

    @Test func deepNestingIsRejectedNotCrashed() {
        let deep = "{\"t\":\"MSG\",\"x\":" + String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000) + "}"
        #expect(RoutedFrameScanner.scan(Array(deep.utf8)) == nil)
    }
}
