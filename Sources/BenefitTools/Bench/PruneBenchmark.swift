import BenefitCore
import BenefitQueue
import Foundation
import Logging
import PostgresClient

/// Measures retention at scale: what `jobs` finished jobs cost on disk, how long
/// pruning them takes (the attempts' months dropped whole, then the jobs deleted in
/// chunks), and whether claiming stays as fast afterwards.
///
/// Works in a scratch database (``ScratchDatabase``). The history is written by
/// the owner in two statements, as a year of a busy union's batches would have
/// left it: `jobs` `campaign.batch` jobs (1 % dead) that finished between 130 and
/// 100 days ago, one attempt each, so the attempts fill that time's monthly
/// partitions. Then:
///
/// 1. sizes of `job` and `job_attempt` (tables and indexes), after `VACUUM ANALYZE`
///    and a `CHECKPOINT`;
/// 2. claims: `claimRounds` claims of 10 jobs from 20,000 available no-op jobs on
///    one connection, each followed by the completion of the 10 (the lease
///    lookups, which probe every month's index), timed apart;
/// 3. the prune with a 90-day retention: the partitions' drop, then the jobs' chunks;
/// 4. a `CHECKPOINT`, sizes and claims again, then sizes after `VACUUM`.
public struct PruneBenchmark: Sendable {
    /// Finished jobs written before the prune. Default 1,000,000.
    public var jobs = 1_000_000
    /// Claim-and-complete rounds timed before and after. Default 1,000.
    public var claimRounds = 1_000
    /// Jobs deleted per transaction. Default 10,000.
    public var chunk = 10_000

    public init() {}

    public struct Sizes: Sendable, Codable {
        /// `job` with its indexes.
        public var jobBytes: Int
        /// Every partition of `job_attempt` with its indexes.
        public var attemptBytes: Int
        /// Partitions of `job_attempt`.
        public var partitions: Int
    }

    public struct Report: Sendable, Codable {
        public var serverVersion: String
        public var machine: BenchMachine
        public var jobs: Int
        public var before: Sizes
        public var claimsBefore: ClaimTimes
        public var partitionsDropped: [String]
        public var attemptsDropped: Int
        public var dropSeconds: Double
        public var jobsDeleted: Int
        public var attemptsDeleted: Int
        public var deleteSeconds: Double
        public var after: Sizes
        public var claimsAfter: ClaimTimes
        public var afterVacuum: Sizes
    }

    public func run(server: PostgresConfiguration, logger: Logger) async throws -> Report {
        try await ScratchDatabase.with(server: server, prefix: "benefit_bench", logger: logger) { database in
            let pool = PostgresPool(configuration: database, maxConnections: 1)
            let version = try await pool.query("SHOW server_version").single(String.self)
            logger.info("writing \(jobs) finished jobs with their attempts")
            try await writeHistory(pool)
            try await pool.query("VACUUM ANALYZE benefit.job")
            try await pool.query("VACUUM ANALYZE benefit.job_attempt")
            try await checkpoint(pool)
            let before = try await sizes(pool)
            let claimsBefore = try await timeClaims(pool)

            let queue = JobQueue(pool: pool)
            let retention = Duration.seconds(90 * 86_400)
            let dropStart = ContinuousClock.now
            let dropped = try await queue.dropAttemptPartitions(olderThan: retention)
            let dropTime = ContinuousClock.now - dropStart
            let deleteStart = ContinuousClock.now
            let deleted = try await queue.prune(olderThan: retention, chunk: chunk, dropsPartitions: false)
            let deleteTime = ContinuousClock.now - deleteStart
            guard deleted.jobs == jobs else {
                throw BenchmarkError("the prune deleted \(deleted.jobs) jobs, not the \(jobs) finished ones")
            }
            try await checkpoint(pool)
            let after = try await sizes(pool)
            let claimsAfter = try await timeClaims(pool)
            try await pool.query("VACUUM benefit.job")
            try await pool.query("VACUUM benefit.job_attempt")
            return Report(
                serverVersion: version, machine: .current(), jobs: jobs, before: before, claimsBefore: claimsBefore,
                partitionsDropped: dropped.map(\.name), attemptsDropped: dropped.reduce(0) { $0 + $1.attempts },
                dropSeconds: dropTime.seconds, jobsDeleted: deleted.jobs, attemptsDeleted: deleted.attempts,
                deleteSeconds: deleteTime.seconds, after: after, claimsAfter: claimsAfter, afterVacuum: try await sizes(pool))
        }
    }

    /// The owner writes the history: the months' partitions, then the jobs, then one attempt each.
    private func writeHistory(_ pool: PostgresPool) async throws {
        try await pool.query("""
            SELECT benefit.create_attempt_partition(((now() AT TIME ZONE 'UTC') - d * interval '1 day')::date)
            FROM unnest(ARRAY[131, 115, 100]) AS d
            """)
        try await pool.query("""
            INSERT INTO benefit.job (queue, kind, payload, state, attempt, created_at, run_at, finished_at, group_key)
            SELECT 'relief', 'campaign.batch', '{}', CASE WHEN g % 100 = 0 THEN 'dead' ELSE 'succeeded' END, 1, t, t, t, 'run:' || (g / 2000)
            FROM generate_series(1, \(jobs)::integer) g
            CROSS JOIN LATERAL (SELECT now() - interval '130 days' + g * (interval '30 days' / \(jobs)::integer) AS t) at
            """)
        try await pool.query("""
            INSERT INTO benefit.job_attempt (lease_token, job_id, attempt, worker, host, pid, started_at, finished_at, outcome)
            SELECT nextval('benefit.lease_token_seq'), j.id, 1, 'bench-worker', 'bench-host', 1, j.finished_at - interval '1 s', j.finished_at,
                   CASE WHEN j.state = 'dead' THEN 'dead' ELSE 'succeeded' END
            FROM benefit.job j
            """)
    }

    /// Writes the history's pages out before claims are timed, so that the claims'
    /// commits do not share the disk with a checkpoint of 400 MB. Skipped for a
    /// role that may not (CHECKPOINT needs pg_checkpoint or a superuser).
    private func checkpoint(_ pool: PostgresPool) async throws {
        do {
            try await pool.query("CHECKPOINT")
        } catch let error as PostgresError where error.sqlState == "42501" {}
    }

    private func sizes(_ pool: PostgresPool) async throws -> Sizes {
        let (job, attempts, partitions) = try await pool.query("""
            SELECT pg_total_relation_size('benefit.job')::bigint,
                   (SELECT coalesce(sum(bytes), 0) FROM benefit.job_attempt_partitions)::bigint,
                   (SELECT count(*) FROM benefit.job_attempt_partitions)::bigint
            """).single((Int, Int, Int).self)
        return Sizes(jobBytes: job, attemptBytes: attempts, partitions: partitions)
    }

    /// 20,000 available no-op jobs; `claimRounds` claims of 10, each completed; the rest deleted.
    private func timeClaims(_ pool: PostgresPool) async throws -> ClaimTimes {
        try await ClaimTimes.measure(queued: 20_000, rounds: claimRounds, on: pool)
    }
}
