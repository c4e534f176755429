#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A single-pass scanner for the frames on the relay's hot path (MSG and RTC_*).
///
/// It validates the whole frame as strict JSON (RFC 8259, UTF-8) and picks out only the
/// fields routing needs; payload values are not decoded but located, so the relay copies
/// their bytes verbatim into the relayed frames. Measured on this machine, this is what
/// brings a relayed message from ~29 µs (Codable) to the cost of the socket I/O.
///
/// It must accept and reject exactly what ``FrameCodec/decodeClientFrame(_:)`` does for
/// these frame types and agree with it on every field; the test suite and the fuzz target
/// `FrameFuzz` check that on every input. Where JSONDecoder has a quirk, this copies it:
/// the first of duplicate keys wins, integral numbers such as `1.0` or `1e2` are integers.
public struct RoutedFrameScanner {
    /// A field as the scan found it.
    public enum Field<Value: Equatable & Sendable>: Equatable, Sendable {
        case absent
        case null
        case value(Value)
        /// Present but of the wrong JSON type (or a number that is no integer).
        case wrongType

        /// The value, if there was one.
        public var value: Value? {
            if case .value(let v) = self { return v }
            return nil
        }

        /// Whether the field was present with the wrong type (a pattern match, which the
        /// hot path prefers to a generic `==`).
        public var isWrongType: Bool {
            if case .wrongType = self { return true }
            return false
        }
    }

    /// One entry of `data.payloads`.
    public struct Payload: Equatable, Sendable {
        /// The decoded key: a device public key.
        public var key: String
        /// The byte range of the value's JSON string token, quotes included, in the scanned bytes.
        public var token: Range<Int>
    }

    /// What a successful scan found.
    public struct Result: Equatable, Sendable {
        public var type: Field<String> = .absent
        public var sid: Field<String> = .absent
        public var id: Field<String> = .absent
        public var confirm: Field<Bool> = .absent
        public var priority: Field<Int> = .absent
        public var targetPubKey: Field<String> = .absent
        /// The fields the relay adds to a MSG it relays (`sh`, `spk`, `q`, `ts`), which the
        /// client reads on its own hot path (``FrameCodec/decodeRelayFrame(_:)``).
        public var senderHash: Field<String> = .absent
        public var senderKey: Field<String> = .absent
        public var queued: Field<Bool> = .absent
        public var receivedAt: Field<Int> = .absent
        /// `data.delivered`, `data.stored`, `data.offline` of a DELIVERED frame (arrays of
        /// strings; any other element makes the field `wrongType`).
        public var delivered: Field<[String]> = .absent
        public var stored: Field<[String]> = .absent
        public var offline: Field<[String]> = .absent
        /// `data` absent, null or not an object, or `data.payloads` likewise: nil.
        public var payloads: [Payload]?
        /// A payload value that was not a string (JSONDecoder rejects the whole frame).
        public var payloadsMalformed = false
        /// Sum of the payload value lengths in bytes, escapes counted as written.
        public var payloadBytes = 0
    }

    /// The nesting depth past which JSONDecoder gives up; the scanner does the same.
    static let maxDepth = 512

    /// Scans `bytes` (one WebSocket message); nil if it is not exactly one valid JSON value.
    /// A valid value that is not an object gives a result with `type == .absent`.
    public static func scan(_ bytes: UnsafeRawBufferPointer) -> Result? {
        var scanner = Scanner(bytes: bytes.bindMemory(to: UInt8.self))
        return scanner.scanDocument()
    }

    /// Whether `bytes` is exactly one strict RFC 8259 JSON value nested at most 512 deep.
    public static func isStrictJSON(_ bytes: [UInt8]) -> Bool { scan(bytes) != nil }

    /// Scans an array of bytes (tests, fuzzing).
    public static func scan(_ bytes: [UInt8]) -> Result? {
        bytes.withUnsafeBytes { scan($0) }
    }

    /// Decodes the JSON string token at `range` of `bytes` (payload values, tests, diagnostics).
    public static func decodeString(_ bytes: [UInt8], _ range: Range<Int>) -> String? {
        bytes.withUnsafeBufferPointer { buf in
            var s = Scanner(bytes: buf)
            s.position = range.lowerBound
            return s.parseString(decode: true)
        }
    }

