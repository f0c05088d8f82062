import BenefitCore
import Foundation
import PostgresClient

/// The statements on `benefit.run`, named for who runs them.
enum RunQueries {
    /// Run by the finisher, every second and when a run's job ends: ends the runs
    /// (all, or those given) with no job left to run (`benefit.finish_runs`,
    /// migrations/0010_least_privilege.sql, which says how it locks).
    static func finish(runIDs: [Int]?) -> PostgresQuery {
        "SELECT run_id, state FROM benefit.finish_runs(\(runIDs)::bigint[])"
    }

    /// Run by `benefit runs cancel`: asks the run to stop and cancels its jobs that
    /// have not started. A row `(requested, stopped, state before)`, or none when there is no such run.
    static func requestCancel(runID: Int) -> PostgresQuery {
        "SELECT requested, stopped, state_before FROM benefit.request_run_cancel(\(runID))"
    }

    /// Run by `benefit jobs retry --run`: the run's dead jobs back, a failed run reopened.
    static func retry(runID: Int) -> PostgresQuery {
        "SELECT id, group_key FROM benefit.retry_run(\(runID))"
    }

    /// Run by `benefit jobs retry JOB`: a dead job back, the run it belongs to reopened.
    static func retry(jobID: Int) -> PostgresQuery {
        "SELECT id, group_key FROM benefit.retry_job(\(jobID))"
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

    /// Run by `campaign backfill`: the campaign's runs whose fire time is in `[from, before)`, `(fire_time, id)` by fire time.
    static func inRange(campaignID: Int, from: Date, before: Date) -> PostgresQuery {
        """
        SELECT fire_time, id FROM benefit.run
        WHERE campaign_id = \(campaignID) AND fire_time >= \(from) AND fire_time < \(before)
        ORDER BY fire_time
        """
    }

    /// Run by the scheduler and `campaign backfill`: are any of the campaign's runs still going?
    static func activeCount(campaignID: Int) -> PostgresQuery {
        "SELECT count(*) FROM benefit.run WHERE campaign_id = \(campaignID) AND state IN ('pending', 'running')"
    }

    /// Run by `campaign pause --hold-runs`, in the pause's transaction (the pause
    /// holds the campaign's row, so the scheduler adds no run meanwhile): the
    /// campaign's runs in progress.
    static func inProgress(campaign name: String) -> PostgresQuery {
        """
        SELECT r.id FROM benefit.run r JOIN benefit.campaign c ON c.id = r.campaign_id
        WHERE c.name = \(name) AND r.state IN ('pending', 'running')
        ORDER BY r.id
        """
    }

    /// Run by `campaign resume`: which of these runs are the campaign's.
    static func ofCampaign(_ name: String, among runIDs: [Int]) -> PostgresQuery {
        """
        SELECT r.id FROM benefit.run r JOIN benefit.campaign c ON c.id = r.campaign_id
        WHERE c.name = \(name) AND r.id = ANY (\(runIDs)::bigint[])
        ORDER BY r.id
        """
    }

    /// Run by the scheduler each tick: the campaigns with a queued run (pending, not
    /// started: no planning job yet, not cancelled), which it starts one at a time.
    /// Only runs still going are read (the partial index `run_active_idx`, 0003).
    static let campaignsWithQueuedRuns: PostgresQuery = """
        SELECT DISTINCT campaign_id FROM benefit.run
        WHERE state = 'pending' AND plan_job_id IS NULL AND NOT cancel_requested
        """

    /// Run by the scheduler for a campaign with queued runs (`overlap: queue`, or a
    /// backfill under `queue` or `skip`): the oldest queued run (pending, not
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

    /// Run by the planning job, in its fenced commit, once its batches are on the
    /// queue: the run is running, with its totals (`batches_total, members_total`).
    static func markPlanned(runID: Int) -> PostgresQuery {
        "SELECT batches_total, members_total FROM benefit.mark_run_planned(\(runID))"
    }
}
