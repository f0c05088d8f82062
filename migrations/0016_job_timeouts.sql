-- 0016 job timeouts: a job may carry a timeout, how long one attempt's handler
-- may run. The worker stops a handler that runs past it and writes the attempt's
-- end as `timed_out`: the job retries after its backoff like a failure, or is
-- dead when its attempts are used up. The write moves the job row on (a new
-- state, no lease token), so whatever the stopped handler still tries to commit
-- is fenced, and the worker's slot and the job's concurrency group slot are free
-- at once, whether or not the handler has returned.
--
-- 1. benefit.job.timeout_ms: NULL (no timeout, as before) or 100 ms to a day.
-- 2. The attempt outcome `timed_out`.
-- 3. enqueue_jobs takes the timeouts, one more array; 0010's form is dropped.
-- 4. fail_job takes the disposition 'timeout'.
-- 5. job_timeouts: the timeouts of the jobs a claim just returned.
--
-- No `compatible-from`: a release of 0015 calls the enqueue_jobs this drops and
-- cannot read the outcome `timed_out`, so every host runs this release before
-- it is applied (docs/operations.md, Upgrading hosts one at a time).

-- 1. As a lease, from 100 ms (what `benefit jobs enqueue --timeout` accepts) to a day.
ALTER TABLE benefit.job ADD COLUMN timeout_ms integer CHECK (timeout_ms BETWEEN 100 AND 86400000);

-- 2. Widening the set: every existing row passes.
ALTER TABLE benefit.job_attempt
    DROP CONSTRAINT job_attempt_outcome_check,
    ADD CONSTRAINT job_attempt_outcome_check
        CHECK (outcome IN ('running', 'succeeded', 'retry', 'dead', 'lease_expired', 'released', 'fenced', 'cancelled',
                           'timed_out'));

-- 3. 0010's enqueue, with p_timeout_ms (NULL elements: no timeout).
DROP FUNCTION benefit.enqueue_jobs(text[], text[], jsonb[], bigint[], timestamptz[], bigint[], bigint[], bigint[], bigint[],
                                   text[], text[], text[], bigint[]);
CREATE FUNCTION benefit.enqueue_jobs(
    p_queue text[], p_kind text[], p_payload jsonb[], p_priority bigint[], p_run_at timestamptz[],
    p_max_attempts bigint[], p_lease_ms bigint[], p_backoff_initial_ms bigint[], p_backoff_max_ms bigint[],
    p_unique_key text[], p_group_key text[], p_concurrency_key text[], p_concurrency_limit bigint[], p_timeout_ms bigint[])
RETURNS TABLE (id bigint, ordinal bigint)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM unnest(p_concurrency_key) AS k WHERE k IS NOT NULL) THEN
        INSERT INTO benefit.job_concurrency_group (key)
        SELECT DISTINCT k FROM unnest(p_concurrency_key) AS k WHERE k IS NOT NULL
        ON CONFLICT (key) DO NOTHING;
    END IF;
    IF EXISTS (SELECT 1 FROM unnest(p_unique_key) AS k WHERE k IS NOT NULL) THEN
        -- Keyed jobs: one that a live job's key already holds is skipped.
        RETURN QUERY
        WITH input AS MATERIALIZED (
            SELECT nextval('benefit.job_id_seq'::regclass) AS id, i.*
            FROM unnest(p_queue, p_kind, p_payload, p_priority, p_run_at, p_max_attempts, p_lease_ms,
                        p_backoff_initial_ms, p_backoff_max_ms, p_unique_key, p_group_key, p_concurrency_key,
                        p_concurrency_limit, p_timeout_ms)
                 WITH ORDINALITY AS i(queue, kind, payload, priority, run_at, max_attempts, lease_ms, backoff_initial_ms,
                                      backoff_max_ms, unique_key, group_key, concurrency_key, concurrency_limit, timeout_ms,
                                      ordinal)
        ), inserted AS (
            INSERT INTO benefit.job (id, queue, kind, payload, priority, run_at, max_attempts, lease_ms,
                                     backoff_initial_ms, backoff_max_ms, unique_key, group_key, concurrency_key, concurrency_limit,
                                     timeout_ms)
            OVERRIDING SYSTEM VALUE
            SELECT i.id, i.queue, i.kind, i.payload, i.priority, coalesce(i.run_at, now()), i.max_attempts, i.lease_ms,
                   i.backoff_initial_ms, i.backoff_max_ms, i.unique_key, i.group_key, i.concurrency_key, i.concurrency_limit,
                   i.timeout_ms
            FROM input i ORDER BY i.ordinal
            ON CONFLICT (unique_key) WHERE unique_key IS NOT NULL AND state IN ('available', 'running') DO NOTHING
            RETURNING benefit.job.id, benefit.job.queue
        ), notified AS (
            SELECT pg_notify('benefit_jobs', q.queue) FROM (SELECT DISTINCT queue FROM inserted) q
        )
        SELECT i.id, i.ordinal FROM input i JOIN inserted USING (id), (SELECT count(*) FROM notified) n
        ORDER BY i.ordinal;
    ELSE
        -- No keys (a bulk load, a fan-out): every row goes in, without the
        -- speculative insertion an ON CONFLICT costs per row.
        RETURN QUERY
        WITH input AS MATERIALIZED (
            SELECT nextval('benefit.job_id_seq'::regclass) AS id, i.*
            FROM unnest(p_queue, p_kind, p_payload, p_priority, p_run_at, p_max_attempts, p_lease_ms,
                        p_backoff_initial_ms, p_backoff_max_ms, p_group_key, p_concurrency_key, p_concurrency_limit,
                        p_timeout_ms)
                 WITH ORDINALITY AS i(queue, kind, payload, priority, run_at, max_attempts, lease_ms, backoff_initial_ms,
                                      backoff_max_ms, group_key, concurrency_key, concurrency_limit, timeout_ms, ordinal)
        ), inserted AS (
            INSERT INTO benefit.job (id, queue, kind, payload, priority, run_at, max_attempts, lease_ms,
                                     backoff_initial_ms, backoff_max_ms, group_key, concurrency_key, concurrency_limit,
                                     timeout_ms)
            OVERRIDING SYSTEM VALUE
            SELECT i.id, i.queue, i.kind, i.payload, i.priority, coalesce(i.run_at, now()), i.max_attempts, i.lease_ms,
                   i.backoff_initial_ms, i.backoff_max_ms, i.group_key, i.concurrency_key, i.concurrency_limit, i.timeout_ms
            FROM input i ORDER BY i.ordinal
        ), notified AS (
            SELECT pg_notify('benefit_jobs', q.queue) FROM (SELECT DISTINCT i.queue FROM input i) q
        )
        SELECT i.id, i.ordinal FROM input i, (SELECT count(*) FROM notified) n
        ORDER BY i.ordinal;
    END IF;
