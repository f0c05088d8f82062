import BenefitCore
import Foundation
import PostgresClient

/// Every statement on `benefit.job` and `benefit.job_attempt`, named for who runs it.
///
/// Lock order: job rows before their attempt rows, and job rows in id order.
/// Statements that wait for many jobs' locks take them first in a CTE ordered by
/// id (`ORDER BY id FOR UPDATE`), so a worker's heartbeat and its batched
/// completion, which can name the same jobs, never wait on each other in a
/// cycle. The claim and the rescuer lock in their own orders (priority, lease
/// expiry) but with SKIP LOCKED, so they never wait at all.
enum JobQueries {
    /// The channel enqueues notify on; the payload is the queue name.
    static let channel = "benefit_jobs"

    // MARK: Enqueue (run by `benefit jobs enqueue` and by producers, often inside their own transactions)

    /// Inserts jobs given as parallel arrays, skipping any whose unique key is
    /// already held by a live job, and notifies each affected queue once. Returns
    /// the new ids in input order.
    static func insert(_ jobs: [NewJob]) -> PostgresQuery {
        """
        WITH input AS (
            SELECT * FROM unnest(
                \(jobs.map(\.queue)), \(jobs.map(\.kind)), \(jobs.map(\.payload))::jsonb[], \(jobs.map(\.priority)),
                \(jobs.map(\.runAt)), \(jobs.map(\.maxAttempts)), \(jobs.map(\.lease.wholeMilliseconds)),
                \(jobs.map(\.backoffInitial.wholeMilliseconds)), \(jobs.map(\.backoffMax.wholeMilliseconds)),
                \(jobs.map(\.uniqueKey)), \(jobs.map(\.group)), \(jobs.map(\.concurrency?.key)), \(jobs.map(\.concurrency?.limit))
            ) WITH ORDINALITY AS i(queue, kind, payload, priority, run_at, max_attempts, lease_ms,
                                   backoff_initial_ms, backoff_max_ms, unique_key, group_key, concurrency_key,
                                   concurrency_limit, position)
        ), inserted AS (
            INSERT INTO benefit.job (queue, kind, payload, priority, run_at, max_attempts, lease_ms,
                                     backoff_initial_ms, backoff_max_ms, unique_key, group_key, concurrency_key, concurrency_limit)
            SELECT queue, kind, payload, priority, coalesce(run_at, now()), max_attempts, lease_ms,
                   backoff_initial_ms, backoff_max_ms, unique_key, group_key, concurrency_key, concurrency_limit
            FROM input ORDER BY position
            ON CONFLICT (unique_key) WHERE unique_key IS NOT NULL AND state IN ('available', 'running') DO NOTHING
            RETURNING id, queue
        ), notified AS (
            \(subquery: notifyEachQueue(of: "inserted"))
        )
        SELECT id FROM inserted, (SELECT count(*) FROM notified) n ORDER BY id
        """
    }

    /// The live job holding a unique key (run when an enqueue with that key inserted nothing).
    static func liveJob(uniqueKey: String) -> PostgresQuery {
        "SELECT id FROM benefit.job WHERE unique_key = \(uniqueKey) AND state IN ('available', 'running')"
    }

    /// The COPY that bulk enqueue streams rows into (no unique keys on that path).
    static let copyJobs: PostgresQuery = """
        COPY benefit.job (queue, kind, payload, priority, run_at, max_attempts, lease_ms,
                          backoff_initial_ms, backoff_max_ms, group_key, concurrency_key, concurrency_limit) FROM STDIN
        """

    /// Inserts one job per row of `rows`, a query of `payload jsonb, reference bigint`,
    /// each otherwise like `template` (but for its payload), and notifies the queue
    /// once if any was inserted; returns each new id with its row's reference. The
    /// producer's way to fan out many jobs from its own tables in one statement.
    /// Each row's id is drawn beside its reference, so the pairing does not rest
    /// on the order an INSERT draws identities in.
    static func insertSelected(_ template: NewJob, rows: PostgresQuery) -> PostgresQuery {
        """
        WITH input AS MATERIALIZED (
            SELECT nextval(pg_get_serial_sequence('benefit.job', 'id')) AS id, r.payload, r.reference
            FROM (\(subquery: rows)) AS r(payload, reference)
        ), inserted AS (
            INSERT INTO benefit.job (id, queue, kind, payload, priority, run_at, max_attempts, lease_ms, backoff_initial_ms,
                                     backoff_max_ms, group_key, concurrency_key, concurrency_limit)
            OVERRIDING SYSTEM VALUE
            SELECT id, \(template.queue), \(template.kind), payload, \(template.priority), coalesce(\(template.runAt), now()),
                   \(template.maxAttempts), \(template.lease.wholeMilliseconds), \(template.backoffInitial.wholeMilliseconds),
                   \(template.backoffMax.wholeMilliseconds), \(template.group), \(template.concurrency?.key),
                   \(template.concurrency?.limit)
            FROM input ORDER BY id
            RETURNING id
        ), notified AS (
            SELECT pg_notify(\(channel), \(template.queue)) WHERE EXISTS (SELECT 1 FROM inserted)
        )
        SELECT i.id, i.reference FROM input i JOIN inserted USING (id), (SELECT count(*) FROM notified) x
        ORDER BY i.id
        """
    }

