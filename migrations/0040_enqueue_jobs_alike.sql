-- 0040 jobs alike but for their payloads are enqueued from one template.
-- compatible-from: 0039 (a new function; enqueue_jobs keeps its signature, its rights and what it returns)
--
-- A bulk enqueue is nearly always jobs that differ only in their payloads: a
-- run's batches, a fan-out from a query, copies. enqueue_jobs takes every field
-- as an array and unnests thirteen of them, which the server stores row by row
-- before the insert reads them back; with them, its RETURN QUERY and the
-- notify's DISTINCT, it spent about 35 ms on 5,000 such jobs against 24 ms for a
-- plain INSERT of as many rows (BENCHMARKS.md, 2026-12-07). enqueue_jobs_alike
-- takes the shared fields once and only the payloads as an array: about 28 ms.
--
-- It inserts in input order, so the identity hands out increasing ids in that
-- order and a row's ordinal is its id's rank among them (as 0033's branch
-- without keys). No unique key: a key is one live job's, never shared. The
-- queue is notified once, when anything was inserted, delivered at commit.
-- Same rights and settings as enqueue_jobs (0010, 0016, 0029).
CREATE FUNCTION benefit.enqueue_jobs_alike(
    p_queue text, p_kind text, p_priority bigint, p_run_at timestamptz, p_max_attempts bigint, p_lease_ms bigint,
    p_backoff_initial_ms bigint, p_backoff_max_ms bigint, p_group_key text, p_concurrency_key text,
    p_concurrency_limit bigint, p_timeout_ms bigint, p_payload jsonb[])
RETURNS TABLE (id bigint, ordinal bigint)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp SET jit = off
AS $$
BEGIN
    IF p_concurrency_key IS NOT NULL AND cardinality(p_payload) > 0 THEN
        INSERT INTO benefit.job_concurrency_group (key) VALUES (p_concurrency_key) ON CONFLICT (key) DO NOTHING;
    END IF;
    RETURN QUERY
    WITH inserted AS (
        INSERT INTO benefit.job (queue, kind, payload, priority, run_at, max_attempts, lease_ms,
                                 backoff_initial_ms, backoff_max_ms, group_key, concurrency_key, concurrency_limit,
                                 timeout_ms)
        SELECT p_queue, p_kind, i.payload, p_priority, coalesce(p_run_at, now()), p_max_attempts, p_lease_ms,
               p_backoff_initial_ms, p_backoff_max_ms, p_group_key, p_concurrency_key, p_concurrency_limit, p_timeout_ms
        FROM unnest(p_payload) WITH ORDINALITY AS i(payload, ordinal)
        ORDER BY i.ordinal
        RETURNING benefit.job.id
    )
    SELECT x.id, row_number() OVER (ORDER BY x.id) FROM inserted x
    ORDER BY x.id;
    IF FOUND THEN
        PERFORM pg_notify('benefit_jobs', p_queue);
    END IF;
END
$$;

REVOKE ALL ON FUNCTION benefit.enqueue_jobs_alike(text, text, bigint, timestamptz, bigint, bigint, bigint, bigint, text, text,
                                                  bigint, bigint, jsonb[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION benefit.enqueue_jobs_alike(text, text, bigint, timestamptz, bigint, bigint, bigint, bigint, text, text,
                                                     bigint, bigint, jsonb[])
    TO benefit_worker, benefit_operator;
