import BenefitCore
import Foundation
import PostgresClient

/// The statements on `benefit.run`, named for who runs them.
enum RunQueries {
    /// Run by the finisher: locks the runs that may be done (running; pending with
    /// a cancel asked, or with a planning job that may have died), skipping those
    /// another finisher or an operator holds.
    static func lockUnfinished(runIDs: [Int]?) -> PostgresQuery {
        """
        SELECT id, cancel_requested FROM benefit.run
        WHERE (state = 'running' OR (state = 'pending' AND (cancel_requested OR plan_job_id IS NOT NULL)))
          AND (\(runIDs)::bigint[] IS NULL OR id = ANY (\(runIDs)::bigint[]))
        ORDER BY id
        FOR UPDATE SKIP LOCKED
        """
    }

    /// Run by the finisher, in the transaction that locked them: the runs' final states.
    static func finish(runIDs: [Int], states: [String]) -> PostgresQuery {
        """
        UPDATE benefit.run r SET state = f.state, finished_at = now()
        FROM unnest(\(runIDs)::bigint[], \(states)::text[]) AS f(id, state)
        WHERE r.id = f.id
        """
    }

    /// Run by `benefit runs cancel`: asks the run to stop; returns whether it took and the state it was in.
    static func requestCancel(runID: Int) -> PostgresQuery {
        """
        WITH requested AS (
            UPDATE benefit.run SET cancel_requested = true
            WHERE id = \(runID) AND state IN ('pending', 'running')
            RETURNING id
        )
        SELECT (SELECT count(*) FROM requested), (SELECT state FROM benefit.run WHERE id = \(runID))
        """
    }

    /// Run by an operator's retry, before the queue puts a run's dead jobs back: the
    /// finisher waits for this lock, or skips the run, so it cannot end the run on
    /// what it read before the retry.
    static func lock(runID: Int) -> PostgresQuery {
        "SELECT state FROM benefit.run WHERE id = \(runID) FOR UPDATE"
    }

    /// Run by an operator's retry, after the queue put the run's dead jobs back: a
    /// failed run goes on, and the finisher ends it again.
    ///
    /// A running run is matched too, though it stays running: the update takes its
    /// row lock, so a finisher pass that already holds it (having read the dead job
    /// before the retry) is waited for, and the row it then writes, `failed`, is
    /// matched again and reopened; a pass that comes later skips the locked row.
    /// A pending run whose planning job died is reopened as pending.
    static func reopen(runIDs: [Int]) -> PostgresQuery {
        """
        UPDATE benefit.run
        SET state = CASE WHEN started_at IS NULL THEN 'pending' ELSE 'running' END, finished_at = NULL
        WHERE id = ANY (\(runIDs)::bigint[]) AND state IN ('failed', 'running', 'pending')
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

    /// Run by the scheduler: are any of the campaign's runs still going?
    static func activeCount(campaignID: Int) -> PostgresQuery {
        "SELECT count(*) FROM benefit.run WHERE campaign_id = \(campaignID) AND state IN ('pending', 'running')"
    }

    /// Run by the scheduler for `overlap: queue`: the oldest queued run (pending, not
    /// started: no planning job yet), if no other run of the campaign is going.
    static func nextQueued(campaignID: Int) -> PostgresQuery {
        """
        SELECT r.id FROM benefit.run r
        WHERE r.campaign_id = \(campaignID) AND r.state = 'pending' AND NOT r.cancel_requested AND r.plan_job_id IS NULL
          AND NOT EXISTS (
              SELECT 1 FROM benefit.run o
              WHERE o.campaign_id = r.campaign_id AND o.id <> r.id
                AND (o.state = 'running' OR (o.state = 'pending' AND o.plan_job_id IS NOT NULL)))
        ORDER BY r.fire_time LIMIT 1
        """
    }

    /// Run by the scheduler and `campaign trigger`, with the enqueue of the run's planning job.
    static func recordPlanJob(runID: Int, jobID: Int) -> PostgresQuery {
        "UPDATE benefit.run SET plan_job_id = \(jobID) WHERE id = \(runID)"
    }

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

    /// Run by the planning job, in its fenced commit, once its batches are on the queue.
    static func markPlanned(runID: Int) -> PostgresQuery {
        """
        UPDATE benefit.run r
        SET state = 'running', started_at = coalesce(r.started_at, now()), batches_total = b.batches, members_total = b.members
        FROM (SELECT count(*) AS batches, coalesce(sum(members), 0) AS members FROM benefit.run_batch WHERE run_id = \(runID)) b
        WHERE r.id = \(runID)
        RETURNING r.batches_total, r.members_total
        """
    }
}
