#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// RFC 3339 timestamps in UTC (`2026-11-26T22:50:56Z`, or `2026-11-26T22:50:56.123Z` with
/// milliseconds), written by hand: Foundation's ISO8601DateFormatter loads ICU and
/// time-zone data, which cost a short-lived command several milliseconds of its start-up.
/// The one formatter of the project: the account registry, PENDING_REQUESTS' `timestamp`
/// and the relay's log lines.
public enum RFC3339 {
    /// `date` to the second (rounded down), or to the millisecond with `milliseconds`.
    public static func string(from date: Date, milliseconds: Bool = false) -> String {
        let interval = date.timeIntervalSince1970
        let whole = interval.rounded(.down)
        var text = string(seconds: Int64(whole), closing: "")
        if milliseconds {
            let fraction = min(999, Int((interval - whole) * 1000))
            text += "." + String(repeating: "0", count: fraction < 10 ? 2 : fraction < 100 ? 1 : 0) + String(fraction)
        }
        return text + "Z"
    }

    /// Unix `seconds` (as the relay stores them) to the second.
    public static func string(seconds: Int64) -> String { string(seconds: seconds, closing: "Z") }

    private static func string(seconds: Int64, closing: String) -> String {
        var time = time_t(seconds)
        var parts = tm()
        gmtime_r(&time, &parts)
        func two(_ v: Int32) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday))T\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec))"
            + closing
    }
}
