-- 0035 a claim that returns its jobs' timeouts: benefit.claim_jobs_with_timeouts.
-- compatible-from: 0034 (claim_jobs and job_timeouts stay, for the release before)
--
-- A worker's claim statement called claim_jobs, then job_timeouts on the ids it
-- returned (0016 says why a join could not stand for it): a second function
-- call, with its own snapshot and an index probe, on every pickup's way. The
-- claim's update already holds each job's row, so it can return the timeout
-- itself. claim_jobs cannot: a release of 0034 reads its result by position,
-- and a function's result cannot change under CREATE OR REPLACE. So:
--
-- 1. The claim under a new name, 0034's body with one column more (timeout_ms);
--    workers of this release call it. Everything else is 0034's, and so is the
--    reasoning in its header: the asynchronous commit of a claim that is its
--    transaction's first write, and the test that stands for the steps that
--    would find nothing.
-- 2. claim_jobs, for workers of the release before, now calls it and leaves the
--    timeout out, so the claim is written once. It and job_timeouts go in a
--    later release (expand, then contract: docs/operations.md, Upgrading hosts
--    one at a time). The commit setting the new function makes outlasts both
--    functions' SET clauses, as it outlasted 0034's.
-- 1. The claim, returning each job's timeout.
CREATE FUNCTION benefit.claim_jobs_with_timeouts(p_queues text[], p_limit integer, p_worker text, p_host text, p_pid integer)
RETURNS TABLE (id bigint, queue text, kind text, payload jsonb, attempt integer, max_attempts integer,
               lease_token bigint, lease_secret uuid, lease_ms integer, backoff_initial_ms integer,
               backoff_max_ms integer, group_key text, timeout_ms integer, priority smallint, run_at timestamptz)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
SET plan_cache_mode = force_generic_plan
SET enable_seqscan = off
SET jit = off
AS $$
DECLARE
    v_queues    text[];
    v_held      text[];
    v_group     text;
    v_free      integer;
    v_remaining integer := p_limit;
    v_chosen    bigint[];
    v_ids       bigint[] := '{}';
