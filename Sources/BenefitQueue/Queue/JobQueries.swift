import BenefitCore
import Foundation
import PostgresClient

/// Every statement on `benefit.job` and `benefit.job_attempt` (an attempt is
/// written with its job), named for who runs it.
///
/// Writes go through the queue's functions, which run with the owner's rights
/// and take an attempt's lease secret wherever they act on an attempt, so no
/// other role can write these tables by hand (their live definitions, with the
/// statements' shapes explained, are in `migrations/0010_least_privilege.sql`).
/// Reads are plain SELECTs.
///
/// Lock order: job rows before their attempt rows, and job rows in id order.
/// Statements that wait for many jobs' locks (the batched completion, the
/// release) take them first in id order (`ORDER BY id FOR UPDATE`), so two that
/// name the same jobs never wait on each other in a cycle. The heartbeat, the
/// claim and the rescuer take rows with SKIP LOCKED, in their own orders, so they
/// never wait for job rows at all.
enum JobQueries {
    /// The channel enqueues notify on; the payload is the queue name.
    static let channel = "benefit_jobs"

    // MARK: Enqueue (run by `benefit jobs enqueue` and by producers, often inside their own transactions)

    /// Inserts jobs, skipping any whose unique key is already held by a live job,
    /// and notifies each affected queue once. Returns the new ids in input order.
    ///
    /// The payloads travel as a `text[]` and become `jsonb` one element at a time:
    /// the array cast `text[]::jsonb[]` (or a `jsonb[]` literal) parses 50,000
    /// small payloads in about 120 ms, the element casts in about 20 ms. A field
    /// every job has the same (the queue and kind of a bulk enqueue, most often)
    /// travels once and is repeated by the server (``perJob(_:)``); when every
    /// field but the payload is shared, the jobs go in as alike
    /// (``insertAlike(_:payloads:)``).
    static func insert(_ jobs: [NewJob]) -> PostgresQuery {
        let payloads: PostgresQuery = uniform(jobs.map(\.payload)).map { "array_fill(\($0)::jsonb, ARRAY[\(jobs.count)::integer])" }
            ?? "ARRAY(SELECT p::jsonb FROM unnest(\(jobs.map(\.payload))::text[]) WITH ORDINALITY AS u(p, o) ORDER BY o)"
        if let template = alike(jobs) {
            return "SELECT id FROM \(subquery: insertAlike(template, payloads: payloads)) ORDER BY ordinal"
        }
        return """
            SELECT id FROM benefit.enqueue_jobs(
                \(subquery: perJob(jobs.map(\.queue))), \(subquery: perJob(jobs.map(\.kind))), \(subquery: payloads),
                \(subquery: perJob(jobs.map(\.priority))), \(subquery: perJob(jobs.map(\.runAt))),
                \(subquery: perJob(jobs.map(\.maxAttempts))), \(subquery: perJob(jobs.map(\.lease.wholeMilliseconds))),
                \(subquery: perJob(jobs.map(\.backoffInitial.wholeMilliseconds))), \(subquery: perJob(jobs.map(\.backoffMax.wholeMilliseconds))),
                \(subquery: perJob(jobs.map(\.uniqueKey))), \(subquery: perJob(jobs.map(\.group))),
                \(subquery: perJob(jobs.map(\.concurrency?.key))), \(subquery: perJob(jobs.map(\.concurrency?.limit))),
                \(subquery: perJob(jobs.map(\.timeout?.wholeMilliseconds))))
            ORDER BY ordinal
            """
    }

    /// Jobs that differ only in their payloads, none with a unique key, go in
    /// through `enqueue_jobs_alike` (migrations/0040_enqueue_jobs_alike.sql),
    /// which takes the shared fields once: the server unnests one array instead
    /// of thirteen (about 28 ms against 35 ms of server time for 5,000 jobs).
    /// `template`'s payload and unique key are not used; `payloads` is a
    /// `jsonb[]` expression. Yields `id, ordinal`.
    private static func insertAlike(_ template: NewJob, payloads: PostgresQuery) -> PostgresQuery {
        """
        benefit.enqueue_jobs_alike(
            \(template.queue)::text, \(template.kind)::text, \(template.priority)::bigint, \(template.runAt)::timestamptz,
            \(template.maxAttempts)::bigint, \(template.lease.wholeMilliseconds)::bigint,
            \(template.backoffInitial.wholeMilliseconds)::bigint, \(template.backoffMax.wholeMilliseconds)::bigint,
            \(template.group)::text, \(template.concurrency?.key)::text, \(template.concurrency?.limit)::bigint,
            \(template.timeout?.wholeMilliseconds)::bigint, \(subquery: payloads))
        """
    }

