-- 0037 a waitlist entry is marked served by key probes, however big the waitlist.
-- compatible-from: 0036 (the same rows are marked served; only how the statement is planned changes)
--
-- When a batch grants (0023) or places (0024) members, a statement trigger marks
-- those members' waitlist entries of the cycle served. Its UPDATE joined the
-- batch's rows to benefit.waitlist_entry, planned once per session and then
-- cached. A session that planned it while the cycle's waitlist was small kept a
-- hash join over a sequential scan of the whole waitlist, and ran it for every
-- later batch that granted or placed anyone. Batches in member order (0038)
-- each place a few members beside a growing waitlist: a recuperation run of
-- 1,000,000 members took 57 s with the cached plan, 19 s with this one
-- (BENCHMARKS.md, 2026-12-06). A second run of a cycle, which places members
-- beside the first run's waitlist, could meet the same plan.
--
-- The UPDATE is now planned at each call (EXECUTE of a constant statement), from
-- the table's size then, and only as a nested loop: for each granted or placed
-- member, one probe of the waitlist's primary key (campaign_id, cycle,
-- member_id). Hash and merge joins would read the whole waitlist; with them off
-- and the waitlist's size known, the planner drives the loop from the batch's
-- rows. One function now serves both triggers (the two were the same), with the
-- owner's rights as before: no login may mark a waitlist entry served by hand.
CREATE FUNCTION benefit.effect_serves_waitlist() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
SET enable_hashjoin = off
SET enable_mergejoin = off
AS $$
BEGIN
    EXECUTE 'UPDATE benefit.waitlist_entry w
             SET served_at = now(), served_run_id = n.run_id
             FROM inserted n
             WHERE w.campaign_id = n.campaign_id AND w.cycle = n.cycle AND w.member_id = n.member_id AND w.served_at IS NULL';
    RETURN NULL;
END
$$;
REVOKE ALL ON FUNCTION benefit.effect_serves_waitlist() FROM PUBLIC;

DROP TRIGGER grant_serves_waitlist ON benefit.grant;
DROP TRIGGER allocation_serves_waitlist ON benefit.allocation;
CREATE TRIGGER grant_serves_waitlist AFTER INSERT ON benefit.grant
    REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION benefit.effect_serves_waitlist();
CREATE TRIGGER allocation_serves_waitlist AFTER INSERT ON benefit.allocation
    REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION benefit.effect_serves_waitlist();
DROP FUNCTION benefit.grant_serves_waitlist(), benefit.allocation_serves_waitlist();