    /// What ``textPacket(_:)`` reads of an inner packet.
    public struct InnerFields: Equatable, Sendable {
        /// Whether `data` (the first of that name) is an object.
        public var dataIsObject = false
        public var type: Field<String> = .absent
        public var id: Field<String> = .absent
        public var text: Field<String> = .absent
        public var timestamp: Field<Int> = .absent
        public var replyTo: Field<String> = .absent
        public var to: Field<String> = .absent
    }

    /// Scans an opened payload: nil if it is not exactly one strict JSON value (nested at
    /// most 512 deep); otherwise the fields of a TEXT packet it may hold.
    public static func scanInnerPacket(_ bytes: [UInt8]) -> InnerFields? {
        bytes.withUnsafeBufferPointer { buffer in
            var scanner = Scanner(bytes: buffer)
            return scanner.scanInnerPacket()
        }
    }

    /// The TEXT packet `fields` hold, if they are one of the shape the Codable decoder
    /// reads (`type` "TEXT", every required field present and of its type, the optional ones
    /// absent, null or strings); nil for anything else, which the caller decodes with
    /// Codable. ``InnerPacket/crossCheck(_:)`` holds the two to agreement.
    public static func textPacket(_ fields: InnerFields) -> TextPacket? {
        guard fields.dataIsObject, case .value("TEXT") = fields.type, case .value(let id) = fields.id,
              case .value(let text) = fields.text, case .value(let timestamp) = fields.timestamp else { return nil }
        func optional(_ field: Field<String>) -> String?? {
            switch field {
            case .absent, .null: return .some(nil)
            case .value(let v): return .some(v)
            case .wrongType: return nil
            }
        }
        guard let replyTo = optional(fields.replyTo), let to = optional(fields.to) else { return nil }
        return TextPacket(id: id, text: text, timestamp: Int64(timestamp), replyTo: replyTo, to: to)
    }

    /// The DELIVERED or DELIVERED_FAILED frame of a scan, if it has the shape the Codable
    /// decoder reads (`sid`, the three arrays of strings in `data`; `id` absent, null or a
    /// string); nil for anything else. ``crossCheckRelayed(_:)`` holds the two to agreement.
    public static func deliveryFrame(_ scan: Result) -> RelayFrame? {
        guard case .value(let type) = scan.type, type == "DELIVERED" || type == "DELIVERED_FAILED", case .value(let sid) = scan.sid,
              case .value(let delivered) = scan.delivered, case .value(let stored) = scan.stored, case .value(let offline) = scan.offline
        else { return nil }
        let id: String?
        switch scan.id {
        case .absent, .null: id = nil
        case .value(let value): id = value
        case .wrongType: return nil
        }
        let notice = DeliveryNotice(sid: sid, id: id, report: DeliveryReport(delivered: delivered, stored: stored, offline: offline))
        return type == "DELIVERED" ? .delivered(notice) : .deliveryFailed(notice)
    }

    /// The relayed MSG in `bytes`, read from its scan, if the scan found a MSG of the shape
    /// the Codable decoder reads (every required field present and of its type); nil for
    /// anything else, which the caller decodes with ``FrameCodec`` (and so gets the same
    /// frame or the same error). ``crossCheckRelayed(_:)`` holds the two to agreement.
    public static func relayedMessage(_ scan: Result, _ bytes: [UInt8]) -> RelayedMessage? {
        guard case .value("MSG") = scan.type, case .value(let sid) = scan.sid,
              case .value(let senderHash) = scan.senderHash, case .value(let senderKey) = scan.senderKey,
              let found = scan.payloads, !scan.payloadsMalformed else { return nil }
        // Optional fields: absent or null is nil (decodeIfPresent); the wrong type, Codable's error.
        func optional<V>(_ field: Field<V>) -> V?? {
            switch field {
            case .absent, .null: return .some(nil)
            case .value(let v): return .some(v)
            case .wrongType: return nil
            }
        }
        guard let id = optional(scan.id), let priority = optional(scan.priority), let queued = optional(scan.queued),
              let receivedAt = optional(scan.receivedAt) else { return nil }
        var payloads: [String: String] = [:]
        payloads.reserveCapacity(found.count)
        for payload in found where payloads[payload.key] == nil {  // the first of duplicate keys, as JSONDecoder
            guard let value = decodeString(bytes, payload.token) else { return nil }
            payloads[payload.key] = value
        }
        return RelayedMessage(header: MessageHeader(sid: sid, id: id, priority: priority), senderHash: senderHash, senderKey: senderKey,
                              queued: queued ?? false, receivedAt: receivedAt.map(Int64.init), payloads: payloads)
    }
}