    /// The first job, when every job is like it but for the payload and none has a unique key.
    private static func alike(_ jobs: [NewJob]) -> NewJob? {
        guard let first = jobs.first, first.uniqueKey == nil else { return nil }
        return jobs.allSatisfy { $0.isAlike(first) } ? first : nil
    }

    /// One value per job, as `enqueue_jobs` takes them: an array parameter, or,
    /// when every job has the same value, that value once and `array_fill`, so
    /// that neither this process writes the array nor the server parses it (for
    /// 5,000 jobs, 14 arrays cost the server about 5 ms of a 33 ms statement).
    private static func perJob<Value: PostgresArrayElement & Equatable>(_ values: [Value]) -> PostgresQuery {
        guard let value = uniform(values) else { return "\(values)" }
        return "array_fill(\(value), ARRAY[\(values.count)::integer])"
    }

    /// The value every element has, if they all have the same one.
    private static func uniform<Value: Equatable>(_ values: [Value]) -> Value? {
        guard let first = values.first, values.allSatisfy({ $0 == first }) else { return nil }
        return first
    }

    /// The live job holding a unique key (run when an enqueue with that key inserted nothing).
    static func liveJob(uniqueKey: String) -> PostgresQuery {
        "SELECT id FROM benefit.job WHERE unique_key = \(uniqueKey) AND state IN ('available', 'running')"
    }

    /// Inserts one job per row of `rows`, a query of `payload jsonb, reference bigint`,
    /// each otherwise like `template` (but for its payload); returns each new id with
    /// its row's reference. The producer's way to fan out many jobs from its own
    /// tables in one statement: the rows are read with the producer's rights, and
    /// handed to `enqueue_jobs_alike` as one array.
    static func insertSelected(_ template: NewJob, rows: PostgresQuery) -> PostgresQuery {
        """
        WITH input AS MATERIALIZED (
            SELECT r.payload, r.reference, row_number() OVER () AS ordinal
            FROM (\(subquery: rows)) AS r(payload, reference)
        ), batch AS (
            SELECT coalesce(array_agg(payload ORDER BY ordinal), '{}') AS payloads FROM input
        )
        SELECT e.id, i.reference
        FROM batch, \(subquery: insertAlike(template, payloads: "batch.payloads")) e
        JOIN input i ON i.ordinal = e.ordinal
        ORDER BY e.id
        """
    }

    /// Inserts `count` copies of `job` (no unique key) in one statement, the copies
    /// made by the server; returns how many.
    static func insertCopies(_ job: NewJob, count: Int) -> PostgresQuery {
        let rows: PostgresQuery = "SELECT \(job.payload)::jsonb, g FROM generate_series(1, \(count)::bigint) AS g"
        return "SELECT count(*) FROM (\(subquery: insertSelected(job, rows: rows))) AS enqueued"
    }

    // MARK: Claim (run by workers)

    /// Claims up to `limit` available jobs from the given queues in one round trip:
    /// each gets a new lease token, a lease secret and an attempt row; each
    /// concurrency group stays within its limit across all workers. Each job comes
    /// with its timeout (`benefit.claim_jobs_with_timeouts`, 0035; workers of the
    /// release before call `claim_jobs` and `job_timeouts`, which stay until a
    /// later release drops them).
    ///
    /// Prepared (``PostgresQuery/prepared()``), as are the worker's statements
    /// below: parsing and planning the claim took 0.3 ms of its 0.8 ms in the
    /// server on an idle queue, on every pickup's way.
    ///
    /// A claim that is its transaction's first write commits without waiting for
    /// its flush (migrations/0034_claim_fast_path.sql), and so would anything
    /// written after it in that transaction: send the claim last, as
    /// `JobQueue.completeAndClaim` does.
    static func claim(queues: [String], limit: Int, worker: WorkerIdentity) -> PostgresQuery {
        let claim: PostgresQuery = """
        SELECT id, queue, kind, payload::text, attempt, max_attempts, lease_token, lease_secret, lease_ms,
               backoff_initial_ms, backoff_max_ms, group_key, timeout_ms
        FROM benefit.claim_jobs_with_timeouts(\(queues), \(limit)::integer, \(worker.name), \(worker.host), \(worker.pid)::integer)
        ORDER BY priority, run_at, id
        """
        return claim.prepared()
    }

    // MARK: Heartbeat, completion, failure and release (run by workers, each fenced on the attempts' leases)

