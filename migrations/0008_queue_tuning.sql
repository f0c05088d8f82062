-- 0008 queue tuning: what measurement on the queue benchmark changed after 0002
-- was released. 0002 stays as it was applied; these changes come on top.
--
-- 1. Job names are checked on every insert and update of a row. A pattern with
--    bounded repetition ({0,62}) makes PostgreSQL's regex engine build a large
--    automaton on each match (several µs a row); `*` plus a length check is the
--    same rule.
ALTER TABLE benefit.job
    DROP CONSTRAINT job_queue_check,
    ADD CONSTRAINT job_queue_check CHECK (queue ~ '^[a-z0-9][a-z0-9_.-]*$' AND length(queue) <= 63),
    DROP CONSTRAINT job_kind_check,
    ADD CONSTRAINT job_kind_check CHECK (kind ~ '^[a-z0-9][a-z0-9_.:-]*$' AND length(kind) <= 127);

-- 2. A campaign's running jobs, counted against its concurrency limit. Only jobs
--    of a campaign get an entry: without `campaign_id IS NOT NULL` every claim of
--    any job would add a NULL entry (a job's updates are never HOT: `state` is in
--    the predicates, so each new row version gets an entry in every index it matches).
DROP INDEX benefit.job_campaign_running_idx;
CREATE INDEX job_campaign_running_idx ON benefit.job (campaign_id) WHERE state = 'running' AND campaign_id IS NOT NULL;

-- 3. claim_jobs, restated. Its behaviour is 0002's: limited campaigns first, one
--    at a time under a transaction-level advisory lock, their running count taken
--    after the lock in a fresh snapshot (plpgsql takes one per statement); then
--    the rest in (priority, run_at, id) order; rows other workers hold are skipped
--    (SKIP LOCKED), never waited for. What changes:
--
--    - Its statements are planned once per session (force_generic_plan), not at
--      every call: with a LIMIT parameter PostgreSQL otherwise re-plans them each
--      time, about as costly as claiming ten jobs. A generic plan is kept until
--      the table's statistics change, so it must be right at any table size:
--      every access is an index lookup (the claim indexes in claim order, the
--      primary key for the update, `id = ANY (...)` rather than a join), and
--      enable_seqscan is off so that a plan made while the table was empty never
--      scans it whole once it is full.
--    - The advisory key was the campaign id cast to integer, which fails for ids
--      past 2^31. It is now the id modulo 2^31: two campaigns 2^31 ids apart share
--      a lock, which only makes their claims wait on each other, never breaks a limit.
--    - The claim (new lease token, attempt row) is written once: both branches only
--      choose and lock job ids, and one statement at the end claims them all. The
--      limit still holds: the advisory locks are held until commit, so another
--      claimer counts this call's jobs only once they are running.
CREATE OR REPLACE FUNCTION benefit.claim_jobs(p_queues text[], p_limit integer, p_worker text, p_host text, p_pid integer)
RETURNS SETOF benefit.job
LANGUAGE plpgsql
SET plan_cache_mode = force_generic_plan
SET enable_seqscan = off
AS $$
DECLARE
    v_campaign  bigint;
    v_free      integer;
    v_remaining integer := p_limit;
    v_chosen    bigint[];
    v_ids       bigint[] := '{}';
BEGIN
    FOR v_campaign IN
        SELECT DISTINCT j.campaign_id FROM benefit.job j
        WHERE j.state = 'available' AND j.concurrency_limit IS NOT NULL AND j.queue = ANY (p_queues) AND j.run_at <= now()
    LOOP
        EXIT WHEN v_remaining <= 0;
        PERFORM pg_advisory_xact_lock(1650814565, (v_campaign % 2147483648)::integer);
        SELECT min(j.concurrency_limit) - (SELECT count(*) FROM benefit.job r WHERE r.campaign_id = v_campaign AND r.state = 'running')
        INTO v_free
        FROM benefit.job j WHERE j.campaign_id = v_campaign AND j.state = 'available' AND j.concurrency_limit IS NOT NULL;
        CONTINUE WHEN coalesce(v_free, 0) <= 0;
        v_chosen := ARRAY(
            SELECT j.id FROM benefit.job j
            WHERE j.campaign_id = v_campaign AND j.state = 'available' AND j.concurrency_limit IS NOT NULL
              AND j.queue = ANY (p_queues) AND j.run_at <= now()
            ORDER BY j.priority, j.run_at, j.id
            LIMIT least(v_free, v_remaining)
            FOR UPDATE SKIP LOCKED);
        v_ids := v_ids || v_chosen;
        v_remaining := v_remaining - cardinality(v_chosen);
    END LOOP;

    IF v_remaining > 0 THEN
        -- Each queue is one range scan of job_claim_idx in claim order.
        v_ids := v_ids || ARRAY(
            SELECT c.id FROM unnest(p_queues) AS q(name)
            CROSS JOIN LATERAL (
                SELECT j.id, j.priority, j.run_at FROM benefit.job j
                WHERE j.state = 'available' AND j.concurrency_limit IS NULL AND j.queue = q.name AND j.run_at <= now()
                ORDER BY j.priority, j.run_at, j.id
                LIMIT v_remaining
                FOR UPDATE SKIP LOCKED
            ) c
            ORDER BY c.priority, c.run_at, c.id
            LIMIT v_remaining);
    END IF;

    RETURN QUERY
    WITH claimed AS (
        UPDATE benefit.job j
        SET state = 'running', attempt = j.attempt + 1, lease_token = nextval('benefit.lease_token_seq'),
            lease_expires_at = now() + j.lease_ms * interval '1 millisecond'
        WHERE j.id = ANY (v_ids)
        RETURNING j.*
    ), attempts AS (
        INSERT INTO benefit.job_attempt (lease_token, job_id, attempt, worker, host, pid, started_at)
        SELECT c.lease_token, c.id, c.attempt, p_worker, p_host, p_pid, clock_timestamp() FROM claimed c
    )
    SELECT * FROM claimed;
END
$$;
