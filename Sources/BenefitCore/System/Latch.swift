import Synchronization

/// An event that happens once: ``fire()`` releases every waiter, now and later.
public final class Latch: Sendable {
    private struct State {
        var fired = false
        var waiters: [CheckedContinuation<Bool, Never>] = []
    }
    private let state = Mutex(State())

    public init() {}

    /// Fires the latch; a second call does nothing.
    public func fire() {
        let waiters = state.withLock { state -> [CheckedContinuation<Bool, Never>] in
            guard !state.fired else { return [] }
            state.fired = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume(returning: true) }
    }

    public var isFired: Bool { state.withLock { $0.fired } }

    /// Returns true once the latch fires, or false if the task is cancelled first.
    public func wait() async -> Bool {
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let immediate = state.withLock { state -> Bool? in
                    if state.fired { return true }
                    if Task.isCancelled { return false }
                    state.waiters.append(continuation)
                    return nil
                }
                if let immediate { continuation.resume(returning: immediate) }
            }
        } onCancel: {
            let waiters = state.withLock { state -> [CheckedContinuation<Bool, Never>] in
                defer { state.waiters = [] }
                return state.waiters
            }
            for waiter in waiters { waiter.resume(returning: false) }
        }
    }
}
