import BenefitCore
import CoreMetrics
import Logging
import PostgresClient
import Synchronization

/// Deletes finished jobs and their attempts past a retention period
/// (``JobQueue/prune(olderThan:chunk:maxChunks:dryRun:dropsPartitions:by:)``):
/// whole months of attempts first, then jobs in chunks, on a schedule.
///
/// One process prunes for the whole system: the leading `benefit scheduler`
/// (`--retention`), at most once per `interval`. A pass deletes chunks of `chunk`
/// jobs, each its own short transaction, and starts no new chunk once `passTime`
/// has gone by: it runs inside the leader's tick, which must renew the leader
/// lease, so a backlog (a first prune of a year of jobs) is worked off over
/// several passes instead of in one long one.
/// Off unless a retention is given. What it deletes is counted in
/// `benefit_jobs_pruned_total`; it logs only when it deleted something.
public final class JobPruner: Sendable {
    public struct Configuration: Sendable {
        /// Jobs finished longer ago than this are deleted. Nil (the default): never.
        public var retention: Duration?
        /// The least time between two passes. Default 5 min.
        public var interval: Duration = .seconds(300)
        /// Most jobs deleted per transaction. Default 5,000.
        public var chunk = 5_000
        /// No new chunk is started once a pass has run this long. Default 2 s.
        public var passTime: Duration = .seconds(2)
        public init() {}
    }

    let pool: PostgresPool
    let configuration: Configuration
    let logger: Logger
    private let lastPass = Mutex<ContinuousClock.Instant?>(nil)
    private let pruned = Counter(label: "benefit_jobs_pruned_total")

    public init(pool: PostgresPool, configuration: Configuration = Configuration(), logger: Logger) {
        self.pool = pool
        self.configuration = configuration
        self.logger = logger
    }

    /// Prunes if a retention is set and `interval` has passed since the last pass
    /// (or none was made); returns what it deleted, or nil when it was not time.
    @discardableResult
    public func runIfDue(now: ContinuousClock.Instant = .now) async throws -> PruneResult? {
        guard configuration.retention != nil else { return nil }
        let due = lastPass.withLock { last in
            guard let previous = last, now - previous < configuration.interval else {
                last = now
                return true
            }
            return false
        }
        return due ? try await runOnce() : nil
    }

    /// One pass: chunks of jobs finished before now − retention, until none is
    /// left or `passTime` has gone by.
    @discardableResult
    public func runOnce() async throws -> PruneResult {
        guard let retention = configuration.retention else { return PruneResult() }
        let queue = JobQueue(pool: pool)
        let started = ContinuousClock.now
        var result = PruneResult()
        var first = true
        repeat {
            let chunk = try await queue.prune(olderThan: retention, chunk: configuration.chunk, maxChunks: 1, dropsPartitions: first)
            first = false
            result.partitions += chunk.partitions
            result.jobs += chunk.jobs
            result.attempts += chunk.attempts
            result.finishedBefore = result.finishedBefore ?? chunk.finishedBefore
            if chunk.jobs < configuration.chunk { break }
        } while ContinuousClock.now - started < configuration.passTime
        if result.jobs > 0 || !result.partitions.isEmpty {
            pruned.increment(by: result.jobs)
            logger.notice("pruned finished jobs", metadata: [
                "jobs": "\(result.jobs)", "attempts": "\(result.attempts)",
                "partitions": "\(result.partitions.map(\.name).joined(separator: ","))",
                "partition_attempts": "\(result.partitions.reduce(0) { $0 + $1.attempts })",
                "finished_before": "\(result.finishedBefore.map(TimestampText.format) ?? "")",
            ])
        }
        return result
    }
}