    /// One `pg_notify` per distinct queue among `rows`, an earlier CTE with a
    /// `queue` column. Statements put it in a CTE named `notified` and read
    /// `(SELECT count(*) FROM notified)`: a CTE nothing reads never runs.
    static func notifyEachQueue(of rows: String) -> PostgresQuery {
        "SELECT pg_notify(\(channel), queue) FROM (SELECT DISTINCT queue FROM \(identifier: rows)) q"
    }

    /// Sent after a bulk COPY, in the same transaction: delivered at commit.
    static func notify(queues: [String]) -> PostgresQuery {
        "SELECT pg_notify(\(channel), q) FROM unnest(\(queues)) AS q"
    }

    // MARK: Claim (run by workers)

    /// Claims up to `limit` available jobs from the given queues in one round trip:
    /// each gets a new lease token and an attempt row. The work is done by
    /// `benefit.claim_jobs` (live definition: migrations/0009_generic_queue.sql), which
    /// also keeps each concurrency group within its limit across all workers.
    static func claim(queues: [String], limit: Int, worker: WorkerIdentity) -> PostgresQuery {
        """
        SELECT id, queue, kind, payload::text, attempt, max_attempts, lease_token, lease_ms, backoff_initial_ms,
               backoff_max_ms, group_key
        FROM benefit.claim_jobs(\(queues), \(limit)::integer, \(worker.name), \(worker.host), \(worker.pid)::integer)
        ORDER BY priority, run_at, id
        """
    }

    // MARK: Heartbeat (run by workers)

    /// Extends the leases of jobs this worker still holds; a job missing from the
    /// result has lost its lease and its handler must stop. Rows locked by someone
    /// else are skipped, not waited for: the worker's own fenced commits (which it
    /// leaves out of the heartbeat anyway), a rescuer taking an expired lease, an
    /// operator cancelling, none of which should stall every other job's heartbeat.
    static func extendLeases(ids: [Int], tokens: [Int64]) -> PostgresQuery {
        """
        WITH held AS (
            SELECT j.id FROM benefit.job j
            JOIN unnest(\(ids), \(tokens)) AS h(id, token) ON j.id = h.id AND j.lease_token = h.token
            WHERE j.state = 'running'
            ORDER BY j.id
            FOR UPDATE OF j SKIP LOCKED
        )
        UPDATE benefit.job j SET lease_expires_at = now() + j.lease_ms * interval '1 millisecond'
        FROM held WHERE j.id = held.id
        RETURNING j.id, j.lease_token
        """
    }

    // MARK: Completion (run by workers)

    /// Completes jobs whose handlers wrote no effects, many per statement. The
    /// fence is in the WHERE clause: only rows still carrying the attempt's token
    /// change. Attempts whose job moved on are recorded as fenced. Returns each token's outcome.
    ///
    /// Shaped for the busiest statement there is (one per batch of finished jobs):
    /// - jobs are found by primary key and matched on `lease_token = ANY`: tokens are
    ///   never reused, so a job carrying one of them is the job it was issued for, and
    ///   no join with the (id, token) pairs is needed;
    /// - no `state = 'running'` test: a job carries a lease token only while running
    ///   (a CHECK says so), and the test would let the planner read the whole of
    ///   `job_lease_idx`, whose dead entries pile up between vacuums on a busy queue;
    /// - attempts are found by their primary key, the token.
    static func completeMany(ids: [Int], tokens: [Int64]) -> PostgresQuery {
        """
        WITH finished AS (
            UPDATE benefit.job j
            SET state = 'succeeded', finished_at = now(), lease_token = NULL, lease_expires_at = NULL
            FROM (
                SELECT id, lease_token FROM benefit.job
                WHERE id = ANY (\(ids)) AND lease_token = ANY (\(tokens))
                ORDER BY id
                FOR UPDATE
            ) locked
            WHERE j.id = locked.id
            RETURNING locked.lease_token AS token
        )
        UPDATE benefit.job_attempt a
        SET outcome = CASE WHEN a.lease_token IN (SELECT token FROM finished) THEN 'succeeded' ELSE 'fenced' END,
            finished_at = coalesce(a.finished_at, clock_timestamp()),
            error = CASE WHEN a.lease_token NOT IN (SELECT token FROM finished)
                         THEN coalesce(a.error, 'lease lost before completion') END
        WHERE a.lease_token = ANY (\(tokens)) AND a.outcome IN ('running', 'lease_expired')
        RETURNING a.lease_token, a.outcome
        """
    }

