import Synchronization

/// At most `slots` callers at once in some costly work, and at most `queueLength`
/// more waiting their turn; any caller past that is turned away at once, so a
/// flood cannot pile up unbounded work (the console's password checks: each
/// bcrypt check takes a quarter of a second of a core).
public final class AdmissionLimit: Sendable {
    private struct State {
        var running = 0
        var waiting: [CheckedContinuation<Void, Never>] = []
    }

    public let slots: Int
    public let queueLength: Int
    private let state = Mutex(State())

    public init(slots: Int, queueLength: Int) {
        precondition(slots >= 1 && queueLength >= 0)
        self.slots = slots
        self.queueLength = queueLength
    }

    /// Runs `work` once a slot is free, in the caller's order; nil, without
    /// running it, when the queue is full.
    public func run<T: Sendable>(_ work: () async throws -> T) async rethrows -> T? {
        let turn: Turn = state.withLock { state in
            if state.running < slots {
                state.running += 1
                return .now
            }
            return state.waiting.count < queueLength ? .wait : .refused
        }
        switch turn {
        case .refused: return nil
        case .wait:
            // The slot is handed over by the caller leaving it: `running` stays counted.
            await withCheckedContinuation { continuation in
                let admitted = state.withLock { state -> Bool in
                    if state.running < slots {
                        state.running += 1
                        return true
                    }
                    state.waiting.append(continuation)
                    return false
                }
                if admitted { continuation.resume() }
            }
        case .now: break
        }
        defer { leave() }
        return try await work()
    }

    /// Callers waiting for a slot now.
    var waitingCount: Int { state.withLock { $0.waiting.count } }

    private enum Turn { case now, wait, refused }

    private func leave() {
        let next = state.withLock { state -> CheckedContinuation<Void, Never>? in
            if state.waiting.isEmpty {
                state.running -= 1
                return nil
            }
            return state.waiting.removeFirst()
        }
        next?.resume()
    }
}