/// The keys of one object seen so far. A frame's objects hold a handful of keys, where a
/// linear search beats hashing into a set (8% of relay CPU when it was a Set); past 16
/// keys it switches to a set, so a hostile object with thousands of keys stays linear.
private struct SeenKeys {
    private var few: [String] = []
    private var many: Set<String>?

    /// Adds `key`; false if it was already there.
    mutating func insert(_ key: String) -> Bool {
        if many != nil { return many!.insert(key).inserted }
        if few.contains(key) { return false }
        few.append(key)
        if few.count > 16 {
            many = Set(few)
            few = []
        }
        return true
    }
}

private struct Scanner {
    let bytes: UnsafeBufferPointer<UInt8>
    var position = 0
    var depth = 0

    init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    typealias Result = RoutedFrameScanner.Result

    mutating func scanDocument() -> Result? {
        skipWhitespace()
        var result = Result()
        if peek() == UInt8(ascii: "{") {
            guard parseTopObject(into: &result) else { return nil }
        } else {
            guard skipValue() else { return nil }
        }
        skipWhitespace()
        return position == bytes.count ? result : nil
    }

    // MARK: The envelope

    mutating func parseTopObject(into result: inout Result) -> Bool {
        parseObject { scanner, key in
            switch key {
            case "t": scanner.parseStringField(&result.type)
            case "sid": scanner.parseStringField(&result.sid)
            case "id": scanner.parseStringField(&result.id)
            case "targetPubKey": scanner.parseStringField(&result.targetPubKey)
            case "c": scanner.parseBoolField(&result.confirm)
            case "p": scanner.parseIntField(&result.priority)
            case "data": scanner.parseData(into: &result)
            case "sh": scanner.parseStringField(&result.senderHash)
            case "spk": scanner.parseStringField(&result.senderKey)
            case "q": scanner.parseBoolField(&result.queued)
            case "ts": scanner.parseIntField(&result.receivedAt)
            default: scanner.skipValue()
            }
        }
    }

    // MARK: Inner packets

    /// `{"t":…,"data":{"type":…,…}}`: the fields of `data` a TEXT packet has. Nil if the
    /// bytes are not one strict JSON object.
    mutating func scanInnerPacket() -> RoutedFrameScanner.InnerFields? {
        skipWhitespace()
        guard peek() == UInt8(ascii: "{") else { return skipValue() && atEnd() ? RoutedFrameScanner.InnerFields() : nil }
        var fields = RoutedFrameScanner.InnerFields()
        let ok = parseObject { scanner, key in
            guard key == "data", scanner.peek() == UInt8(ascii: "{") else { return scanner.skipValue() }
            fields.dataIsObject = true
            return scanner.parseObject { scanner, key in
                switch key {
                case "type": scanner.parseStringField(&fields.type)
                case "id": scanner.parseStringField(&fields.id)
                case "text": scanner.parseStringField(&fields.text)
                case "timestamp": scanner.parseIntField(&fields.timestamp)
                case "replyTo": scanner.parseStringField(&fields.replyTo)
                case "to": scanner.parseStringField(&fields.to)
                default: scanner.skipValue()
                }
            }
        }
        return ok && atEnd() ? fields : nil
    }

    private mutating func atEnd() -> Bool {
        skipWhitespace()
        return position == bytes.count
    }

