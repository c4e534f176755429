import Synchronization

/// A queue that one task fills and another drains a burst at a time: ``take()`` returns
/// everything queued so far, so that the consumer can see where a burst ends (and write its
/// output then, in one go, rather than line by line or only at the next item).
final class BurstQueue<Element: Sendable>: Sendable {
    private struct State {
        var items: [Element] = []
        var finished = false
        var waiter: CheckedContinuation<Void, Never>?
    }
    private let state = Mutex(State())

    /// Queues `items` (nothing after ``finish()``).
    func append(_ items: [Element]) {
        guard !items.isEmpty else { return }
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard !state.finished else { return nil }
            state.items += items
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }

    /// Ends the queue: ``take()`` returns what is left, then nil.
    func finish() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            state.finished = true
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }

    /// Everything queued, waiting while nothing is; nil once the queue is finished and
    /// empty. One consumer at a time.
    func take() async -> [Element]? {
        while true {
            let (taken, finished) = state.withLock { state -> ([Element], Bool) in
                defer { state.items = [] }
                return (state.items, state.finished)
            }
            if !taken.isEmpty { return taken }
            if finished { return nil }
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let now = state.withLock { state -> Bool in
                    if !state.items.isEmpty || state.finished { return true }
                    state.waiter = continuation
                    return false
                }
                if now { continuation.resume() }
            }
        }
    }
}
