-- 0038 a run's batches hold their members in member order, each with its rank.
-- compatible-from: 0036 (an older worker reads a batch planned by a newer one as having no first rank: the attempt fails, writes nothing, and the job is retried until a newer worker takes it)
--
-- Batches were ranges of ranks: batch 1 held ranks 1 .. batchSize, and so on.
-- Ranks follow a program's priorities (a seeded draw, an org unit, a session),
-- which have nothing to do with member numbers, so each batch's thousand
-- effect rows landed on a thousand leaf pages of every member-keyed index
-- (each effect table's primary key and member index), and each batch read a
-- thousand scattered roster rows. Over 4,300,000 waitlist entries written a
-- thousand at a time in psql, 58 s in rank order against 26 s in member order
-- (BENCHMARKS.md, 2026-12-06). A member's effects do not depend on which batch
-- holds them: every program's seat, day or grant is a function of the rank and
-- the run's plan. So planners now cut the ranked population in member order
-- ("C") and keep each member's rank beside it: `ranks[i]` is the rank of
-- `member_ids[i]`. Batch numbers 1, 2, ... now follow member order too.
--
-- Batches planned by an older release keep `first_rank` (their ranks are
-- first_rank, first_rank + 1, ...) and no `ranks`; newer ones the other way
-- round. A worker of this release reads both. An older worker reads only
-- `first_rank`, finds it NULL and fails the attempt before writing anything:
-- it never takes a member's rank to be another's.
ALTER TABLE benefit.run_batch
    ADD COLUMN ranks bigint[],
    ALTER COLUMN first_rank DROP NOT NULL,
    ADD CONSTRAINT run_batch_ranks_or_first_rank CHECK (
        (first_rank IS NULL) <> (ranks IS NULL)
        AND (ranks IS NULL OR (cardinality(ranks) = cardinality(member_ids) AND array_position(ranks, NULL) IS NULL)));

COMMENT ON COLUMN benefit.run_batch.ranks IS
    'The rank of each member of member_ids, in the same order (batches planned since 0038; first_rank is then NULL).';
