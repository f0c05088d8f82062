import BenefitCore
import Foundation
import Logging
import PostgresClient

/// Who holds a lease: recorded in every attempt row.
public struct WorkerIdentity: Sendable, Hashable {
    public let name: String
    public let host: String
    public let pid: Int

    public init(name: String? = nil) {
        host = ProcessInfo.processInfo.hostName
        pid = Int(ProcessInfo.processInfo.processIdentifier)
        self.name = name ?? "\(host)-\(pid)"
    }
}

/// The queue's operations over a pool: enqueue, claim, heartbeat, complete, fail, release.
///
/// Each is one statement or one short transaction (see ``JobQueries``).
public struct JobQueue: Sendable {
    public let pool: PostgresPool

    public init(pool: PostgresPool) {
        self.pool = pool
    }

    /// The channel enqueues notify on; the payload is the queue name.
    public static let notificationChannel = JobQueries.channel

    // MARK: Enqueue

    /// Enqueues one job and returns its id; with a unique key held by a live job,
    /// returns that job's id instead (`inserted` false).
    @discardableResult
    public func enqueue(_ job: NewJob) async throws -> (id: Int, inserted: Bool) {
        try await pool.withConnection { try await Self.enqueue(job, on: $0) }
    }

    /// Enqueues inside the caller's transaction: the job exists only if it commits.
    @discardableResult
    public static func enqueue(_ job: NewJob, on connection: PostgresConnection) async throws -> (id: Int, inserted: Bool) {
        // Under READ COMMITTED, a competing insert of the same key that commits while
        // this one waits makes ours do nothing, yet stays invisible to this
        // statement's snapshot: look again with a fresh one.
        for _ in 0..<10 {
            if let id = try await connection.query(JobQueries.insert([job])).first(Int.self) { return (id, true) }
            if let key = job.uniqueKey, let id = try await connection.query(JobQueries.liveJob(uniqueKey: key)).first(Int.self) {
                return (id, false)
            }
        }
        throw PostgresError(code: .protocolViolation, message: "enqueue with unique key \(job.uniqueKey ?? "") kept racing: giving up")
    }

    /// Enqueues many jobs in one statement per 5,000 and returns the new ids
    /// (jobs whose unique key is live are skipped).
    @discardableResult
    public static func enqueueMany(_ jobs: [NewJob], on connection: PostgresConnection) async throws -> [Int] {
        var ids: [Int] = []
        ids.reserveCapacity(jobs.count)
        var start = 0
        while start < jobs.count {
            let chunk = Array(jobs[start..<min(start + 5_000, jobs.count)])
            ids += try await connection.query(JobQueries.insert(chunk)).decode(Int.self)
            start += chunk.count
        }
        return ids
    }

    /// Bulk enqueue through COPY, for jobs without unique keys: the fastest path.
    /// One transaction; each queue is notified once, at commit. Returns the count.
    @discardableResult
    public func enqueueBulk(_ jobs: [NewJob]) async throws -> Int {
        precondition(jobs.allSatisfy { $0.uniqueKey == nil }, "enqueueBulk takes jobs without unique keys")
        return try await pool.transaction { connection in
            // The server's clock, as every other enqueue and the claim use: a client
            // clock running ahead would hold bulk jobs back. Formatted once: most
            // bulk jobs run now.
            let now = TimestampText.format(try await connection.query("SELECT now()").single(Date.self))
            let count = try await connection.copyIn(JobQueries.copyJobs) { writer in
                for job in jobs {
                    try writer.appendRow(
                        job.queue, job.kind, job.payload, job.priority, job.runAt.map(TimestampText.format) ?? now, job.maxAttempts,
                        job.lease.wholeMilliseconds, job.backoffInitial.wholeMilliseconds, job.backoffMax.wholeMilliseconds,
                        job.runID, job.campaignID, job.concurrencyLimit)
                }
            }
            try await connection.query(JobQueries.notify(queues: Array(Set(jobs.map(\.queue))).sorted()))
            return count
        }
    }

    // MARK: Working

    /// Claims up to `limit` jobs from `queues` in one round trip.
    public func claim(queues: [String], limit: Int, worker: WorkerIdentity) async throws -> [ClaimedJob] {
        try Self.claimedJobs(try await pool.query(JobQueries.claim(queues: queues, limit: limit, worker: worker)))
    }

    /// Completes `done` like ``completeMany(_:)``, then claims like ``claim(queues:limit:worker:)``,
    /// in one round trip and one transaction (a pipeline with one sync): a busy worker
    /// sends its finished jobs along with its next claim and saves a commit and a
    /// round trip per batch. If either statement fails, neither took effect.
    /// Returns the claimed jobs and the completions that were fenced.
    public func completeAndClaim(
        _ done: [(id: Int, token: LeaseToken)], queues: [String], limit: Int, worker: WorkerIdentity
    ) async throws -> (claimed: [ClaimedJob], fenced: [LeaseToken]) {
        guard !done.isEmpty else { return (try await claim(queues: queues, limit: limit, worker: worker), []) }
        let results = try await pool.withConnection { connection in
            try await connection.pipeline([
                JobQueries.completeMany(ids: done.map(\.id), tokens: done.map(\.token.rawValue)),
                JobQueries.claim(queues: queues, limit: limit, worker: worker),
            ])
        }
        return (try Self.claimedJobs(results[1]), try Self.fencedTokens(results[0]))
    }

