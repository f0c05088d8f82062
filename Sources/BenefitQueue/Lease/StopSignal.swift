import Synchronization

/// Fires at most once, with a reason: how a worker stops one handler. Waiters
/// get the reason, or nil if their task is cancelled first.
final class StopSignal: Sendable {
    private struct State {
        var reason: Lease.StopReason?
        var waiters: [CheckedContinuation<Lease.StopReason?, Never>] = []
    }
    private let state = Mutex(State())

    func fire(_ reason: Lease.StopReason) {
        let waiters = state.withLock { state -> [CheckedContinuation<Lease.StopReason?, Never>] in
            guard state.reason == nil else { return [] }
            state.reason = reason
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume(returning: reason) }
    }

    func wait() async -> Lease.StopReason? {
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let immediate = state.withLock { state -> Lease.StopReason?? in
                    if let reason = state.reason { return .some(reason) }
                    if Task.isCancelled { return .some(nil) }
                    state.waiters.append(continuation)
                    return .none
                }
                if let immediate { continuation.resume(returning: immediate) }
            }
        } onCancel: {
            let waiters = state.withLock { state -> [CheckedContinuation<Lease.StopReason?, Never>] in
                defer { state.waiters = [] }
                return state.waiters
            }
            for waiter in waiters { waiter.resume(returning: nil) }
        }
    }
}