END
$$;

-- 4. 0010's fail_job, with the disposition 'timeout': the worker stopped a
-- handler that ran past the job's timeout. The job goes on as after a retryable
-- failure (available after the delay, or dead on its last attempt), and the
-- attempt is recorded `timed_out` either way. Returns the attempt's outcome, or
-- 'fenced' when the job had moved on (an operator's cancel, a rescue).
CREATE OR REPLACE FUNCTION benefit.fail_job(
    p_id bigint, p_token bigint, p_secret uuid, p_error text, p_disposition text, p_delay_ms bigint)
RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
SET plan_cache_mode = force_generic_plan
SET enable_seqscan = off
AS $$
DECLARE
    v_outcome text;
BEGIN
    IF p_disposition NOT IN ('retry', 'dead', 'cancel', 'timeout') THEN
        RAISE EXCEPTION 'fail_job: disposition must be retry, dead, cancel or timeout, not %', p_disposition
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM benefit.held_attempts(ARRAY[p_token], ARRAY[p_secret])) THEN
        RETURN 'fenced';
    END IF;
    WITH moment AS MATERIALIZED (
        SELECT clock_timestamp() AS at
    ), decided AS (
        SELECT CASE WHEN p_disposition = 'cancel' THEN 'cancelled'
                    WHEN p_disposition IN ('retry', 'timeout') AND j.attempt < j.max_attempts THEN 'available'
                    ELSE 'dead' END AS state
        FROM benefit.job j WHERE j.id = p_id
    ), failed AS (
        UPDATE benefit.job j
        SET state = d.state,
            run_at = CASE WHEN d.state = 'available'
                          THEN (SELECT at FROM moment) + p_delay_ms * interval '1 millisecond' ELSE j.run_at END,
            finished_at = CASE WHEN d.state = 'available' THEN NULL ELSE now() END,
            last_error = p_error, lease_token = NULL, lease_expires_at = NULL
        FROM decided d
        WHERE j.id = p_id AND j.lease_token = p_token AND j.state = 'running'
        RETURNING j.state, j.run_at
    )
    UPDATE benefit.job_attempt a
    SET outcome = coalesce((SELECT CASE WHEN p_disposition = 'timeout' THEN 'timed_out'
                                        WHEN f.state = 'available' THEN 'retry'
                                        ELSE f.state END
                            FROM failed f), 'fenced'),
        finished_at = coalesce(a.finished_at, (SELECT at FROM moment)), error = p_error,
        retry_at = (SELECT f.run_at FROM failed f WHERE f.state = 'available')
    WHERE a.lease_token = p_token AND a.outcome IN ('running', 'lease_expired')
    RETURNING a.outcome INTO v_outcome;
    RETURN coalesce(v_outcome, 'fenced');
END
$$;

-- 5. Run by workers in their claim statement (JobQueries.claim), on the ids
-- claim_jobs returned: which of them carry a timeout. claim_jobs' result has no
-- such column, and a join in the claim statement cannot add it: that statement's
-- snapshot is taken before claim_jobs runs, so a job enqueued in between, which
-- claim_jobs (a new snapshot per statement) can claim, would be missing from it.
-- This function is VOLATILE and plpgsql, so its query takes a snapshot of its
-- own, after the claim. When claim_jobs is next redefined it can return
-- timeout_ms itself, and this function go.
CREATE FUNCTION benefit.job_timeouts(p_ids bigint[])
RETURNS TABLE (id bigint, timeout_ms integer)
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp
SET plan_cache_mode = force_generic_plan
SET enable_seqscan = off
AS $$
BEGIN
    RETURN QUERY
    SELECT j.id, j.timeout_ms FROM benefit.job j WHERE j.id = ANY (p_ids) AND j.timeout_ms IS NOT NULL;
END
$$;

REVOKE ALL ON FUNCTION benefit.enqueue_jobs(text[], text[], jsonb[], bigint[], timestamptz[], bigint[], bigint[], bigint[],
                                            bigint[], text[], text[], text[], bigint[], bigint[]),
    benefit.job_timeouts(bigint[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION benefit.enqueue_jobs(text[], text[], jsonb[], bigint[], timestamptz[], bigint[], bigint[], bigint[],
                                               bigint[], text[], text[], text[], bigint[], bigint[])
    TO benefit_worker, benefit_operator;
GRANT EXECUTE ON FUNCTION benefit.job_timeouts(bigint[]) TO benefit_worker;
