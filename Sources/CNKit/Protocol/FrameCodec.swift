#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Why a frame could not be decoded. The relay answers every case with an ERROR frame
/// and keeps the connection (PROTOCOL §1).
public struct FrameError: Error, Sendable, Equatable {
    /// What was wrong.
    public enum Kind: Sendable, Equatable {
        /// Not one JSON object.
        case invalidJSON
        /// Valid JSON, but a field is missing or of the wrong type.
        case badShape
        /// A `t` this side does not know (or one that travels only the other way).
        case unknownType(String)
    }

    public var kind: Kind
    /// The frame's `id`, when one could be read, so that the ERROR can echo it.
    public var id: String?

    public init(_ kind: Kind, id: String? = nil) {
        self.kind = kind
        self.id = id
    }

    static func unknownType(_ t: String) -> FrameError { FrameError(.unknownType(t)) }

    /// The ERROR code the relay answers with.
    public var code: ErrorCode {
        switch kind {
        case .invalidJSON, .badShape: .badFrame
        case .unknownType: .unknownType
        }
    }
}

/// Encodes and decodes frames as the JSON text of one WebSocket message.
///
/// Everything except the relay's MSG/RTC hot path goes through here (Codable); the hot
/// path uses ``RoutedFrameScanner``, which must agree with this decoder on every input.
public enum FrameCodec {
    /// Decodes a frame sent by a client.
    public static func decodeClientFrame(_ bytes: some Collection<UInt8>) throws(FrameError) -> ClientFrame {
        try decode(ClientFrame.self, from: Data(bytes))
    }

    /// Decodes a frame sent by the relay.
    ///
    /// A relayed MSG and a DELIVERED — what a client receives thousands of a second — are
    /// read from the scanner's single pass (about a third of a receiving client's CPU went
    /// into decoding MSG with JSONDecoder); every other frame, and one of those two of any
    /// other shape, with Codable.
    public static func decodeRelayFrame(_ bytes: some Collection<UInt8>) throws(FrameError) -> RelayFrame {
        let bytes = Array(bytes)
        guard let scan = RoutedFrameScanner.scan(bytes) else { throw FrameError(.invalidJSON) }
        if let message = RoutedFrameScanner.relayedMessage(scan, bytes) { return .message(message) }
        if let delivery = RoutedFrameScanner.deliveryFrame(scan) { return delivery }
        return try decode(RelayFrame.self, from: Data(bytes), validated: true)
    }

    /// Encodes a frame as compact JSON (slashes unescaped, as the original app writes them).
    public static func encode(_ frame: ClientFrame) -> [UInt8] {
        // MSG is what a client sends thousands of a second: written directly, the same
        // bytes JSONEncoder writes (but for the order of the keys, which JSON leaves free).
        if case .message(let message) = frame { return encodeMessage(message) }
        return encodeValue(frame)
    }

    /// `{"t":"MSG","sid":…,"id":…,"c":true,"p":…,"data":{"payloads":{…}}}`.
    static func encodeMessage(_ m: OutgoingMessage) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(96 + m.payloads.reduce(0) { $0 + $1.key.utf8.count + $1.value.utf8.count + 6 })
        out += #"{"t":"MSG","sid":"#.utf8
        JSONObjectWriter.appendString(m.header.sid, to: &out)
        if let id = m.header.id {
            out += #","id":"#.utf8
            JSONObjectWriter.appendString(id, to: &out)
        }
        if m.confirm { out += #","c":true"#.utf8 }
        if let priority = m.header.priority {
            out += #","p":"#.utf8
            out += String(priority).utf8
        }
        out += #","data":{"payloads":{"#.utf8
        var first = true
        for (key, payload) in m.payloads {
            if !first { out.append(UInt8(ascii: ",")) }
            first = false
            JSONObjectWriter.appendString(key, to: &out)
            out.append(UInt8(ascii: ":"))
            JSONObjectWriter.appendString(payload, to: &out)
        }
        out += "}}}".utf8
        return out
    }

    /// Encodes a frame as compact JSON (slashes unescaped, as the original app writes them).
    public static func encode(_ frame: RelayFrame) -> [UInt8] { encodeValue(frame) }

    /// Encodes a client frame with `id` in its envelope (any frame may carry one; the relay
    /// echoes it on an ERROR about that frame, PROTOCOL §1). A frame that carries its own
    /// id (a MSG or RTC frame with one) keeps it.
    public static func encode(_ frame: ClientFrame, id: String) -> [UInt8] {
        switch frame {
        case .message(let m) where m.header.id != nil: return encode(frame)
        case .rtc(let s) where s.id != nil: return encode(frame)
        default: break
        }
        let bytes = encode(frame)
        // The envelope is an object: `{"id":…,` then the rest of it.
        return Array(#"{"id":"#.utf8) + encodeValue(id) + [UInt8(ascii: ",")] + bytes.dropFirst()
    }

    private static func encodeValue(_ value: some Encodable) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        do {
            return Array(try encoder.encode(value))
        } catch {
            // Only non-finite floats fail to encode, and no frame holds a float.
            preconditionFailure("frame encoding failed: \(error)")
        }
    }

    private static func decode<T: Decodable>(_ type: T.Type, from data: Data, validated: Bool = false) throws(FrameError) -> T {
        // Strict JSON first, for both directions: the relay's rule (RFC 8259, nesting ≤ 512),
        // and a guard for JSONDecoder, which traps on some malformed input (513 unclosed
        // brackets at the end of a frame crash FoundationEssentials' error reporting; found
        // by the FrameFuzz target). `validated`: the caller has scanned it already.
        guard validated || RoutedFrameScanner.isStrictJSON([UInt8](data)) else { throw FrameError(.invalidJSON) }
        let decoder = JSONDecoder()
        do {
            return try decoder.decode(T.self, from: data)
        } catch let error as FrameError {
            throw FrameError(error.kind, id: frameID(in: data, decoder: decoder))
        } catch DecodingError.dataCorrupted(let context) where context.codingPath.isEmpty {
            throw FrameError(.invalidJSON)
        } catch {
            throw FrameError(.badShape, id: frameID(in: data, decoder: decoder))
        }
    }

    private struct IDProbe: Decodable { var id: String? }

    /// The `id` of a frame that failed to decode, if it has a readable one.
    private static func frameID(in data: Data, decoder: JSONDecoder) -> String? {
        guard let id = (try? decoder.decode(IDProbe.self, from: data))?.id,
              id.utf8.count <= ProtocolLimits.maxFrameIDLength else { return nil }
        return id
    }
}
