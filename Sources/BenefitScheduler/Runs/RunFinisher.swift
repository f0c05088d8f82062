import BenefitCore
import BenefitQueue
import Logging
import PostgresClient
import ServiceLifecycle

/// The one owner of run finishing: ends runs whose jobs are all done — succeeded,
/// failed (a job died) or cancelled (an operator asked).
///
/// It runs as a service beside every `benefit worker` and `benefit scheduler`,
/// and finishes runs in passes (``finish(runIDs:)``): every `interval`, and soon
/// after a job of a run ends on this process's worker (it observes the worker:
/// ``attemptEnded(_:outcome:)``), so a run ends within moments of its last batch.
/// `benefit runs cancel` calls it once for the run it cancelled.
///
/// A pass is `benefit.finish_runs` (migrations/0010_least_privilege.sql): a run
/// is finished from what the queue says of its group (any job that may still
/// run? any that died?), not from counters bumped by each batch, so no batch
/// commit ever waits on the run row, and a dead batch retried by an operator
/// simply makes the run go on (``RunControl/retryDead(runID:reason:by:on:)``). Passes lock
/// the runs they judge with SKIP LOCKED: concurrent passes on many hosts are
/// safe, and an operator's retry waits for a pass that judged the run before it,
/// then reopens what that pass ended.
public final class RunFinisher: Service, JobObserver, Sendable {
    /// What one pass did.
    public struct Result: Sendable, Equatable {
        public var succeeded = 0
        public var failed = 0
        public var cancelled = 0
        public var total: Int { succeeded + failed + cancelled }
    }

    let pool: PostgresPool
    let logger: Logger
    /// Time between passes when nothing wakes the finisher. Default 1 s.
    let interval: Duration
    /// The shortest time between two passes, however often jobs end. Default 25 ms.
    let minimumGap: Duration
    private let wakeup = Wakeup()

    public init(pool: PostgresPool, interval: Duration = .seconds(1), minimumGap: Duration = .milliseconds(25), logger: Logger) {
        self.pool = pool
        self.interval = interval
        self.minimumGap = minimumGap
        self.logger = logger
    }

    /// A job of a run ended for good on the worker this finisher watches: look soon.
    public func attemptEnded(_ job: ClaimedJob, outcome: AttemptOutcome) {
        guard RunGroup.runID(of: job.group) != nil else { return }
        switch outcome {
        // A timeout may have been the job's last attempt.
        case .succeeded, .dead, .cancelled, .timedOut: wakeup.signal()
        case .running, .retry, .leaseExpired, .released, .fenced: break
        }
    }

    public func run() async throws {
        let outage = OutageLog()
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            do {
                // A pass waiting on a database that answers nothing must not hold up
                // the services that shut down after this one (a worker's, say).
                _ = try await cancelWhenGracefulShutdown { try await self.finish() }
                outage.recovered(logger: logger)
            } catch {
                if Task.isShuttingDownGracefully { break }
                outage.failed("finishing runs", error, logger: logger)
            }
            try? await cancelWhenGracefulShutdown {
                try await Task.sleep(for: self.minimumGap)
                await self.wakeup.wait(timeout: self.interval)
            }
        }
    }

    /// One pass: finishes every run that is done (or, given `runIDs`, those of them
    /// that are); logs only what it finished.
    @discardableResult
    public func finish(runIDs: [Int]? = nil) async throws -> Result {
        let finished = try await pool.query(RunQueries.finish(runIDs: runIDs)).decode((Int, String).self)
            .compactMap { id, state in RunState(rawValue: state).map { (id: id, state: $0) } }
        var result = Result()
        for (id, state) in finished {
            switch state {
            case .succeeded: result.succeeded += 1
            case .failed: result.failed += 1
            default: result.cancelled += 1
            }
            logger.info("run \(state.rawValue)", metadata: ["run_id": "\(id)"])
        }
        return result
    }
}
