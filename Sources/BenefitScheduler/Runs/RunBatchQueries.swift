import Foundation
import PostgresClient

/// The statements on `benefit.run_batch`: a run's batches, their members, and what each did.
enum RunBatchQueries {
    /// Run by the planning job, in its fenced commit: cuts the population (a query
    /// of `member_id, rank`) into batches of `batchSize` members in member order
    /// ("C"), each member's rank kept beside it (`ranks`, 0038). One statement,
    /// however large the population; the roster never leaves the server. Returns
    /// how many members the batches hold.
    ///
    /// Member order, not rank order: ranks follow a program's priorities, which
    /// scatter over the member numbers, so a batch of consecutive ranks wrote its
    /// effect rows onto as many leaf pages of every member-keyed index as it had
    /// members, and read as many scattered roster rows. A batch of consecutive
    /// members writes a few neighbouring pages (BENCHMARKS.md, 2026-12-06). What a
    /// member gets is a function of their rank and the run's plan, whichever
    /// batch holds them.
    ///
    /// The two arrays are aggregated from the same rows, so `ranks[i]` is always
    /// the rank of `member_ids[i]`. They are in member order because the rows
    /// reach the aggregates sorted (an ORDER BY in each aggregate sorted every
    /// batch again, a second of the fan-out at 4,300,000 members); that order
    /// is for locality only, nothing reads it. The server compresses them with
    /// lz4 where it has it (migrations/0041_run_batch_lz4.sql).
    static func plan(runID: Int, population: PostgresQuery, batchSize: Int) -> PostgresQuery {
        """
        WITH planned AS (
            INSERT INTO benefit.run_batch (run_id, batch, ranks, member_ids, members)
            SELECT \(runID), s.batch, array_agg(s.rank), array_agg(s.member_id), count(*)
            FROM (
                SELECT p.member_id, p.rank, (row_number() OVER (ORDER BY p.member_id COLLATE "C") - 1) / \(batchSize) + 1 AS batch
                FROM (\(subquery: population)) AS p(member_id, rank)
                ORDER BY batch, p.member_id COLLATE "C"
            ) AS s
            GROUP BY s.batch
            ORDER BY s.batch
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

    /// Run by a batch job in its fenced commit: the batch's members and their
    /// ranks, in the same order. A batch planned before 0038 holds a range of
    /// ranks from its `first_rank`, spelled out here.
    static func members(runID: Int, batch: Int) -> PostgresQuery {
        """
        SELECT member_ids,
               coalesce(ranks, ARRAY(SELECT first_rank + i - 1 FROM generate_series(1, cardinality(member_ids)) AS i))
        FROM benefit.run_batch WHERE run_id = \(runID) AND batch = \(batch)
        """
    }

    /// Run by a batch job in its fenced commit, after its effects: what it did.
    static func recordDone(runID: Int, batch: Int, members: Int, amount: Decimal?) -> PostgresQuery {
        """
        UPDATE benefit.run_batch SET done_at = now(), members_done = \(members), amount = \(amount)
        WHERE run_id = \(runID) AND batch = \(batch)
        """
    }
}