    /// First statement of a fenced commit: locks the job row, then the caller
    /// compares the token before writing anything.
    static func lockForCommit(id: Int) -> PostgresQuery {
        "SELECT lease_token, state FROM benefit.job WHERE id = \(id) FOR UPDATE"
    }

    /// Last statements of a fenced commit, after the effects.
    static func markSucceeded(id: Int, token: Int64) -> PostgresQuery {
        """
        WITH finished AS (
            UPDATE benefit.job SET state = 'succeeded', finished_at = now(), lease_token = NULL, lease_expires_at = NULL
            WHERE id = \(id) AND lease_token = \(token)
            RETURNING id
        )
        UPDATE benefit.job_attempt SET outcome = 'succeeded', finished_at = clock_timestamp()
        WHERE lease_token = \(token) AND EXISTS (SELECT 1 FROM finished)
        """
    }

    /// Records that an attempt tried to commit after losing its lease.
    static func markFenced(token: Int64) -> PostgresQuery {
        """
        UPDATE benefit.job_attempt
        SET outcome = 'fenced', finished_at = coalesce(finished_at, clock_timestamp()),
            error = coalesce(error, 'lease lost before commit: effects rolled back')
        WHERE lease_token = \(token) AND outcome IN ('running', 'lease_expired')
        """
    }

    // MARK: Failure and release (run by workers)

    /// A handler failed: back to available after `delayMilliseconds`, or dead when
    /// the error is permanent or attempts are used up, or cancelled when its work is
    /// no longer wanted. Fenced like a completion.
    ///
    /// One clock reading (`moment`) is both the attempt's end and the start of its
    /// backoff, so `retry_at - finished_at` is exactly the delay drawn. (Read twice,
    /// the readings would come in the target table's column order, not the SET
    /// list's: the attempt's end first, then the job's update, which a busy machine
    /// can delay by milliseconds.)
    static func fail(id: Int, token: Int64, error: String, failure: Lease.Failure, delayMilliseconds: Int) -> PostgresQuery {
        let disposition = switch failure {
        case .retryable: "retry"
        case .permanent: "dead"
        case .cancelled: "cancel"
        }
        return """
        WITH moment AS MATERIALIZED (
            SELECT clock_timestamp() AS at
        ), decided AS (
            SELECT CASE WHEN \(disposition) = 'cancel' THEN 'cancelled'
                        WHEN \(disposition) = 'retry' AND j.attempt < j.max_attempts THEN 'available'
                        ELSE 'dead' END AS state
            FROM benefit.job j WHERE j.id = \(id)
        ), failed AS (
            UPDATE benefit.job
            SET state = d.state,
                run_at = CASE WHEN d.state = 'available'
                              THEN (SELECT at FROM moment) + \(delayMilliseconds) * interval '1 millisecond' ELSE run_at END,
                finished_at = CASE WHEN d.state = 'available' THEN NULL ELSE now() END,
                last_error = \(error), lease_token = NULL, lease_expires_at = NULL
            FROM decided d
            WHERE id = \(id) AND lease_token = \(token) AND benefit.job.state = 'running'
            RETURNING benefit.job.state, run_at
        )
        UPDATE benefit.job_attempt
        SET outcome = coalesce((SELECT CASE state WHEN 'available' THEN 'retry' ELSE state END FROM failed), 'fenced'),
            finished_at = coalesce(finished_at, (SELECT at FROM moment)), error = \(error),
            retry_at = (SELECT run_at FROM failed WHERE state = 'available')
        WHERE lease_token = \(token) AND outcome IN ('running', 'lease_expired')
        RETURNING outcome
        """
    }

    /// Graceful shutdown: gives jobs back without counting the attempt.
    static func release(ids: [Int], tokens: [Int64]) -> PostgresQuery {
        """
        WITH locked AS (
            SELECT j.id, g.token FROM benefit.job j
            JOIN unnest(\(ids), \(tokens)) AS g(id, token) ON j.id = g.id AND j.lease_token = g.token
            WHERE j.state = 'running'
            ORDER BY j.id
            FOR UPDATE OF j
        ), released AS (
            UPDATE benefit.job j
            SET state = 'available', attempt = j.attempt - 1, run_at = now(), lease_token = NULL, lease_expires_at = NULL
            FROM locked WHERE j.id = locked.id
            RETURNING locked.token, j.queue
        ), notified AS (
            \(subquery: notifyEachQueue(of: "released"))
        )
        UPDATE benefit.job_attempt a
        SET outcome = 'released', finished_at = clock_timestamp(), error = 'released at worker shutdown'
        FROM released r, (SELECT count(*) FROM notified) n
        WHERE a.lease_token = r.token
        RETURNING a.lease_token
        """
    }

