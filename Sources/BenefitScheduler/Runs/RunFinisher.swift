import BenefitCore
import Logging
import PostgresClient
import ServiceLifecycle

/// Ends runs whose batches are all done: succeeded, failed (a batch died) or
/// cancelled (an operator asked).
///
/// Runs on every worker and on the scheduler, and after every batch commit;
/// SKIP LOCKED makes concurrent passes safe. A run is finished from what its
/// jobs say, not from counters bumped by each batch, so no batch commit ever
/// waits on the run row, and a dead batch retried by an operator simply makes
/// the run go on (see ``JobQueue/retryDead(jobID:runID:)``).
public struct RunFinisher: Sendable {
    /// What one pass did.
    public struct Result: Sendable, Equatable {
        public var succeeded = 0
        public var failed = 0
        public var cancelled = 0
        public var total: Int { succeeded + failed + cancelled }
    }

    let pool: PostgresPool
    let logger: Logger

    public init(pool: PostgresPool, logger: Logger) {
        self.pool = pool
        self.logger = logger
    }

    /// Finishes every run that is done (or just `runID`); logs only when it did something.
    @discardableResult
    public func runOnce(runID: Int? = nil) async throws -> Result {
        var result = Result()
        for (id, state) in try await pool.query(RunQueries.finishDone(runID: runID)).decode((Int, String).self) {
            switch RunState(rawValue: state) {
            case .succeeded: result.succeeded += 1
            case .failed: result.failed += 1
            default: result.cancelled += 1
            }
            logger.info("run \(state)", metadata: ["run_id": "\(id)"])
        }
        return result
    }
}


/// Runs ``RunFinisher`` every `interval` until shutdown (alongside a worker).
public struct RunFinisherService: Service {
    let finisher: RunFinisher
    let interval: Duration

    public init(pool: PostgresPool, interval: Duration = .seconds(1), logger: Logger) {
        finisher = RunFinisher(pool: pool, logger: logger)
        self.interval = interval
    }

    public func run() async throws {
        let outage = OutageLog()
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            do {
                try await finisher.runOnce()
                outage.recovered(logger: finisher.logger)
            } catch {
                outage.failed("finishing runs", error, logger: finisher.logger)
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
    }
}