BEGIN
    -- Not a SET clause: those end with the function, and this must last to the commit.
    IF pg_current_xact_id_if_assigned() IS NULL THEN
        PERFORM set_config('synchronous_commit', 'off', true);
    END IF;

    IF NOT EXISTS (SELECT 1 FROM benefit.queue_pause p WHERE p.queue = ANY (p_queues))
       AND NOT EXISTS (SELECT 1 FROM benefit.job_group_hold h)
       AND NOT EXISTS (SELECT 1 FROM benefit.job j
                       WHERE j.state = 'available' AND j.concurrency_key IS NOT NULL AND j.queue = ANY (p_queues)
                         AND j.run_at <= now()) THEN
        -- Nothing paused, nothing held, and the concurrency groups' pass would find nothing.
        v_queues := p_queues;
        v_held := '{}';
    ELSE
        v_queues := ARRAY(
            SELECT q.name FROM unnest(p_queues) AS q(name)
            WHERE NOT EXISTS (SELECT 1 FROM benefit.queue_pause p WHERE p.queue = q.name));
        IF cardinality(v_queues) = 0 THEN
            RETURN;
        END IF;
        v_held := ARRAY(SELECT h.group_key FROM benefit.job_group_hold h);

        FOR v_group IN
            SELECT DISTINCT j.concurrency_key FROM benefit.job j
            WHERE j.state = 'available' AND j.concurrency_key IS NOT NULL AND j.queue = ANY (v_queues) AND j.run_at <= now()
              AND (j.group_key IS NULL OR j.group_key <> ALL (v_held))
        LOOP
            EXIT WHEN v_remaining <= 0;
            PERFORM 1 FROM benefit.job_concurrency_group g WHERE g.key = v_group FOR UPDATE;
            IF NOT FOUND THEN
                -- A group enqueued before its row existed (jobs written by the owner by hand).
                INSERT INTO benefit.job_concurrency_group (key) VALUES (v_group) ON CONFLICT (key) DO NOTHING;
                PERFORM 1 FROM benefit.job_concurrency_group g WHERE g.key = v_group FOR UPDATE;
            END IF;
            SELECT min(j.concurrency_limit) - (SELECT count(*) FROM benefit.job r WHERE r.concurrency_key = v_group AND r.state = 'running')
            INTO v_free
            FROM benefit.job j WHERE j.concurrency_key = v_group AND j.state = 'available';
            CONTINUE WHEN coalesce(v_free, 0) <= 0;
            v_chosen := ARRAY(
                SELECT j.id FROM benefit.job j
                WHERE j.concurrency_key = v_group AND j.state = 'available' AND j.queue = ANY (v_queues) AND j.run_at <= now()
                  AND (j.group_key IS NULL OR j.group_key <> ALL (v_held))
                ORDER BY j.priority, j.run_at, j.id
                LIMIT least(v_free, v_remaining)
                FOR UPDATE SKIP LOCKED);
            v_ids := v_ids || v_chosen;
            v_remaining := v_remaining - cardinality(v_chosen);
        END LOOP;
    END IF;

    IF v_remaining > 0 THEN
        -- Each queue is one range scan of job_claim_idx in claim order.
        v_ids := v_ids || ARRAY(
            SELECT c.id FROM unnest(v_queues) AS q(name)
            CROSS JOIN LATERAL (
                SELECT j.id, j.priority, j.run_at FROM benefit.job j
                WHERE j.state = 'available' AND j.concurrency_key IS NULL AND j.queue = q.name AND j.run_at <= now()
                  AND (j.group_key IS NULL OR j.group_key <> ALL (v_held))
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
        INSERT INTO benefit.job_attempt (lease_token, job_id, attempt, worker, host, pid, started_at, lease_secret)
        SELECT c.lease_token, c.id, c.attempt, p_worker, p_host, p_pid, clock_timestamp(), gen_random_uuid() FROM claimed c
        RETURNING benefit.job_attempt.lease_token, benefit.job_attempt.lease_secret
    )
    SELECT c.id, c.queue, c.kind, c.payload, c.attempt, c.max_attempts, c.lease_token, a.lease_secret, c.lease_ms,
           c.backoff_initial_ms, c.backoff_max_ms, c.group_key, c.timeout_ms, c.priority, c.run_at
    FROM claimed c JOIN attempts a ON a.lease_token = c.lease_token;
END
$$;

-- 2. The release before's claim, through it. CREATE OR REPLACE replaces the
-- settings, so all are repeated; its grants stay.
CREATE OR REPLACE FUNCTION benefit.claim_jobs(p_queues text[], p_limit integer, p_worker text, p_host text, p_pid integer)
RETURNS TABLE (id bigint, queue text, kind text, payload jsonb, attempt integer, max_attempts integer,
               lease_token bigint, lease_secret uuid, lease_ms integer, backoff_initial_ms integer,
               backoff_max_ms integer, group_key text, priority smallint, run_at timestamptz)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
SET plan_cache_mode = force_generic_plan
SET enable_seqscan = off
SET jit = off
AS $$
BEGIN
    RETURN QUERY
    SELECT c.id, c.queue, c.kind, c.payload, c.attempt, c.max_attempts, c.lease_token, c.lease_secret, c.lease_ms,
           c.backoff_initial_ms, c.backoff_max_ms, c.group_key, c.priority, c.run_at
    FROM benefit.claim_jobs_with_timeouts(p_queues, p_limit, p_worker, p_host, p_pid) c;
END
$$;

REVOKE ALL ON FUNCTION benefit.claim_jobs_with_timeouts(text[], integer, text, text, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION benefit.claim_jobs_with_timeouts(text[], integer, text, text, integer) TO benefit_worker;