    /// Extends the leases this worker still holds; a job missing from the result
    /// has lost its lease and its handler must stop.
    static func extendLeases(_ leases: [LeaseKey]) -> PostgresQuery {
        ("SELECT id, lease_token FROM benefit.extend_leases(\(leases.map(\.jobID)), \(tokens(leases)), \(secrets(leases)))" as PostgresQuery).prepared()
    }

    /// Completes attempts whose handlers wrote no effects, many per statement;
    /// returns each one's outcome (`succeeded`, or `fenced`).
    static func completeMany(_ leases: [LeaseKey]) -> PostgresQuery {
        ("SELECT lease_token, outcome FROM benefit.complete_jobs(\(leases.map(\.jobID)), \(tokens(leases)), \(secrets(leases)))" as PostgresQuery)
            .prepared()
    }

    /// First statement of a fenced commit: locks the job row and checks the lease; false when it was lost.
    static func openFencedCommit(_ lease: LeaseKey) -> PostgresQuery {
        ("SELECT benefit.open_fenced_commit(\(lease.jobID), \(lease.token.rawValue), \(lease.secret))" as PostgresQuery).prepared()
    }

    /// Last statement of a fenced commit, after the effects: the job and the attempt succeeded.
    static func closeFencedCommit(_ lease: LeaseKey) -> PostgresQuery {
        ("SELECT benefit.close_fenced_commit(\(lease.jobID), \(lease.token.rawValue), \(lease.secret))" as PostgresQuery).prepared()
    }

    /// How a failed attempt's job goes on (`fail_job`'s disposition).
    enum Disposition: String {
        /// Available again after the delay, or dead when its attempts are used up.
        case retry
        /// Dead at once.
        case dead
        /// Cancelled.
        case cancel
        /// As `retry`, the attempt recorded `timed_out`: its handler ran past the job's timeout.
        case timeout
    }

    /// A handler failed or ran past its timeout: the job retries after
    /// `delayMilliseconds`, dies, or is cancelled, as `disposition` says. Returns the
    /// attempt's outcome.
    static func fail(_ lease: LeaseKey, error: String, disposition: Disposition, delayMilliseconds: Int) -> PostgresQuery {
        let fail: PostgresQuery = """
            SELECT benefit.fail_job(\(lease.jobID), \(lease.token.rawValue), \(lease.secret), \(error), \(disposition.rawValue),
                                    \(delayMilliseconds))
            """
        return fail.prepared()
    }

    /// Graceful shutdown: gives jobs back without counting the attempt; returns the tokens given back.
    static func release(_ leases: [LeaseKey]) -> PostgresQuery {
        "SELECT benefit.release_jobs(\(leases.map(\.jobID)), \(tokens(leases)), \(secrets(leases)))"
    }

    private static func tokens(_ leases: [LeaseKey]) -> [Int64] { leases.map(\.token.rawValue) }
    private static func secrets(_ leases: [LeaseKey]) -> [UUID] { leases.map(\.secret) }

    // MARK: Rescue (run by the rescuer on every worker)

    /// Takes back up to `limit` jobs whose lease expired: available again, or dead
    /// when attempts are used up. Returns how many went each way.
    static func rescueExpired(limit: Int) -> PostgresQuery {
        "SELECT state, jobs FROM benefit.rescue_expired_jobs(\(limit)::integer)"
    }

    // MARK: Producers and operators

    /// Dead jobs back to available with fresh attempts, by id or by group; returns each with its group.
    static func retryDead(id: Int?, group: String?) -> PostgresQuery {
        "SELECT id, group_key FROM benefit.retry_dead_jobs(\(id)::bigint, \(group)::text)"
    }

    /// Cancels a group's jobs that have not started; returns how many.
    static func cancelAvailable(group: String) -> PostgresQuery {
        "SELECT benefit.cancel_job_group(\(group))"
    }

    /// Whether each group has a job that may still run, and one that died.
    static func groupStatus(_ groups: [String]) -> PostgresQuery {
        "SELECT group_key, has_live, has_dead FROM benefit.job_group_status(\(groups)::text[])"
    }

    /// Cancels a job that has not finished; a running one's worker is fenced out. Returns 1 or 0.
    static func cancel(id: Int) -> PostgresQuery {
        "SELECT benefit.cancel_job(\(id))"
    }

    /// A job's state (for operators' messages).
    static func state(id: Int) -> PostgresQuery {
        "SELECT state FROM benefit.job WHERE id = \(id)"
    }

