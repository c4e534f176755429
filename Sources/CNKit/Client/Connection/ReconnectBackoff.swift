/// Exponential backoff with jitter for reconnecting (PROTOCOL §1): the first delay is
/// `initial`, each failure doubles it up to `maximum`, and each actual wait is drawn from
/// the upper half of the current delay so that a crowd of clients does not reconnect in
/// step after a relay restart.
public struct ReconnectBackoff: Sendable {
    public let initial: Duration
    public let maximum: Duration
    private var current: Duration

    public init(initial: Duration = .milliseconds(500), maximum: Duration = .seconds(30)) {
        self.initial = initial
        self.maximum = maximum
        current = initial
    }

    /// The wait before the next attempt; the delay after it doubles (up to the maximum).
    public mutating func next<R: RandomNumberGenerator>(using random: inout R) -> Duration {
        let wait = current * Double.random(in: 0.5...1.0, using: &random)
        current = min(current * 2, maximum)
        return wait
    }

    public mutating func next() -> Duration {
        var random = SystemRandomNumberGenerator()
        return next(using: &random)
    }

    /// Back to the first delay (after a connection succeeded).
    public mutating func reset() { current = initial }
}
