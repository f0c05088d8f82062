/// `body` did not finish by its deadline, or before what it raced ended it.
public struct DeadlinePassed: Error, CustomStringConvertible {
    public init() {}
    public var description: String { "gave up: the deadline passed" }
}

/// Runs `body`, cancelling it when `deadline` passes or `latch` fires, whichever
/// comes first (and neither, when both are nil); then throws ``DeadlinePassed``.
/// What `body` does on cancellation decides how soon this returns (a pooled
/// database call cancels its statement on the server).
public func withDeadline<Result: Sendable>(
    _ deadline: ContinuousClock.Instant?, or latch: Latch? = nil, _ body: @escaping @Sendable () async throws -> Result
) async throws -> Result {
    guard deadline != nil || latch != nil else { return try await body() }
    return try await withThrowingTaskGroup(of: Result?.self) { group in
        group.addTask { try await body() }
        group.addTask {
            await withTaskGroup(of: Void.self) { waits in
                if let deadline { waits.addTask { try? await Task.sleep(until: deadline) } }
                if let latch { waits.addTask { _ = await latch.wait() } }
                await waits.next()
                waits.cancelAll()
            }
            return nil
        }
        defer { group.cancelAll() }
        while let next = try await group.next() {
            if let next { return next }
            throw DeadlinePassed()
        }
        throw DeadlinePassed()
    }
}
