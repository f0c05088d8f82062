import Synchronization

/// Wakes one waiting loop; a signal sent while nobody waits is kept for the next wait.
final class Wakeup: Sendable {
    private struct State {
        var pending = false
        var waiter: CheckedContinuation<Void, Never>?
    }
    private let state = Mutex(State())

    func signal() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            if let waiter = state.waiter {
                state.waiter = nil
                return waiter
            }
            state.pending = true
            return nil
        }
        waiter?.resume()
    }

    /// Returns at the next signal, after `timeout`, or when the task is cancelled.
    func wait(timeout: Duration) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { try? await Task.sleep(for: timeout) }
            group.addTask { await self.waitForSignal() }
            await group.next()
            group.cancelAll()
            self.signalIfWaiting()
        }
    }

    private func waitForSignal() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let resumeNow = state.withLock { state -> Bool in
                    if state.pending || Task.isCancelled {
                        state.pending = false
                        return true
                    }
                    state.waiter = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            signalIfWaiting()
        }
    }

    /// Releases a waiter without leaving a pending signal behind.
    private func signalIfWaiting() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }
}

/// Why a running job's handler was stopped from outside.
enum AbortReason: Sendable {
    /// The heartbeat found the lease gone, or could not renew it in time.
    case leaseLost
    /// The worker is shutting down and the grace period is over.
    case shutdown
}

/// Fires at most once, with a reason; waiters return it (or nil if cancelled first).
final class AbortSignal: Sendable {
    private struct State {
        var reason: AbortReason?
        var waiters: [CheckedContinuation<AbortReason?, Never>] = []
    }
    private let state = Mutex(State())

    func fire(_ reason: AbortReason) {
        let waiters = state.withLock { state -> [CheckedContinuation<AbortReason?, Never>] in
            guard state.reason == nil else { return [] }
            state.reason = reason
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume(returning: reason) }
    }

    var reason: AbortReason? { state.withLock { $0.reason } }

    func wait() async -> AbortReason? {
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let immediate = state.withLock { state -> AbortReason?? in
                    if let reason = state.reason { return .some(reason) }
                    if Task.isCancelled { return .some(nil) }
                    state.waiters.append(continuation)
                    return .none
                }
                if let immediate { continuation.resume(returning: immediate) }
            }
        } onCancel: {
            let waiters = state.withLock { state -> [CheckedContinuation<AbortReason?, Never>] in
                defer { state.waiters = [] }
                return state.waiters
            }
            for waiter in waiters { waiter.resume(returning: nil) }
        }
    }
}
