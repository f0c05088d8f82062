import Foundation
import PostgresClient

/// The statements on `benefit.run_batch`: a run's batches, their members, and what each did.
enum RunBatchQueries {
    /// Run by the planning job, in its fenced commit: cuts the population (a query
    /// of `member_id, rank`) into batches of `batchSize` members by rank. One
    /// statement, however large the population; the roster never leaves the
    /// server. Returns how many members the batches hold.
    static func plan(runID: Int, population: PostgresQuery, batchSize: Int) -> PostgresQuery {
        """
        WITH planned AS (
            INSERT INTO benefit.run_batch (run_id, batch, first_rank, member_ids, members)
            SELECT \(runID), (p.rank - 1) / \(batchSize) + 1, min(p.rank), array_agg(p.member_id ORDER BY p.rank), count(*)
            FROM (\(subquery: population)) AS p(member_id, rank)
            GROUP BY 2
            ORDER BY 2
            RETURNING members
        )
        SELECT coalesce(sum(members), 0)::bigint FROM planned
        """
    }

    /// Run by the planning job: one row per batch for the queue's fan-out, the
    /// batch's payload and its number as the reference.
    static func payloads(runID: Int) -> PostgresQuery {
        """
        SELECT jsonb_build_object('run', run_id, 'batch', batch), batch::bigint
        FROM benefit.run_batch WHERE run_id = \(runID) ORDER BY batch
        """
    }

    /// Run by the planning job once the queue has its batches: each batch's job.
    static func attachJobs(runID: Int, batches: [Int], jobIDs: [Int]) -> PostgresQuery {
        """
        UPDATE benefit.run_batch b SET job_id = j.job_id
        FROM unnest(\(batches)::integer[], \(jobIDs)::bigint[]) AS j(batch, job_id)
        WHERE b.run_id = \(runID) AND b.batch = j.batch
        """
    }

    /// Run by a batch job in its fenced commit: the batch's members, by rank.
    static func members(runID: Int, batch: Int) -> PostgresQuery {
        "SELECT first_rank, member_ids FROM benefit.run_batch WHERE run_id = \(runID) AND batch = \(batch)"
    }

    /// Run by a batch job in its fenced commit, after its effects: what it did.
    static func recordDone(runID: Int, batch: Int, members: Int, amount: Decimal?) -> PostgresQuery {
        """
        UPDATE benefit.run_batch SET done_at = now(), members_done = \(members), amount = \(amount)
        WHERE run_id = \(runID) AND batch = \(batch)
        """
    }
}
