import Synchronization

/// Wakes the tasks waiting for something to change (an outbox item settled). A waiter
/// reads ``generation`` before it looks at the state, and waits for a change after it, so
/// a change between its look and its wait is never missed; the wait has a time limit.
final class ChangeSignal: Sendable {
    private struct State {
        var generation = 0
        var next = 0
        var waiting: [Int: (after: Int, continuation: CheckedContinuation<Void, Never>)] = [:]
        var expired: Set<Int> = []
    }
    private let state = Mutex(State())

    /// The number of changes so far.
    var generation: Int { state.withLock { $0.generation } }

    /// Records a change and wakes every waiter.
    func notify() {
        let waiting = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.generation += 1
            defer { state.waiting.removeAll() }
            return state.waiting.values.map(\.continuation)
        }
        for continuation in waiting { continuation.resume() }
    }

    /// Returns once the generation is past `after`, or after `limit`.
    func wait(after: Int, limit: Duration) async {
        let id = state.withLock { state -> Int in
            defer { state.next += 1 }
            return state.next
        }
        let timer = Task {
            do { try await Task.sleep(for: limit) } catch { return }
            self.expire(id)
        }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let now = state.withLock { state -> Bool in
                if state.expired.remove(id) != nil || state.generation > after { return true }
                state.waiting[id] = (after, continuation)
                return false
            }
            if now { continuation.resume() }
        }
        timer.cancel()
        _ = state.withLock { $0.expired.remove(id) }
    }

    private func expire(_ id: Int) {
        let continuation = state.withLock { state -> CheckedContinuation<Void, Never>? in
            if let waiter = state.waiting.removeValue(forKey: id) { return waiter.continuation }
            state.expired.insert(id)
            return nil
        }
        continuation?.resume()
    }
}
