/// Writes one JSON object directly, byte for byte as JSONEncoder with `.sortedKeys` and
/// `.withoutEscapingSlashes` writes it — for the few shapes written once per message (the
/// MSG frame, the TEXT packet, the `message` event line, `cn-send`'s result line), where
/// JSONEncoder's generic machinery was a tenth of a client's CPU.
///
/// The caller gives the keys in sorted order (as `.sortedKeys` orders them); fields whose
/// value is nil are left out, as synthesized `Encodable` conformances do. Tests hold each
/// hand-written shape to JSONEncoder's output.
public struct JSONObjectWriter: Sendable {
    /// The bytes so far (complete once ``finish()`` has run).
    public private(set) var bytes: [UInt8]
    private var empty = true

    /// Starts an object; `capacity` is a hint for the bytes it will take.
    public init(capacity: Int = 128) {
        bytes = []
        bytes.reserveCapacity(capacity)
        bytes.append(UInt8(ascii: "{"))
    }

    private mutating func key(_ key: StaticString) {
        if !empty { bytes.append(UInt8(ascii: ",")) }
        empty = false
        bytes.append(UInt8(ascii: "\""))
        key.withUTF8Buffer { bytes.append(contentsOf: $0) }
        bytes.append(UInt8(ascii: "\""))
        bytes.append(UInt8(ascii: ":"))
    }

    /// A string field; left out when nil.
    public mutating func field(_ name: StaticString, _ value: String?) {
        guard let value else { return }
        key(name)
        Self.appendString(value, to: &bytes)
    }

    /// An integer field; left out when nil.
    public mutating func field(_ name: StaticString, _ value: Int64?) {
        guard let value else { return }
        key(name)
        bytes.append(contentsOf: String(value).utf8)
    }

    /// A Boolean field; left out when nil.
    public mutating func field(_ name: StaticString, _ value: Bool?) {
        guard let value else { return }
        key(name)
        bytes.append(contentsOf: (value ? "true" : "false").utf8)
    }

    /// An array of strings; left out when nil.
    public mutating func field(_ name: StaticString, _ values: [String]?) {
        guard let values else { return }
        key(name)
        bytes.append(UInt8(ascii: "["))
        for (index, value) in values.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            Self.appendString(value, to: &bytes)
        }
        bytes.append(UInt8(ascii: "]"))
    }

    /// A nested object, finished.
    public mutating func field(_ name: StaticString, object: JSONObjectWriter) {
        key(name)
        bytes.append(contentsOf: object.finished)
    }

    /// Closes the object.
    public mutating func finish() {
        bytes.append(UInt8(ascii: "}"))
    }

    /// The object, closed.
    public var finished: [UInt8] {
        var copy = self
        copy.finish()
        return copy.bytes
    }

    /// A JSON string literal as JSONEncoder writes it: `"` and `\` escaped; `\b`, `\t`, `\n`,
    /// `\f`, `\r`; other control characters as `\u00xx`; everything else, slashes included,
    /// as UTF-8.
    public static func appendString(_ string: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var string = string
        string.withUTF8 { utf8 in
            var start = 0
            for (index, byte) in utf8.enumerated() where byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") {
                out.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start..<index]))
                start = index + 1
                switch byte {
                case UInt8(ascii: "\""): out += #"\""#.utf8
                case UInt8(ascii: "\\"): out += #"\\"#.utf8
                case 0x08: out += #"\b"#.utf8
                case 0x09: out += #"\t"#.utf8
                case 0x0A: out += #"\n"#.utf8
                case 0x0C: out += #"\f"#.utf8
                case 0x0D: out += #"\r"#.utf8
                default:
                    out += #"\u00"#.utf8
                    out.append(hexDigits[Int(byte >> 4)])
                    out.append(hexDigits[Int(byte & 0x0F)])
                }
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start...]))
        }
        out.append(UInt8(ascii: "\""))
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)
}