    mutating func parseData(into result: inout Result) -> Bool {
        guard peek() == UInt8(ascii: "{") else { return skipValue() }
        return parseObject { scanner, key in
            switch key {
            case "payloads" where scanner.peek() == UInt8(ascii: "{"): scanner.parsePayloads(into: &result)
            case "delivered": scanner.parseStringArrayField(&result.delivered)
            case "stored": scanner.parseStringArrayField(&result.stored)
            case "offline": scanner.parseStringArrayField(&result.offline)
            default: scanner.skipValue()
            }
        }
    }

    /// An array of strings; an array holding anything else, or another value, is `wrongType`.
    mutating func parseStringArrayField(_ field: inout RoutedFrameScanner.Field<[String]>) -> Bool {
        switch peek() {
        case UInt8(ascii: "["):
            let start = position
            position += 1
            depth += 1
            guard depth <= RoutedFrameScanner.maxDepth else { return false }
            var values: [String] = []
            skipWhitespace()
            if consume(UInt8(ascii: "]")) {
                depth -= 1
                field = .value(values)
                return true
            }
            while true {
                skipWhitespace()
                guard peek() == UInt8(ascii: "\""), let value = parseString(decode: true) else {
                    // Not all strings: validate the rest as any array.
                    position = start
                    depth -= 1
                    field = .wrongType
                    return skipValue()
                }
                values.append(value)
                skipWhitespace()
                if consume(UInt8(ascii: ",")) { continue }
                guard consume(UInt8(ascii: "]")) else { return false }
                depth -= 1
                field = .value(values)
                return true
            }
        case UInt8(ascii: "n"):
            guard skipLiteral("null") else { return false }
            field = .null
            return true
        default:
            guard skipValue() else { return false }
            field = .wrongType
            return true
        }
    }

    mutating func parsePayloads(into result: inout Result) -> Bool {
        var payloads: [RoutedFrameScanner.Payload] = []
        let ok = parseObject { scanner, key in
            guard scanner.peek() == UInt8(ascii: "\"") else {
                result.payloadsMalformed = true
                return scanner.skipValue()
            }
            let start = scanner.position
            guard scanner.parseString(decode: false) != nil else { return false }
            payloads.append(.init(key: key, token: start..<scanner.position))
            result.payloadBytes += scanner.position - start - 2
            return true
        }
        result.payloads = payloads
        return ok
    }

    /// Parses an object at `position` (which holds `{`), calling `member` with the scanner
    /// positioned at each value. Only the first of duplicate keys reaches `member` (as in
    /// JSONDecoder); later ones are validated and skipped.
    mutating func parseObject(_ member: (inout Scanner, String) -> Bool) -> Bool {
        position += 1  // {
        depth += 1
        guard depth <= RoutedFrameScanner.maxDepth else { return false }
        var seen = SeenKeys()
        skipWhitespace()
        if consume(UInt8(ascii: "}")) { depth -= 1; return true }
        while true {
            skipWhitespace()
            guard peek() == UInt8(ascii: "\""), let key = parseString(decode: true) else { return false }
            skipWhitespace()
            guard consume(UInt8(ascii: ":")) else { return false }
            skipWhitespace()
            if seen.insert(key) {
                guard member(&self, key) else { return false }
            } else {
                guard skipValue() else { return false }
            }
            skipWhitespace()
            if consume(UInt8(ascii: ",")) { continue }
            guard consume(UInt8(ascii: "}")) else { return false }
            depth -= 1
            return true
        }
    }

    // MARK: Typed fields

    mutating func parseStringField(_ field: inout RoutedFrameScanner.Field<String>) -> Bool {
        switch peek() {
        case UInt8(ascii: "\""):
            guard let s = parseString(decode: true) else { return false }
            field = .value(s)
        case UInt8(ascii: "n"):
            guard skipValue() else { return false }
            field = .null
        default:
            guard skipValue() else { return false }
            field = .wrongType
        }
        return true
    }

    mutating func parseBoolField(_ field: inout RoutedFrameScanner.Field<Bool>) -> Bool {
        switch peek() {
        case UInt8(ascii: "t"):
            guard skipLiteral("true") else { return false }
            field = .value(true)
        case UInt8(ascii: "f"):
            guard skipLiteral("false") else { return false }
            field = .value(false)
        case UInt8(ascii: "n"):
            guard skipLiteral("null") else { return false }
            field = .null
        default:
            guard skipValue() else { return false }
            field = .wrongType
        }
        return true
    }

