import BenefitCore
import Foundation
import PostgresClient

/// What workers do with the attempts they hold: claim, extend, complete, fail,
/// release. Every statement is fenced on the attempt's ``LeaseKey``.
extension JobQueue {
    /// Claims up to `limit` jobs from `queues` in one round trip.
    public func claim(queues: [String], limit: Int, worker: WorkerIdentity) async throws -> [ClaimedJob] {
        try Self.claimedJobs(try await pool.query(JobQueries.claim(queues: queues, limit: limit, worker: worker)))
    }

    /// Completes `done` like ``completeMany(_:)``, then claims like ``claim(queues:limit:worker:)``,
    /// in one round trip and one transaction (a pipeline with one sync): a busy worker
    /// sends its finished jobs along with its next claim and saves a commit and a
    /// round trip per batch. If either statement fails, neither took effect.
    /// Returns the claimed jobs and each completion's outcome.
    public func completeAndClaim(
        _ done: [LeaseKey], queues: [String], limit: Int, worker: WorkerIdentity
    ) async throws -> (claimed: [ClaimedJob], completed: [LeaseKey: AttemptOutcome]) {
        guard !done.isEmpty else { return (try await claim(queues: queues, limit: limit, worker: worker), [:]) }
        let results = try await pool.withConnection { connection in
            try await connection.pipeline([
                JobQueries.completeMany(done),
                JobQueries.claim(queues: queues, limit: limit, worker: worker),
            ])
        }
        return (try Self.claimedJobs(results[1]), try Self.outcomes(of: done, results[0]))
    }

    private static func claimedJobs(_ rows: PostgresRows) throws -> [ClaimedJob] {
        try rows.map { row in
            let (id, queue, kind, payload, attempt, maxAttempts, token, secret, leaseMs, initialMs, maxMs, group, timeoutMs) =
                try row.decode((Int, String, String, String, Int, Int, Int64, UUID, Int, Int, Int, String?, Int?).self)
            return ClaimedJob(
                id: id, queue: queue, kind: kind, payload: payload, attempt: attempt, maxAttempts: maxAttempts,
                leaseToken: LeaseToken(token), leaseSecret: secret, leaseDuration: .milliseconds(leaseMs),
                backoffInitial: .milliseconds(initialMs), backoffMax: .milliseconds(maxMs), group: group,
                timeout: timeoutMs.map { .milliseconds($0) })
        }
    }

    /// Extends the given leases; returns those still held.
    public func extendLeases(_ leases: [LeaseKey]) async throws -> Set<LeaseKey> {
        guard !leases.isEmpty else { return [] }
        let held = Set(try await pool.query(JobQueries.extendLeases(leases)).decode((Int, Int64).self).map(\.1))
        return Set(leases.filter { held.contains($0.token.rawValue) })
    }

    /// Completes attempts that wrote no effects; returns each one's outcome
    /// (`succeeded`, or `fenced` when its lease was lost first).
    public func completeMany(_ leases: [LeaseKey]) async throws -> [LeaseKey: AttemptOutcome] {
        guard !leases.isEmpty else { return [:] }
        return try Self.outcomes(of: leases, try await pool.query(JobQueries.completeMany(leases)))
    }

    /// The outcome the completion gave each lease: `succeeded` if it says so, else
    /// `fenced` (an attempt it did not find had already ended some other way).
    private static func outcomes(of leases: [LeaseKey], _ rows: PostgresRows) throws -> [LeaseKey: AttemptOutcome] {
        let succeeded = Set(try rows.decode((Int64, String).self).filter { $0.1 == AttemptOutcome.succeeded.rawValue }.map(\.0))
        return Dictionary(uniqueKeysWithValues: leases.map { ($0, succeeded.contains($0.token.rawValue) ? .succeeded : .fenced) })
    }

    /// Runs `effects` and marks the job succeeded in one transaction, only if the
    /// job still carries the lease's token: lock the job row, compare, then write.
    /// Throws ``LeaseLost`` (and records the attempt as fenced) otherwise.
    public func commit<Result: Sendable>(
        _ lease: LeaseKey, isolation: IsolationLevel = .readCommitted,
        _ effects: nonisolated(nonsending) @Sendable (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        // Under a snapshot isolation the commit may fail to serialise (a writer
        // changed a row it locks after its snapshot): tried again from the start.
        let attempts = isolation == .readCommitted ? 1 : 3
        let outcome: Result? = try await pool.transaction(isolation: isolation, maxAttempts: attempts) { connection in
            // Locks the job row and checks the lease; on a lost one it records the
            // attempt fenced, which this transaction commits without the effects.
            guard try await connection.query(JobQueries.openFencedCommit(lease)).single(Bool.self) else { return nil }
            let result = try await effects(connection)
            // The job row has been locked since the open: this only fails if the
            // effects undid the transaction's mark (a handler's own set_config).
            guard try await connection.query(JobQueries.closeFencedCommit(lease)).single(Bool.self) else {
                throw LeaseLost(lease: lease)
            }
            return result
        }
        guard let outcome else { throw LeaseLost(lease: lease) }
        return outcome
    }

    /// Records a failed attempt: retry after a backoff delay, dead, or cancelled as
    /// `failure` asks. Returns the attempt's outcome (`retry`, `dead`, `cancelled`, or
    /// `fenced` if the lease was already lost).
    @discardableResult
    public func fail(_ job: ClaimedJob, _ failure: Lease.Failure, error: any Error) async throws -> AttemptOutcome {
        let disposition: JobQueries.Disposition = switch failure {
        case .retryable: .retry
        case .permanent: .dead
        case .cancelled: .cancel
        }
        return try await end(job, disposition, error: String(describing: error))
    }

    /// Records an attempt whose handler ran past the job's timeout and was stopped:
    /// the attempt ends `timed_out`, and the job retries after a backoff delay, or is
    /// dead when its attempts are used up. Returns `timedOut`, or `fenced` if the
    /// lease was already lost.
    @discardableResult
    public func timeOut(_ job: ClaimedJob) async throws -> AttemptOutcome {
        let timeout = job.timeout.map(DurationText.format) ?? "none"
        return try await end(job, .timeout, error: "timed out: the handler ran past the job's timeout of \(timeout) and was stopped")
    }

    /// Writes a failed attempt's end with `fail_job`, drawing the backoff delay.
    private func end(_ job: ClaimedJob, _ disposition: JobQueries.Disposition, error: String) async throws -> AttemptOutcome {
        let delay = Backoff.delay(attempt: job.attempt, initial: job.backoffInitial, max: job.backoffMax)
        let rows = try await pool.query(JobQueries.fail(
            job.leaseKey, error: String(error.prefix(4000)), disposition: disposition, delayMilliseconds: delay.wholeMilliseconds))
        return try rows.first(String.self).flatMap(AttemptOutcome.init(rawValue:)) ?? .fenced
    }

    /// Gives jobs back without counting the attempt (graceful shutdown); returns those given back.
    @discardableResult
    public func release(_ leases: [LeaseKey]) async throws -> Set<LeaseKey> {
        guard !leases.isEmpty else { return [] }
        let tokens = try await pool.query(JobQueries.release(leases)).decode(Int64.self)
        return Set(leases.filter { tokens.contains($0.token.rawValue) })
    }
}