    /// The dead-letter list, newest first, perhaps of one group (run by `benefit jobs dead`).
    static func dead(group: String?, limit: Int) -> PostgresQuery {
        """
        SELECT id, queue, kind, group_key, attempt, last_error, finished_at FROM benefit.job
        WHERE state = 'dead' AND (\(group)::text IS NULL OR group_key = \(group))
        ORDER BY finished_at DESC, id DESC LIMIT \(limit)
        """
    }

    /// Run by `benefit queues pause`, after the pause: the queue's jobs still running (they finish).
    static func running(queue: String) -> PostgresQuery {
        "SELECT count(*) FROM benefit.job WHERE state = 'running' AND queue = \(queue)"
    }

    // MARK: Statistics (run by benchmarks)

    static func stateCounts(queue: String) -> PostgresQuery {
        "SELECT state, count(*) FROM benefit.job WHERE queue = \(queue) GROUP BY state ORDER BY state"
    }

    /// Run by `benefit status` and the leading scheduler's ``QueueDepthSampler``
    /// (every 15 s by default): per queue, what is due, scheduled, running, dead and
    /// died in the last day, and the oldest due job's wait, by the database clock.
    /// One pass over the live and dead rows (their partial indexes); succeeded and
    /// cancelled jobs, which only accumulate, are not read.
    static let depths: PostgresQuery = """
        SELECT queue,
               count(*) FILTER (WHERE state = 'available' AND run_at <= now()),
               count(*) FILTER (WHERE state = 'available' AND run_at > now()),
               count(*) FILTER (WHERE state = 'running'),
               count(*) FILTER (WHERE state = 'dead'),
               count(*) FILTER (WHERE state = 'dead' AND finished_at > now() - interval '1 day'),
               extract(epoch FROM now() - min(run_at) FILTER (WHERE state = 'available' AND run_at <= now()))::float8
        FROM benefit.job
        WHERE state IN ('available', 'running', 'dead')
        GROUP BY queue
        ORDER BY queue
        """

    /// The first probe is an index scan of job_claim_idx; the second runs only once
    /// it is false (OR stops at the first true), near the end of a drain.
    static func hasLiveJobs(queue: String) -> PostgresQuery {
        """
        SELECT EXISTS (SELECT 1 FROM benefit.job WHERE queue = \(queue) AND state = 'available')
            OR EXISTS (SELECT 1 FROM benefit.job WHERE queue = \(queue) AND state = 'running')
        """
    }

    static func completionWindow(queue: String) -> PostgresQuery {
        """
        SELECT (SELECT count(*) FROM benefit.job WHERE queue = \(queue) AND state = 'succeeded'),
               extract(epoch FROM
                   (SELECT max(finished_at) FROM benefit.job WHERE queue = \(queue))
                   - (SELECT min(a.started_at) FROM benefit.job_attempt a JOIN benefit.job j ON j.id = a.job_id
                      WHERE j.queue = \(queue)))::float8
        """
    }

    static func pickupLatencies(jobs: [Int]) -> PostgresQuery {
        """
        SELECT extract(epoch FROM a.started_at - j.created_at)::float8 * 1000
        FROM benefit.job j JOIN benefit.job_attempt a ON a.job_id = j.id AND a.attempt = 1
        WHERE j.id = ANY (\(jobs)::bigint[])
        """
    }
}

// MARK: Retention (run by `benefit jobs prune` and by the leading `benefit scheduler`)

extension JobQueries {
    /// Deletes one bounded chunk of jobs finished more than `olderThan` ago, with
    /// their attempts; with `dryRun`, counts all that would go and deletes nothing.
    static func prune(olderThan: Duration, limit: Int, dryRun: Bool) -> PostgresQuery {
        """
        SELECT jobs, attempts, finished_before
        FROM benefit.prune_jobs(\(olderThan.wholeMilliseconds)::bigint * interval '1 millisecond', \(limit)::integer, \(dryRun))
        """
    }

    /// Drops the attempts' monthly partitions that ended more than `olderThan`
    /// ago (0019); with `dryRun`, lists them and drops nothing. One row per partition.
    static func dropAttemptPartitions(olderThan: Duration, dryRun: Bool) -> PostgresQuery {
        """
        SELECT partition, attempts
        FROM benefit.drop_attempt_partitions(\(olderThan.wholeMilliseconds)::bigint * interval '1 millisecond', \(dryRun))
        """
    }

    /// Makes the attempts' partitions for this month and the next `months` that are missing; returns their names.
    static func extendAttemptPartitions(months: Int) -> PostgresQuery {
        "SELECT benefit.extend_attempt_partitions(\(months)::integer)"
    }
}
