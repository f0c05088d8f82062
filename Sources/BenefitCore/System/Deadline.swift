/// `body` did not finish by its deadline.
public struct DeadlinePassed: Error, CustomStringConvertible {
    public init() {}
    public var description: String { "gave up: the deadline passed" }
}

/// Runs `body`, cancelling it when `deadline` passes; then throws
/// ``DeadlinePassed``. What `body` does on cancellation decides how soon this
/// returns (a pooled database call cancels its statement on the server).
public func withDeadline<Result: Sendable>(
    _ deadline: ContinuousClock.Instant, _ body: @escaping @Sendable () async throws -> Result
) async throws -> Result {
    try await withThrowingTaskGroup(of: Result?.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try? await Task.sleep(until: deadline)
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
