import Dispatch
import Synchronization

/// Runs blocking work (a child process, file locking) on a thread of its own and
/// awaits the result, keeping it off Swift's cooperative pool.
public func runBlocking<T: Sendable>(_ label: String, _ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue(label: "benefit.blocking.\(label)").async {
            continuation.resume(with: Result { try work() })
        }
    }
}

/// Runs blocking work like ``runBlocking(_:_:)``, except that a cancelled caller
/// stops waiting at once (`CancellationError`): the work, which nothing can
/// interrupt, runs on, and what it returns then goes to `discard`, to close what it
/// opened. For waits with no bound of their own the caller trusts, such as
/// connecting to a server that accepts connections and then answers nothing.
public func runBlocking<T: Sendable>(
    _ label: String, discardingOnCancel discard: @escaping @Sendable (T) -> Void, _ work: @escaping @Sendable () throws -> T
) async throws -> T {
    let handoff = BlockingHandoff<T>()
    return try await withTaskCancellationHandler {
        try await withCheckedThrowingContinuation { continuation in
            // Cancelled before it began: the work is not started at all.
            guard handoff.wait(continuation) else { return }
            DispatchQueue(label: "benefit.blocking.\(label)").async {
                let result = Result { try work() }
                if !handoff.deliver(result), case .success(let value) = result { discard(value) }
            }
        }
    } onCancel: {
        handoff.abandon()
    }
}

/// Where blocking work's result meets the task that waits for it, or finds that
/// it stopped waiting.
private final class BlockingHandoff<T: Sendable>: Sendable {
    private enum State {
        case starting
        case waiting(CheckedContinuation<T, any Error>)
        case abandoned
        case delivered
    }
    private let state = Mutex(State.starting)

    /// Registers the waiter; if the wait was already abandoned, resumes it with
    /// `CancellationError` and returns false.
    func wait(_ continuation: CheckedContinuation<T, any Error>) -> Bool {
        let abandoned = state.withLock { state -> Bool in
            if case .abandoned = state { return true }
            state = .waiting(continuation)
            return false
        }
        if abandoned { continuation.resume(throwing: CancellationError()) }
        return !abandoned
    }

    /// Hands the result to the waiter; false if nobody waits for it any more.
    func deliver(_ result: Result<T, any Error>) -> Bool {
        let waiter = state.withLock { state -> CheckedContinuation<T, any Error>? in
            guard case .waiting(let continuation) = state else { return nil }
            state = .delivered
            return continuation
        }
        waiter?.resume(with: result)
        return waiter != nil
    }

    /// The waiter stops waiting (its task was cancelled).
    func abandon() {
        let waiter = state.withLock { state -> CheckedContinuation<T, any Error>? in
            switch state {
            case .starting:
                state = .abandoned
                return nil
            case .waiting(let continuation):
                state = .abandoned
                return continuation
            case .abandoned, .delivered:
                return nil
            }
        }
        waiter?.resume(throwing: CancellationError())
    }
}