    mutating func parseIntField(_ field: inout RoutedFrameScanner.Field<Int>) -> Bool {
        let c = peek()
        if c == UInt8(ascii: "-") || (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9")) {
            let start = position
            guard let isInteger = skipNumber() else { return false }
            let token = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
            if isInteger, let v = Int(token) {
                field = .value(v)
            } else if let v = try? JSONDecoder().decode(Int.self, from: Data(token.utf8)) {
                // JSONDecoder reads integral numbers written otherwise (1.0, 1e2,
                // 1733022222222222200.00) as integers, digit by digit, not through a Double
                // (which rounds past 2^53: FrameFuzz found the difference); this rare case is
                // left to it, so the two agree by construction.
                field = .value(v)
            } else {
                field = .wrongType
            }
            return true
        }
        if c == UInt8(ascii: "n") {
            guard skipLiteral("null") else { return false }
            field = .null
            return true
        }
        guard skipValue() else { return false }
        field = .wrongType
        return true
    }

    // MARK: JSON grammar

    func peek() -> UInt8 { position < bytes.count ? bytes[position] : 0 }

    mutating func consume(_ byte: UInt8) -> Bool {
        guard position < bytes.count, bytes[position] == byte else { return false }
        position += 1
        return true
    }

    mutating func skipWhitespace() {
        while position < bytes.count {
            switch bytes[position] {
            case 0x20, 0x09, 0x0A, 0x0D: position += 1
            default: return
            }
        }
    }

    mutating func skipLiteral(_ literal: StaticString) -> Bool {
        let n = literal.utf8CodeUnitCount
        guard position + n <= bytes.count else { return false }
        let p = literal.utf8Start
        for i in 0..<n where bytes[position + i] != p[i] { return false }
        position += n
        return true
    }

    /// Skips one value of any type, validating it.
    mutating func skipValue() -> Bool {
        switch peek() {
        case UInt8(ascii: "\""): return parseString(decode: false) != nil
        case UInt8(ascii: "{"): return skipContainer(close: UInt8(ascii: "}"), keyed: true)
        case UInt8(ascii: "["): return skipContainer(close: UInt8(ascii: "]"), keyed: false)
        case UInt8(ascii: "t"): return skipLiteral("true")
        case UInt8(ascii: "f"): return skipLiteral("false")
        case UInt8(ascii: "n"): return skipLiteral("null")
        default: return skipNumber() != nil
        }
    }

    mutating func skipContainer(close: UInt8, keyed: Bool) -> Bool {
        position += 1
        depth += 1
        guard depth <= RoutedFrameScanner.maxDepth else { return false }
        skipWhitespace()
        if consume(close) { depth -= 1; return true }
        while true {
            skipWhitespace()
            if keyed {
                guard peek() == UInt8(ascii: "\""), parseString(decode: false) != nil else { return false }
                skipWhitespace()
                guard consume(UInt8(ascii: ":")) else { return false }
                skipWhitespace()
            }
            guard skipValue() else { return false }
            skipWhitespace()
            if consume(UInt8(ascii: ",")) { continue }
            guard consume(close) else { return false }
            depth -= 1
            return true
        }
    }

    /// Skips a number; returns whether it was written as an integer, nil if malformed.
    mutating func skipNumber() -> Bool? {
        var integer = true
        _ = consume(UInt8(ascii: "-"))
        if consume(UInt8(ascii: "0")) {
            // no leading zeros
        } else {
            guard skipDigits() else { return nil }
        }
        if consume(UInt8(ascii: ".")) {
            integer = false
            guard skipDigits() else { return nil }
        }
        if peek() == UInt8(ascii: "e") || peek() == UInt8(ascii: "E") {
            integer = false
            position += 1
            if peek() == UInt8(ascii: "+") || peek() == UInt8(ascii: "-") { position += 1 }
            guard skipDigits() else { return nil }
        }
        return integer
    }

