#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Wall-clock helpers: the store and the wire speak Unix seconds and milliseconds.
enum WallClock {
    static func seconds() -> Int64 { Int64(Date().timeIntervalSince1970) }
    static func milliseconds() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }

    /// RFC 3339 in UTC, as PENDING_REQUESTS' `timestamp`.
    static func rfc3339(seconds: Int64) -> String {
        Date(timeIntervalSince1970: Double(seconds)).formatted(.iso8601)
    }
}
