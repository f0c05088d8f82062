import Dispatch

/// Runs blocking work (a child process, file locking) on a thread of its own and
/// awaits the result, keeping it off Swift's cooperative pool.
public func runBlocking<T: Sendable>(_ label: String, _ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue(label: "benefit.blocking.\(label)").async {
            continuation.resume(with: Result { try work() })
        }
    }
}