    private static func claimedJobs(_ rows: PostgresRows) throws -> [ClaimedJob] {
        try rows.map { row in
            let (id, queue, kind, payload, attempt, maxAttempts, token, leaseMs, initialMs, maxMs, runID) =
                try row.decode((Int, String, String, String, Int, Int, Int64, Int, Int, Int, Int?).self)
            return ClaimedJob(
                id: id, queue: queue, kind: kind, payload: payload, attempt: attempt, maxAttempts: maxAttempts,
                leaseToken: LeaseToken(token), lease: .milliseconds(leaseMs),
                backoffInitial: .milliseconds(initialMs), backoffMax: .milliseconds(maxMs), runID: runID)
        }
    }

    /// Extends the leases of the given jobs; returns the ids whose lease is still held.
    public func extendLeases(_ jobs: [(id: Int, token: LeaseToken)]) async throws -> Set<Int> {
        guard !jobs.isEmpty else { return [] }
        let rows = try await pool.query(JobQueries.extendLeases(ids: jobs.map(\.id), tokens: jobs.map(\.token.rawValue)))
        return Set(try rows.decode(Int.self))
    }

    /// Completes jobs that wrote no effects; returns the tokens that were fenced.
    public func completeMany(_ jobs: [(id: Int, token: LeaseToken)]) async throws -> [LeaseToken] {
        guard !jobs.isEmpty else { return [] }
        return try Self.fencedTokens(try await pool.query(JobQueries.completeMany(ids: jobs.map(\.id), tokens: jobs.map(\.token.rawValue))))
    }

    private static func fencedTokens(_ rows: PostgresRows) throws -> [LeaseToken] {
        try rows.decode((Int64, String).self).filter { $0.1 == "fenced" }.map { LeaseToken($0.0) }
    }

    /// Runs `effects` and marks the job succeeded in one transaction, only if the
    /// job still carries `token`: lock the job row, compare, then write.
    /// Throws ``LeaseLost`` (and records the attempt as fenced) otherwise.
    public func commit<Result: Sendable>(
        jobID: Int, token: LeaseToken, isolation: IsolationLevel = .readCommitted,
        _ effects: @Sendable (PostgresConnection) async throws -> Result
    ) async throws -> Result {
        // Under a snapshot isolation the commit may fail to serialise (a writer
        // changed a row it locks after its snapshot): tried again from the start.
        let attempts = isolation == .readCommitted ? 1 : 3
        let outcome: Result? = try await pool.transaction(isolation: isolation, maxAttempts: attempts) { connection in
            let row = try await connection.query(JobQueries.lockForCommit(id: jobID)).first((Int64?, String).self)
            guard let row, row.0 == token.rawValue, row.1 == JobState.running.rawValue else {
                try await connection.query(JobQueries.markFenced(token: token.rawValue))
                return nil
            }
            let result = try await effects(connection)
            try await connection.query(JobQueries.markSucceeded(id: jobID, token: token.rawValue))
            return result
        }
        guard let outcome else { throw LeaseLost(jobID: jobID, leaseToken: token) }
        return outcome
    }

    /// Records a failed attempt: retry after a backoff delay, or dead. Returns the
    /// attempt's outcome (`retry`, `dead`, or `fenced` if the lease was already lost).
    @discardableResult
    public func fail(_ job: ClaimedJob, error: any Error) async throws -> String {
        let retryable = (error as? any JobFailure)?.isRetryable ?? true
        let delay = Backoff.delay(attempt: job.attempt, initial: job.backoffInitial, max: job.backoffMax)
        let message = String(String(describing: error).prefix(4000))
        let rows = try await pool.query(JobQueries.fail(
            id: job.id, token: job.leaseToken.rawValue, error: message, retryable: retryable,
            delayMilliseconds: delay.wholeMilliseconds))
        return try rows.first(String.self) ?? "fenced"
    }

    /// Gives jobs back without counting the attempt (graceful shutdown).
    @discardableResult
    public func release(_ jobs: [(id: Int, token: LeaseToken)]) async throws -> Int {
        guard !jobs.isEmpty else { return 0 }
        return try await pool.query(JobQueries.release(ids: jobs.map(\.id), tokens: jobs.map(\.token.rawValue))).count
    }

    // MARK: Operators

    /// Dead jobs back to available with fresh attempts, by job or by run; a
    /// failed run of theirs goes on running. Returns the ids.
    public func retryDead(jobID: Int? = nil, runID: Int? = nil) async throws -> [Int] {
        try await pool.query(JobQueries.retryDead(id: jobID, runID: runID)).decode(Int.self)
    }

    /// Cancels a job not yet finished; returns false if it had already finished or does not exist.
    public func cancel(jobID: Int) async throws -> Bool {
        try await pool.query(JobQueries.cancel(id: jobID)).single(Int.self) == 1
    }

    /// The dead-letter list, newest first.
    public func deadJobs(limit: Int) async throws -> [DeadJob] {
        try await pool.query(JobQueries.dead(limit: limit)).map(DeadJob.init(row:))
    }

    /// A job's state, or nil when there is no such job.
    public func state(of jobID: Int) async throws -> JobState? {
        try await pool.query(JobQueries.state(id: jobID)).first(String.self).flatMap(JobState.init(rawValue:))
    }
}
