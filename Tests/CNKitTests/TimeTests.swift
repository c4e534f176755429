import Foundation
import Testing
import CNCrypto

/// The project's one RFC 3339 formatter against Foundation's ISO 8601 style.
struct TimeTests {
    static let instants: [Double] = [0, 86_399, 951_782_400 /* 2000-02-29 */, 1_733_000_000, 1_764_633_600.5, 4_102_444_799.999, 32_503_680_000]

    @Test(arguments: instants)
    func secondsAreWhatFoundationWrites(_ seconds: Double) {
        let date = Date(timeIntervalSince1970: seconds.rounded(.down))
        #expect(RFC3339.string(from: date) == date.formatted(.iso8601))
        #expect(RFC3339.string(seconds: Int64(seconds.rounded(.down))) == date.formatted(.iso8601))
    }

    @Test func millisecondsHaveThreeDigits() {
        for (millis, text) in [(0, "000"), (7, "007"), (42, "042"), (999, "999")] {
            let date = Date(timeIntervalSince1970: 1_733_000_000 + Double(millis) / 1000 + 0.0001)
            #expect(RFC3339.string(from: date, milliseconds: true) == "2024-11-30T20:53:20.\(text)Z")
        }
    }

    @Test func theClockCountsFrom1970() {
        let before = Int64(Date().timeIntervalSince1970 * 1000)
        let now = WallClock.milliseconds()
        #expect(now >= before && now - before < 5_000)
        #expect(abs(WallClock.seconds() - now / 1000) <= 1)
    }
}
