import Synchronization

/// An event that happens once, carrying a value: ``fire(_:)`` releases every
/// waiter, now and later, with the value of the first fire. How a worker stops
/// (`Latch<Void>`, ``Latch``) and how it stops one handler (with the reason).
public final class OnceSignal<Value: Sendable>: Sendable {
    private struct State {
        var value: Value?
        var waiters: [CheckedContinuation<Value?, Never>] = []
    }
    private let state = Mutex(State())

    public init() {}

    /// Fires with `value`; a later call does nothing.
    public func fire(_ value: Value) {
        let waiters = state.withLock { state -> [CheckedContinuation<Value?, Never>] in
            guard state.value == nil else { return [] }
            state.value = value
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume(returning: value) }
    }

    /// The value it fired with, or nil before.
    public var value: Value? { state.withLock { $0.value } }

    /// The value once it fires, or nil if the task is cancelled first.
    public func wait() async -> Value? {
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let immediate = state.withLock { state -> Value?? in
                    if let value = state.value { return .some(value) }
                    if Task.isCancelled { return .some(nil) }
                    state.waiters.append(continuation)
                    return .none
                }
                if let immediate { continuation.resume(returning: immediate) }
            }
        } onCancel: {
            let waiters = state.withLock { state -> [CheckedContinuation<Value?, Never>] in
                defer { state.waiters = [] }
                return state.waiters
            }
            for waiter in waiters { waiter.resume(returning: nil) }
        }
    }
}

/// An event that happens once and carries nothing.
public typealias Latch = OnceSignal<Void>

extension OnceSignal where Value == Void {
    /// Fires the latch; a second call does nothing.
    public func fire() { fire(()) }

    public var isFired: Bool { value != nil }
}
