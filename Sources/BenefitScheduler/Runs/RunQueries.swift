import BenefitCore
import BenefitQueue
import Foundation
import PostgresClient

/// The statements on `benefit.run`, named for who runs them.
enum RunQueries {
    /// Run by the finisher: every running run (or a cancel-requested pending one)
    /// with no job left to run gets its final state.
    static func finishDone(runID: Int?) -> PostgresQuery {
        """
        WITH done AS (
            SELECT r.id FROM benefit.run r
            WHERE (r.state = 'running' OR (r.state = 'pending' AND r.cancel_requested))
              AND (\(runID)::bigint IS NULL OR r.id = \(runID))
              AND NOT EXISTS (
                  SELECT 1 FROM benefit.job j WHERE j.run_id = r.id AND j.state IN ('available', 'running'))
            FOR UPDATE SKIP LOCKED
        )
        UPDATE benefit.run r
        SET state = CASE
                WHEN r.cancel_requested THEN 'cancelled'
                WHEN EXISTS (SELECT 1 FROM benefit.job j WHERE j.run_id = r.id AND j.state = 'dead') THEN 'failed'
                ELSE 'succeeded' END,
            finished_at = now()
        FROM done WHERE r.id = done.id
        RETURNING r.id, r.state
        """
    }

    /// Run by `benefit runs cancel`: no new batch starts; running ones end; the
    /// finisher then marks the run cancelled.
    static func cancel(runID: Int) -> PostgresQuery {
        """
        WITH requested AS (
            UPDATE benefit.run SET cancel_requested = true
            WHERE id = \(runID) AND state IN ('pending', 'running')
            RETURNING id
        ), stopped AS (
            UPDATE benefit.job SET state = 'cancelled', finished_at = now()
            WHERE run_id IN (SELECT id FROM requested) AND state = 'available'
            RETURNING id
        )
        SELECT (SELECT count(*) FROM requested), (SELECT count(*) FROM stopped),
               (SELECT state FROM benefit.run WHERE id = \(runID))
        """
    }

    /// Run by the scheduler and `campaign trigger`: one run per campaign and fire time.
    static func create(campaignID: Int, revision: Int, fireTime: Date, trigger: RunTrigger, cycle: String) -> PostgresQuery {
        """
        INSERT INTO benefit.run (campaign_id, campaign_revision, fire_time, trigger, cycle)
        VALUES (\(campaignID), \(revision), \(fireTime), \(trigger.rawValue), \(cycle))
        ON CONFLICT (campaign_id, fire_time) DO NOTHING
        RETURNING id
        """
    }

    /// Run by the scheduler each tick, per campaign: locks the campaign row, so two
    /// schedulers that both think they lead handle one campaign one after the
    /// other, the second seeing the first's `scheduled_through`.
    static func lockCampaign(id: Int) -> PostgresQuery {
        "\(subquery: CampaignQueries.record) WHERE id = \(id) FOR UPDATE"
    }

    /// Run by the scheduler after creating a tick's runs, in the same transaction.
    static func advance(campaignID: Int, through: Date) -> PostgresQuery {
        "UPDATE benefit.campaign SET scheduled_through = greatest(scheduled_through, \(through)) WHERE id = \(campaignID)"
    }

    /// Run by the scheduler: are any of the campaign's runs still going?
    static func activeCount(campaignID: Int) -> PostgresQuery {
        "SELECT count(*) FROM benefit.run WHERE campaign_id = \(campaignID) AND state IN ('pending', 'running')"
    }

    /// Run by the scheduler for `overlap: queue`: the oldest queued run (pending, no
    /// jobs yet), if no other run of the campaign is going.
    static func nextQueued(campaignID: Int) -> PostgresQuery {
        """
        SELECT r.id FROM benefit.run r
        WHERE r.campaign_id = \(campaignID) AND r.state = 'pending' AND NOT r.cancel_requested
          AND NOT EXISTS (SELECT 1 FROM benefit.job j WHERE j.run_id = r.id)
          AND NOT EXISTS (
              SELECT 1 FROM benefit.run o
              WHERE o.campaign_id = r.campaign_id AND o.id <> r.id
                AND (o.state = 'running' OR (o.state = 'pending' AND EXISTS (SELECT 1 FROM benefit.job j WHERE j.run_id = o.id))))
        ORDER BY r.fire_time LIMIT 1
        """
    }

    /// Run by the scheduler each tick: campaigns to look at.
    static let activeCampaigns: PostgresQuery = "\(subquery: CampaignQueries.record) WHERE NOT paused ORDER BY id"

    /// Run by planning and batch jobs: the run, its campaign and the revision it fires.
    static func context(runID: Int) -> PostgresQuery {
        """
        SELECT r.id, r.campaign_id, c.name, r.fire_time, r.cycle, r.cancel_requested, rv.definition::text
        FROM benefit.run r
        JOIN benefit.campaign c ON c.id = r.campaign_id
        JOIN benefit.campaign_revision rv ON rv.campaign_id = r.campaign_id AND rv.revision = r.campaign_revision
        WHERE r.id = \(runID)
        """
    }

    /// Run by the planning job, in its fenced commit: cuts the population into
    /// batch jobs of `batchSize` members by rank, and marks the run running with
    /// its totals. One statement, however large the population.
    static func fanOut(run: RunContext, population: PostgresQuery, campaignID: Int) -> PostgresQuery {
        let execution = run.definition.execution
        return """
            WITH population AS (
                SELECT p.member_id, p.rank FROM (\(subquery: population)) AS p(member_id, rank)
            ), batches AS (
                SELECT (rank - 1) / \(execution.batchSize) AS batch, array_agg(member_id ORDER BY rank) AS members,
                       min(rank) AS first_rank, count(*) AS n
                FROM population GROUP BY 1
            ), inserted AS (
                INSERT INTO benefit.job (queue, kind, payload, priority, max_attempts, lease_ms, backoff_initial_ms,
                                         backoff_max_ms, run_id, campaign_id, concurrency_limit, members)
                SELECT \(execution.queue), \(RunLauncher.batchKind),
                       jsonb_build_object('run', \(run.runID)::bigint, 'firstRank', first_rank, 'members', to_jsonb(members)),
                       \(execution.priority), \(execution.maxAttempts), \(execution.lease.wholeMilliseconds),
                       \(execution.backoffInitial.wholeMilliseconds), \(execution.backoffMax.wholeMilliseconds),
                       \(run.runID), \(campaignID), \(execution.concurrency), n
                FROM batches ORDER BY batch
                RETURNING members
            ), notified AS (
                SELECT pg_notify(\(JobQueue.notificationChannel), \(execution.queue)) WHERE EXISTS (SELECT 1 FROM inserted)
            )
            UPDATE benefit.run
            SET state = 'running', started_at = coalesce(started_at, now()),
                batches_total = (SELECT count(*) FROM inserted),
                members_total = (SELECT coalesce(sum(members), 0) FROM inserted)
            FROM (SELECT count(*) FROM notified) n
            WHERE id = \(run.runID)
            RETURNING batches_total, members_total
            """
    }

    /// Run by a batch job in its fenced commit: what the batch did.
    static func recordBatch(jobID: Int, members: Int, amount: Decimal?) -> PostgresQuery {
        "UPDATE benefit.job SET members = \(members), result_amount = \(amount) WHERE id = \(jobID)"
    }
}
