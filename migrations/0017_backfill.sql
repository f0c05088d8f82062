-- 0017 backfill: `benefit campaign backfill NAME --from T1 --to T2` creates the
-- runs of a campaign's past fire times that have none (docs/campaigns.md,
-- Backfill). Its runs say so: trigger 'backfill', besides the scheduler's
-- 'schedule' and 'catch-up' and `campaign trigger`'s 'manual'.
--
-- Widening the list: every row already passes, and the run table holds one
-- row per fire time, so checking it again under the table lock is quick.
--
-- No `compatible-from`: an earlier release reading a run whose trigger is
-- 'backfill' does not know the word (and 0016, in the same release, already
-- asks every host to run this release first).

ALTER TABLE benefit.run DROP CONSTRAINT run_trigger_check;
ALTER TABLE benefit.run ADD CONSTRAINT run_trigger_check
    CHECK (trigger IN ('schedule', 'manual', 'catch-up', 'backfill'));