    mutating func skipDigits() -> Bool {
        let start = position
        while position < bytes.count, bytes[position] >= UInt8(ascii: "0"), bytes[position] <= UInt8(ascii: "9") {
            position += 1
        }
        return position > start
    }

    /// Parses a string token at `position` (which holds the opening quote). Returns the
    /// decoded string when `decode` is set, an empty string otherwise; nil if malformed.
    mutating func parseString(decode: Bool) -> String? {
        position += 1  // "
        let start = position
        var hasEscapes = false
        var scalars = String.UnicodeScalarView()
        func flush(_ from: Int, _ to: Int, into scalars: inout String.UnicodeScalarView) {
            scalars.append(contentsOf: String(decoding: UnsafeBufferPointer(rebasing: bytes[from..<to]), as: UTF8.self).unicodeScalars)
        }
        var runStart = start
        while position < bytes.count {
            let b = bytes[position]
            if b == UInt8(ascii: "\"") {
                let end = position
                position += 1
                guard decode else { return "" }
                if !hasEscapes {
                    return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self)
                }
                flush(runStart, end, into: &scalars)
                return String(scalars)
            } else if b == UInt8(ascii: "\\") {
                if decode { flush(runStart, position, into: &scalars) }
                hasEscapes = true
                position += 1
                guard let scalar = parseEscape() else { return nil }
                if decode { scalars.append(scalar) }
                runStart = position
            } else if b < 0x20 {
                return nil
            } else if b < 0x80 {
                position += 1
            } else {
                guard skipUTF8Sequence() else { return nil }
            }
        }
        return nil
    }

    /// Parses the escape after a backslash.
    mutating func parseEscape() -> Unicode.Scalar? {
        guard position < bytes.count else { return nil }
        let b = bytes[position]
        position += 1
        switch b {
        case UInt8(ascii: "\""): return "\""
        case UInt8(ascii: "\\"): return "\\"
        case UInt8(ascii: "/"): return "/"
        case UInt8(ascii: "b"): return "\u{08}"
        case UInt8(ascii: "f"): return "\u{0C}"
        case UInt8(ascii: "n"): return "\n"
        case UInt8(ascii: "r"): return "\r"
        case UInt8(ascii: "t"): return "\t"
        case UInt8(ascii: "u"):
            guard let unit = parseHex4() else { return nil }
            if unit >= 0xD800 && unit < 0xDC00 {
                // A high surrogate must be followed by an escaped low one.
                guard consume(UInt8(ascii: "\\")), consume(UInt8(ascii: "u")), let low = parseHex4(),
                      low >= 0xDC00 && low < 0xE000 else { return nil }
                return Unicode.Scalar(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00))
            }
            return Unicode.Scalar(unit)  // nil for a lone low surrogate
        default: return nil
        }
    }

    mutating func parseHex4() -> UInt32? {
        guard position + 4 <= bytes.count else { return nil }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let c = bytes[position]
            let d: UInt32
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): d = UInt32(c - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): d = UInt32(c - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): d = UInt32(c - UInt8(ascii: "A") + 10)
            default: return nil
            }
            v = v << 4 | d
            position += 1
        }
        return v
    }

    /// Validates one multi-byte UTF-8 sequence (no overlongs, no surrogates, ≤ U+10FFFF).
    mutating func skipUTF8Sequence() -> Bool {
        let b0 = bytes[position]
        let count: Int
        var lower: UInt8 = 0x80, upper: UInt8 = 0xBF
        switch b0 {
        case 0xC2...0xDF: count = 2
        case 0xE0: count = 3; lower = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: count = 3
        case 0xED: count = 3; upper = 0x9F
        case 0xF0: count = 4; lower = 0x90
        case 0xF1...0xF3: count = 4
        case 0xF4: count = 4; upper = 0x8F
        default: return false
        }
        guard position + count <= bytes.count else { return false }
        let b1 = bytes[position + 1]
        guard b1 >= lower && b1 <= upper else { return false }
        for i in 2..<max(2, count) where bytes[position + i] & 0xC0 != 0x80 { return false }
        position += count
        return true
    }
}
