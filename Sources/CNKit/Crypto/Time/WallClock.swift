import Foundation

/// The wall clock, as the wire and the stores count time: Unix seconds and milliseconds.
/// The one clock of the project; services that tests drive take a `now` closure that
/// defaults to it.
public enum WallClock {
    /// Seconds since 1970.
    public static func seconds() -> Int64 { Int64(Date().timeIntervalSince1970) }
    /// Milliseconds since 1970.
    public static func milliseconds() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }
}
