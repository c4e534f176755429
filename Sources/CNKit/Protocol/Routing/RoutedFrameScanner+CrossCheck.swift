#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The agreement rule between ``RoutedFrameScanner`` and ``FrameCodec``, in one place
/// for the test suite and the fuzz target (`Fuzz/FrameFuzz`).
extension RoutedFrameScanner {
    /// Scans and decodes `bytes` both ways; describes any disagreement, nil if they agree.
    ///
    /// Both require strict JSON (the codec validates with the scanner before JSONDecoder),
    /// so they must agree on everything: acceptance and every routed field.
    public static func crossCheck(_ bytes: [UInt8]) -> String? {
        let scan = scan(bytes)
        let decoded = try? FrameCodec.decodeClientFrame(bytes)
        guard let scan else { return decoded == nil ? nil : "codec accepted what the scanner rejected" }
        guard case .value(let t) = scan.type, t == "MSG" || RTCKind(rawValue: t) != nil else {
            switch decoded {
            case .message?, .rtc?: return "codec read a routed frame the scanner did not"
            default: return nil
            }
        }
        // The scanner's acceptance rule, as the relay applies it before its own checks.
        let shapeOK = scan.sid.value != nil && !scan.id.isWrongType && !scan.confirm.isWrongType && !scan.priority.isWrongType
            && scan.payloads != nil && !scan.payloadsMalformed && (t == "MSG" || scan.targetPubKey.value != nil)
        func payloads() -> [String: String]? {
            var out: [String: String] = [:]
            for p in scan.payloads ?? [] {
                guard let v = decodeString(bytes, p.token) else { return nil }
                out[p.key] = v
            }
            return out
        }
        switch decoded {
        case nil:
            return shapeOK ? "scanner accepted a frame the codec rejected" : nil
        case .message(let m)?:
            guard shapeOK else { return "codec accepted a MSG the scanner rejected" }
            if m.header.sid != scan.sid.value || m.header.id != scan.id.value || m.header.priority != scan.priority.value
                || m.confirm != (scan.confirm.value ?? false) || m.payloads != payloads() {
                return "MSG fields differ"
            }
            return nil
        case .rtc(let s)?:
            guard shapeOK else { return "codec accepted an RTC frame the scanner rejected" }
            if s.kind.rawValue != t || s.sid != scan.sid.value || s.id != scan.id.value || s.targetPubKey != scan.targetPubKey.value
                || s.payloads != payloads() {
                return "RTC fields differ"
            }
            return nil
        default:
            return "codec read another frame type"
        }
    }

    /// The agreement rule for the client's side: a relay frame read through the scanner's
    /// fast paths (``relayedMessage(_:_:)``, ``deliveryFrame(_:)``) must be exactly what
    /// the Codable decoder reads,
    /// and the fast path must take only what the decoder accepts. Nil if they agree.
    public static func crossCheckRelayed(_ bytes: [UInt8]) -> String? {
        // No scan (invalid JSON) or no fast read: the Codable path decides alone.
        guard let scan = scan(bytes) else { return nil }
        let fast = relayedMessage(scan, bytes).map(RelayFrame.message) ?? deliveryFrame(scan)
        guard let fast else { return nil }
        let decoded = try? JSONDecoder().decode(RelayFrame.self, from: Data(bytes))
        guard let decoded else { return "fast path read a frame the codec refused" }
        return decoded == fast ? nil : "fast path and codec read different frames"
    }
}
