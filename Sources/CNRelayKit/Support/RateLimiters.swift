import NIOCore

/// A token bucket: `rate` tokens per second, holding at most `burst`. Used per socket for
/// MSG/RTC (PROTOCOL §5.6), where a client that is refused slows down and resends.
struct TokenBucket {
    let rate: Double
    let burst: Double
    private var tokens: Double
    private var last: NIODeadline

    init(rate: Int, burst: Int, now: NIODeadline) {
        self.rate = Double(rate)
        self.burst = Double(burst)
        tokens = Double(burst)
        last = now
    }

    /// Takes one token if there is one.
    mutating func take(now: NIODeadline) -> Bool {
        if rate <= 0 { return true }
        let elapsed = Double((now - last).nanoseconds) / 1e9
        last = now
        tokens = min(burst, tokens + elapsed * rate)
        guard tokens >= 1 else { return false }
        tokens -= 1
        return true
    }
}

/// Counts events in a sliding window (a ring of timestamps): at most `limit` per `window`.
/// Used for the per-account and per-IP limits, where exactness matters more than speed.
struct WindowLimiter {
    let limit: Int
    let window: TimeAmount
    private var stamps: [NIODeadline] = []

    init(limit: Int, window: TimeAmount) {
        self.limit = limit
        self.window = window
    }

    /// Records an event if it is within the limit; returns whether it was allowed.
    mutating func allow(now: NIODeadline) -> Bool {
        stamps.removeAll(where: { now - $0 >= window })
        guard stamps.count < limit else { return false }
        stamps.append(now)
        return true
    }

    /// Whether the window is empty (the limiter can be forgotten).
    func isIdle(now: NIODeadline) -> Bool { stamps.allSatisfy { now - $0 >= window } }
}

/// Per-key windows (per account, per IP), pruned as they fall idle.
struct KeyedWindowLimiter {
    let limit: Int
    let window: TimeAmount
    private var limiters: [String: WindowLimiter] = [:]

    init(limit: Int, window: TimeAmount) {
        self.limit = limit
        self.window = window
    }

    mutating func allow(_ key: String, now: NIODeadline) -> Bool {
        limiters[key, default: WindowLimiter(limit: limit, window: window)].allow(now: now)
    }

    mutating func prune(now: NIODeadline) {
        limiters = limiters.filter { !$0.value.isIdle(now: now) }
    }
}
