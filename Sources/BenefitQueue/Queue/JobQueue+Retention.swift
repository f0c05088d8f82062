import BenefitAudit
import BenefitCore
import Foundation
import PostgresClient

/// What a prune removed (or, in a dry run, would remove).
public struct PruneResult: Sendable, Equatable {
    /// Finished jobs deleted.
    public var jobs = 0
    /// Their attempts, deleted with them.
    public var attempts = 0
    /// The cutoff: jobs that finished before it went. Nil when nothing was asked of the database.
    public var finishedBefore: Date?

    public init(jobs: Int = 0, attempts: Int = 0, finishedBefore: Date? = nil) {
        self.jobs = jobs
        self.attempts = attempts
        self.finishedBefore = finishedBefore
    }
}

extension JobQueue {
    /// The shortest retention the database accepts: a shorter one counts as this
    /// long, so a run that is still finishing never loses its jobs.
    public static let shortestRetention: Duration = .seconds(3_600)

    /// Deletes finished jobs (succeeded, dead, cancelled) that finished more than
    /// `olderThan` ago, with their attempts, in chunks of at most `chunk` jobs, each
    /// its own short transaction, oldest first; never a job that may still run, never
    /// an effect. An operator's prune (`by` given) records `job.prune` in the audit
    /// trail in each chunk's transaction, with what the chunk deleted; the leading
    /// scheduler's (`by` nil) records nothing. With `dryRun`, counts what would go
    /// and writes nothing.
    ///
    /// - Parameter maxChunks: stop after this many chunks (the leader's bound per pass); nil: until none is left.
    public func prune(
        olderThan: Duration, chunk: Int = 10_000, maxChunks: Int? = nil, dryRun: Bool = false, by operatorName: String? = nil
    ) async throws -> PruneResult {
        precondition(chunk >= 1, "a prune chunk holds at least one job")
        if dryRun {
            let (jobs, attempts, before) = try await pool.query(JobQueries.prune(olderThan: olderThan, limit: 1, dryRun: true))
                .single((Int, Int, Date).self)
            return PruneResult(jobs: jobs, attempts: attempts, finishedBefore: before)
        }
        var total = PruneResult()
        var chunks = 0
        while maxChunks.map({ chunks < $0 }) ?? true {
            chunks += 1
            let done = try await pool.transaction { transaction in
                let (jobs, attempts, before) = try await transaction.query(JobQueries.prune(olderThan: olderThan, limit: chunk, dryRun: false))
                    .single((Int, Int, Date).self)
                if jobs > 0, let operatorName {
                    let entry = try AuditEntry(
                        .jobPrune, target: TimestampText.format(before), reason: nil, by: operatorName,
                        details: ["jobs": .integer(jobs), "attempts": .integer(attempts)])
                    try await AuditTrail.record(entry, on: transaction)
                }
                return PruneResult(jobs: jobs, attempts: attempts, finishedBefore: before)
            }
            total.jobs += done.jobs
            total.attempts += done.attempts
            total.finishedBefore = total.finishedBefore ?? done.finishedBefore
            if done.jobs < chunk { break }
        }
        return total
    }
}
