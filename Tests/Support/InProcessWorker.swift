import BenefitCore
import BenefitQueue

/// Runs `worker` while `body` runs, then shuts it down gracefully and waits for it.
public func withWorker<Result: Sendable>(_ worker: Worker, _ body: () async throws -> Result) async throws -> Result {
    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await worker.run() }
        do {
            let result = try await body()
            worker.beginShutdown()
            try await group.waitForAll()
            return result
        } catch {
            worker.beginShutdown()
            try? await group.waitForAll()
            throw error
        }
    }
}

extension Worker.Configuration {
    /// A worker for tests: fast polls and rescues, quiet logs.
    public static func forTests(queues: [String], name: String, concurrency: Int = 4) -> Worker.Configuration {
        var configuration = Worker.Configuration()
        configuration.queues = queues
        configuration.identity = WorkerIdentity(name: name)
        configuration.concurrency = concurrency
        configuration.pollInterval = .milliseconds(50)
        configuration.rescuer.interval = .milliseconds(100)
        configuration.shutdownGracePeriod = .seconds(5)
        return configuration
    }
}