    // MARK: Rescue (run by the rescuer on every worker)

    /// Takes back up to `limit` jobs whose lease expired: available again, or dead
    /// when attempts are used up; their attempts are recorded as lease_expired.
    /// SKIP LOCKED lets several rescuers run at once without waiting on each other.
    static func rescueExpired(limit: Int) -> PostgresQuery {
        """
        WITH expired AS (
            SELECT id, lease_token FROM benefit.job
            WHERE state = 'running' AND lease_expires_at < now()
            ORDER BY lease_expires_at
            LIMIT \(limit)
            FOR UPDATE SKIP LOCKED
        ), rescued AS (
            UPDATE benefit.job j
            SET state = CASE WHEN j.attempt >= j.max_attempts THEN 'dead' ELSE 'available' END,
                finished_at = CASE WHEN j.attempt >= j.max_attempts THEN now() END,
                run_at = now(),
                last_error = 'lease expired: the worker stopped heartbeating',
                lease_token = NULL, lease_expires_at = NULL
            FROM expired WHERE j.id = expired.id
            RETURNING j.id, j.state, j.queue, expired.lease_token AS token
        ), available AS (
            SELECT queue FROM rescued WHERE state = 'available'
        ), notified AS (
            \(subquery: notifyEachQueue(of: "available"))
        ), attempts AS (
            UPDATE benefit.job_attempt a
            SET outcome = 'lease_expired', finished_at = clock_timestamp(), error = 'lease expired: the worker stopped heartbeating'
            FROM rescued r WHERE a.lease_token = r.token AND a.outcome = 'running'
        )
        SELECT r.state, count(*) FROM rescued r, (SELECT count(*) FROM notified) n GROUP BY r.state
        """
    }

    // MARK: Operators (run by `benefit jobs ...`)

    /// Dead jobs back to available with fresh attempts, by id or by group; returns each with its group.
    static func retryDead(id: Int?, group: String?) -> PostgresQuery {
        """
        WITH retried AS (
            UPDATE benefit.job SET state = 'available', attempt = 0, run_at = now(), finished_at = NULL
            WHERE state = 'dead' AND (id = \(id) OR group_key = \(group))
            RETURNING id, queue, group_key
        ), notified AS (
            \(subquery: notifyEachQueue(of: "retried"))
        )
        SELECT id, group_key FROM retried, (SELECT count(*) FROM notified) n ORDER BY id
        """
    }

    /// Cancels a group's jobs that have not started; running ones finish as they will.
    static func cancelAvailable(group: String) -> PostgresQuery {
        """
        WITH cancelled AS (
            UPDATE benefit.job SET state = 'cancelled', finished_at = now()
            WHERE group_key = \(group) AND state = 'available'
            RETURNING id
        )
        SELECT count(*) FROM cancelled
        """
    }

    /// Whether each group has a job that may still run, and one that died: two
    /// probes of `job_group_idx` per group, however many jobs it has.
    static func groupStatus(_ groups: [String]) -> PostgresQuery {
        """
        SELECT g.key,
               EXISTS (SELECT 1 FROM benefit.job j WHERE j.group_key = g.key AND j.state IN ('available', 'running')),
               EXISTS (SELECT 1 FROM benefit.job j WHERE j.group_key = g.key AND j.state = 'dead')
        FROM unnest(\(groups)::text[]) AS g(key)
        """
    }

    /// Cancels a job that has not finished; a running one's worker is fenced out.
    static func cancel(id: Int) -> PostgresQuery {
        """
        WITH cancelled AS (
            UPDATE benefit.job j SET state = 'cancelled', finished_at = now(), lease_token = NULL, lease_expires_at = NULL
            FROM (SELECT id, lease_token FROM benefit.job WHERE id = \(id) FOR UPDATE) old
            WHERE j.id = old.id AND j.state IN ('available', 'running')
            RETURNING old.lease_token
        ), attempts AS (
            UPDATE benefit.job_attempt SET outcome = 'fenced', finished_at = clock_timestamp(), error = 'cancelled by an operator while running'
            WHERE lease_token = (SELECT lease_token FROM cancelled) AND outcome = 'running'
        )
        SELECT count(*) FROM cancelled
        """
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

    // MARK: Statistics (run by benchmarks)

    static func stateCounts(queue: String) -> PostgresQuery {
        "SELECT state, count(*) FROM benefit.job WHERE queue = \(queue) GROUP BY state ORDER BY state"
    }

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

    static func pickupLatencies(queue: String) -> PostgresQuery {
        """
        SELECT extract(epoch FROM a.started_at - j.created_at)::float8 * 1000
        FROM benefit.job j JOIN benefit.job_attempt a ON a.job_id = j.id AND a.attempt = 1
        WHERE j.queue = \(queue)
        """
    }
}
