-- 0010 least privilege: no role short of the owner can break an invariant by
-- hand-written SQL (a budget, a capacity, one effect per member and cycle, the
-- queue's and the runs' history), and a worker login can change only the jobs
-- whose lease it holds.
--
-- The roles (docs/sql.md holds the matrix of what each may do, and a test logs in
-- as each and checks it cell by cell):
--
--   owner             runs migrations; owns every object; the functions below run
--                     with its rights (SECURITY DEFINER)
--   benefit_operator  applies, pauses, resumes and triggers campaigns, imports the
--                     roster, cancels runs, retries and cancels jobs
--   benefit_worker    runs `benefit worker` and `benefit scheduler`
--   benefit_admin     reads the documented views
--
-- How the invariants are held:
--
-- 1. The queue's tables are written only by functions. A claim gives each attempt
--    a random lease secret besides its (guessable) token; every function that
--    extends, completes, fails or releases an attempt takes the secret, so a
--    login can act only on attempts it claimed. The secret is readable by no role
--    but the owner. The claim's concurrency groups are serialised by a row lock
--    on benefit.job_concurrency_group, which no other role can take (an advisory
--    lock could be taken by any login and stall every claim).
-- 2. A job's fenced commit is opened by benefit.open_fenced_commit(id, token,
--    secret), which locks the job row, checks the lease, and marks the
--    transaction as committing that job. Effects (grants, waitlist entries,
--    appointments, allocations, drill effects) and a run's plans and batch
--    records may be inserted only by a transaction committing the job they name
--    (row-level security, checked by benefit.fenced_commit_job()).
-- 3. Ledgers and capacities are opened by functions that read the budget,
--    hospitals' daily capacities and sessions' capacities from the campaign
--    revision the run fires, never from the caller; `spent`, `seats_taken` and
--    `places_taken` are kept by triggers that run with the owner's rights, from
--    the grants and plans inserted. No other role may insert, update or delete a
--    ledger row, or change a capacity or a counter.
-- 4. Runs change state only through functions: planned (by the transaction
--    committing its planning job), finished (from what the queue says of its
--    jobs), cancel asked, reopened by a retry. A new run is inserted pending
--    (the columns a caller may give are its campaign, revision, fire time,
--    trigger and cycle), and its planning job is recorded once.
--
-- Every function with the owner's rights pins its search_path (pg_catalog, then
-- pg_temp last, so no temporary object can stand in for one of ours) and names
-- every object of the schema with it. Those a worker calls for every batch of
-- jobs are planned once per session (force_generic_plan), each access an index
-- lookup (enable_seqscan off), as 0008 explains for claim_jobs: left to choose,
-- the plan cache sometimes settled on a generic plan that scanned the attempts,
-- and a worker's completions ran at a third of their speed.

-- Roles. Cluster-wide, created only if missing (see 0003).
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'benefit_operator') THEN
        BEGIN
            CREATE ROLE benefit_operator NOLOGIN;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN
            NULL;
        END;
    END IF;
END
$$;

-- Start from nothing: every grant below is deliberate.
REVOKE ALL ON ALL TABLES IN SCHEMA benefit FROM benefit_worker, benefit_admin, benefit_operator;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA benefit FROM benefit_worker, benefit_admin, benefit_operator;
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA benefit FROM PUBLIC, benefit_worker, benefit_admin, benefit_operator;
GRANT USAGE ON SCHEMA benefit TO benefit_worker, benefit_admin, benefit_operator;

------------------------------------------------------------------------------
-- The queue (Sources/BenefitQueue)
------------------------------------------------------------------------------

-- An attempt's secret: given to the claimer only; required to end or extend it.
-- Attempts from before this migration have none: their leases run out and the
-- rescuer takes them (stop every worker before migrating, as always).
ALTER TABLE benefit.job_attempt ADD COLUMN lease_secret uuid;

-- One row per concurrency group: what a claim locks to count a group's running
-- jobs and fill its free slots one claimer at a time.
CREATE TABLE benefit.job_concurrency_group (
    key        text        PRIMARY KEY CHECK (length(key) BETWEEN 1 AND 200),
    created_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO benefit.job_concurrency_group (key)
SELECT DISTINCT concurrency_key FROM benefit.job WHERE concurrency_key IS NOT NULL;

-- Enqueues jobs given as parallel arrays (one element per job), skipping any
-- whose unique key a live job holds, and notifies each queue it added to once.
-- Returns each new job's id with its place in the arrays (from 1). Ids are drawn
-- beside their places, so the pairing does not rest on the order an INSERT draws
-- identities in.
CREATE FUNCTION benefit.enqueue_jobs(
    p_queue text[], p_kind text[], p_payload jsonb[], p_priority bigint[], p_run_at timestamptz[],
    p_max_attempts bigint[], p_lease_ms bigint[], p_backoff_initial_ms bigint[], p_backoff_max_ms bigint[],
    p_unique_key text[], p_group_key text[], p_concurrency_key text[], p_concurrency_limit bigint[])
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
                        p_concurrency_limit)
                 WITH ORDINALITY AS i(queue, kind, payload, priority, run_at, max_attempts, lease_ms, backoff_initial_ms,
                                      backoff_max_ms, unique_key, group_key, concurrency_key, concurrency_limit, ordinal)
        ), inserted AS (
            INSERT INTO benefit.job (id, queue, kind, payload, priority, run_at, max_attempts, lease_ms,
                                     backoff_initial_ms, backoff_max_ms, unique_key, group_key, concurrency_key, concurrency_limit)
            OVERRIDING SYSTEM VALUE
            SELECT i.id, i.queue, i.kind, i.payload, i.priority, coalesce(i.run_at, now()), i.max_attempts, i.lease_ms,
                   i.backoff_initial_ms, i.backoff_max_ms, i.unique_key, i.group_key, i.concurrency_key, i.concurrency_limit
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
                        p_backoff_initial_ms, p_backoff_max_ms, p_group_key, p_concurrency_key, p_concurrency_limit)
                 WITH ORDINALITY AS i(queue, kind, payload, priority, run_at, max_attempts, lease_ms, backoff_initial_ms,
                                      backoff_max_ms, group_key, concurrency_key, concurrency_limit, ordinal)
        ), inserted AS (
            INSERT INTO benefit.job (id, queue, kind, payload, priority, run_at, max_attempts, lease_ms,
                                     backoff_initial_ms, backoff_max_ms, group_key, concurrency_key, concurrency_limit)
            OVERRIDING SYSTEM VALUE
            SELECT i.id, i.queue, i.kind, i.payload, i.priority, coalesce(i.run_at, now()), i.max_attempts, i.lease_ms,
                   i.backoff_initial_ms, i.backoff_max_ms, i.group_key, i.concurrency_key, i.concurrency_limit
            FROM input i ORDER BY i.ordinal
        ), notified AS (
            SELECT pg_notify('benefit_jobs', q.queue) FROM (SELECT DISTINCT i.queue FROM input i) q
        )
        SELECT i.id, i.ordinal FROM input i, (SELECT count(*) FROM notified) n
        ORDER BY i.ordinal;
    END IF;
END
$$;

-- Claims up to p_limit available jobs from p_queues for one worker: each gets a new
-- lease token, a random lease secret and an attempt row (0008's claim, with
-- concurrency groups in place of campaigns; 0009 dropped it).
-- Concurrency groups first, one at a time under the lock of the group's row,
-- their running jobs counted after the lock in a fresh snapshot (plpgsql takes
-- one per statement), so two claimers never fill one free slot twice; then the
-- rest in (priority, run_at, id) order. Job rows other workers hold are skipped
-- (SKIP LOCKED), never waited for.
CREATE FUNCTION benefit.claim_jobs(p_queues text[], p_limit integer, p_worker text, p_host text, p_pid integer)
RETURNS TABLE (id bigint, queue text, kind text, payload jsonb, attempt integer, max_attempts integer,
               lease_token bigint, lease_secret uuid, lease_ms integer, backoff_initial_ms integer,
               backoff_max_ms integer, group_key text, priority smallint, run_at timestamptz)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
SET plan_cache_mode = force_generic_plan
SET enable_seqscan = off
AS $$
DECLARE
    v_group     text;
    v_free      integer;
    v_remaining integer := p_limit;
    v_chosen    bigint[];
    v_ids       bigint[] := '{}';
BEGIN
    FOR v_group IN
        SELECT DISTINCT j.concurrency_key FROM benefit.job j
        WHERE j.state = 'available' AND j.concurrency_key IS NOT NULL AND j.queue = ANY (p_queues) AND j.run_at <= now()
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
            WHERE j.concurrency_key = v_group AND j.state = 'available' AND j.queue = ANY (p_queues) AND j.run_at <= now()
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
                WHERE j.state = 'available' AND j.concurrency_key IS NULL AND j.queue = q.name AND j.run_at <= now()
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
           c.backoff_initial_ms, c.backoff_max_ms, c.group_key, c.priority, c.run_at
    FROM claimed c JOIN attempts a ON a.lease_token = c.lease_token;
END
$$;

-- The attempts among (p_tokens, p_secrets) whose secret matches: what a caller
-- proves it holds. Every function below acts only on those.
CREATE FUNCTION benefit.held_attempts(p_tokens bigint[], p_secrets uuid[])
RETURNS TABLE (lease_token bigint)
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
SET plan_cache_mode = force_generic_plan
SET enable_seqscan = off
AS $$
BEGIN
    -- plpgsql, not sql: its plan is kept for the session instead of made at every call.
    RETURN QUERY
    SELECT a.lease_token FROM benefit.job_attempt a
    JOIN unnest(p_tokens, p_secrets) AS h(token, secret) ON a.lease_token = h.token AND a.lease_secret = h.secret;
END
$$;

-- The heartbeat: extends the leases the caller holds and still carries; a job
-- missing from the result has lost its lease. Rows locked by someone else (the
-- worker's own fenced commit, a rescuer, an operator's cancel) are skipped.
CREATE FUNCTION benefit.extend_leases(p_ids bigint[], p_tokens bigint[], p_secrets uuid[])
RETURNS TABLE (id bigint, lease_token bigint)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
SET plan_cache_mode = force_generic_plan
SET enable_seqscan = off
AS $$
BEGIN
    RETURN QUERY
    WITH held AS (
        SELECT j.id FROM benefit.job j
        JOIN unnest(p_ids, p_tokens) AS h(id, token) ON j.id = h.id AND j.lease_token = h.token
        WHERE j.state = 'running' AND j.lease_token IN (SELECT t.lease_token FROM benefit.held_attempts(p_tokens, p_secrets) t)
        ORDER BY j.id
        FOR UPDATE OF j SKIP LOCKED
    )
    UPDATE benefit.job j SET lease_expires_at = now() + j.lease_ms * interval '1 millisecond'
    FROM held WHERE j.id = held.id
    RETURNING j.id, j.lease_token;
END
$$;

-- Completes attempts whose handlers wrote no effects (see 0002 and JobQueries for
-- why the statement is shaped as it is). Attempts whose job moved on are recorded
-- as fenced. Returns each held attempt's outcome.
CREATE FUNCTION benefit.complete_jobs(p_ids bigint[], p_tokens bigint[], p_secrets uuid[])
RETURNS TABLE (lease_token bigint, outcome text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
SET plan_cache_mode = force_generic_plan
SET enable_seqscan = off
AS $$
DECLARE
    v_held bigint[];
BEGIN
    v_held := ARRAY(SELECT t.lease_token FROM benefit.held_attempts(p_tokens, p_secrets) t);
    RETURN QUERY
    WITH finished AS (
        UPDATE benefit.job j
        SET state = 'succeeded', finished_at = now(), lease_token = NULL, lease_expires_at = NULL
        FROM (
            SELECT l.id, l.lease_token FROM benefit.job l
            WHERE l.id = ANY (p_ids) AND l.lease_token = ANY (v_held)
            ORDER BY l.id
            FOR UPDATE
        ) locked
        WHERE j.id = locked.id
        RETURNING locked.lease_token AS token
    )
    UPDATE benefit.job_attempt a
    SET outcome = CASE WHEN a.lease_token IN (SELECT token FROM finished) THEN 'succeeded' ELSE 'fenced' END,
        finished_at = coalesce(a.finished_at, clock_timestamp()),
        error = CASE WHEN a.lease_token NOT IN (SELECT token FROM finished)
                     THEN coalesce(a.error, 'lease lost before completion') END
    WHERE a.lease_token = ANY (v_held) AND a.outcome IN ('running', 'lease_expired')
    RETURNING a.lease_token, a.outcome;
END
$$;

-- First statement of a fenced commit: locks the job row and checks the lease. If
-- the job still carries this attempt's token, marks the transaction as committing
-- it (what benefit.fenced_commit_job() reads) and returns true; otherwise records
-- the attempt as fenced (if the caller holds it) and returns false. The caller then
-- commits without writing effects, which keeps that record. The job row's lock
-- lasts until the transaction ends, so a rescuer or
-- an operator's cancel that comes meanwhile waits for the commit and then finds
-- the job finished.
--
-- Also bounds how long the transaction may sit idle: a worker frozen inside its
-- commit (stopped, cut off) loses its session, and its locks, after its lease.
CREATE FUNCTION benefit.open_fenced_commit(p_id bigint, p_token bigint, p_secret uuid)
RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
SET plan_cache_mode = force_generic_plan
SET enable_seqscan = off
AS $$
DECLARE
    v_token    bigint;
    v_state    text;
    v_lease_ms integer;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM benefit.held_attempts(ARRAY[p_token], ARRAY[p_secret])) THEN
        RETURN false;
    END IF;
    SELECT j.lease_token, j.state, j.lease_ms INTO v_token, v_state, v_lease_ms
    FROM benefit.job j WHERE j.id = p_id FOR UPDATE;
    IF v_token IS DISTINCT FROM p_token OR v_state IS DISTINCT FROM 'running' THEN
        UPDATE benefit.job_attempt
        SET outcome = 'fenced', finished_at = coalesce(finished_at, pg_catalog.clock_timestamp()),
            error = coalesce(error, 'lease lost before commit: effects rolled back')
        WHERE lease_token = p_token AND outcome IN ('running', 'lease_expired');
        RETURN false;
    END IF;
    PERFORM pg_catalog.set_config('benefit.fenced_commit', p_id || ':' || p_token || ':' || p_secret, true);
    PERFORM pg_catalog.set_config('idle_in_transaction_session_timeout', v_lease_ms::text, true);
    RETURN true;
END
$$;

-- The job whose fenced commit this transaction holds open, or NULL: what the
-- row-level security of effects and plans checks. Verified against the job and
-- the attempt's secret every time (the setting alone can be set by anyone).
CREATE FUNCTION benefit.fenced_commit_job()
RETURNS bigint
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
SET plan_cache_mode = force_generic_plan
SET enable_seqscan = off
AS $$
DECLARE
    v_parts text[] := pg_catalog.string_to_array(pg_catalog.current_setting('benefit.fenced_commit', true), ':');
    v_id    bigint;
BEGIN
    IF pg_catalog.cardinality(v_parts) IS DISTINCT FROM 3 THEN
        RETURN NULL;
    END IF;
    SELECT j.id INTO v_id
    FROM benefit.job j JOIN benefit.job_attempt a ON a.lease_token = j.lease_token
    WHERE j.id = v_parts[1]::bigint AND j.lease_token = v_parts[2]::bigint AND j.state = 'running'
      AND a.lease_secret = v_parts[3]::uuid;
    RETURN v_id;
EXCEPTION WHEN invalid_text_representation OR numeric_value_out_of_range THEN
    RETURN NULL;
END
$$;

-- Last statement of a fenced commit, after the effects: the job and the attempt succeeded.
CREATE FUNCTION benefit.close_fenced_commit(p_id bigint, p_token bigint, p_secret uuid)
RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
SET plan_cache_mode = force_generic_plan
SET enable_seqscan = off
AS $$
BEGIN
    IF benefit.fenced_commit_job() IS DISTINCT FROM p_id THEN
        RETURN false;
    END IF;
    UPDATE benefit.job SET state = 'succeeded', finished_at = pg_catalog.now(), lease_token = NULL, lease_expires_at = NULL
    WHERE id = p_id AND lease_token = p_token;
    UPDATE benefit.job_attempt SET outcome = 'succeeded', finished_at = pg_catalog.clock_timestamp()
    WHERE lease_token = p_token AND lease_secret = p_secret;
    PERFORM pg_catalog.set_config('benefit.fenced_commit', '', true);
    RETURN true;
END
$$;

-- A handler failed (0009's statement, restated): back to available after the
-- delay, dead (permanent, or attempts used up), or cancelled (its work is no longer
-- wanted). Fenced like a completion; one clock reading is both the attempt's end
-- and the start of its backoff. Returns the attempt's outcome, or 'fenced'.
CREATE FUNCTION benefit.fail_job(
    p_id bigint, p_token bigint, p_secret uuid, p_error text, p_disposition text, p_delay_ms bigint)
RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
SET plan_cache_mode = force_generic_plan
SET enable_seqscan = off
AS $$
DECLARE
    v_outcome text;
BEGIN
    IF p_disposition NOT IN ('retry', 'dead', 'cancel') THEN
        RAISE EXCEPTION 'fail_job: disposition must be retry, dead or cancel, not %', p_disposition
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM benefit.held_attempts(ARRAY[p_token], ARRAY[p_secret])) THEN
        RETURN 'fenced';
    END IF;
    WITH moment AS MATERIALIZED (
        SELECT clock_timestamp() AS at
    ), decided AS (
        SELECT CASE WHEN p_disposition = 'cancel' THEN 'cancelled'
                    WHEN p_disposition = 'retry' AND j.attempt < j.max_attempts THEN 'available'
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
    SET outcome = coalesce((SELECT CASE f.state WHEN 'available' THEN 'retry' ELSE f.state END FROM failed f), 'fenced'),
        finished_at = coalesce(a.finished_at, (SELECT at FROM moment)), error = p_error,
        retry_at = (SELECT f.run_at FROM failed f WHERE f.state = 'available')
    WHERE a.lease_token = p_token AND a.outcome IN ('running', 'lease_expired')
    RETURNING a.outcome INTO v_outcome;
    RETURN coalesce(v_outcome, 'fenced');
END
$$;

-- Graceful shutdown: gives held jobs back without counting the attempt. Returns the tokens given back.
CREATE FUNCTION benefit.release_jobs(p_ids bigint[], p_tokens bigint[], p_secrets uuid[])
RETURNS SETOF bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
SET plan_cache_mode = force_generic_plan
SET enable_seqscan = off
AS $$
BEGIN
    RETURN QUERY
    WITH locked AS (
        SELECT j.id, g.token FROM benefit.job j
        JOIN unnest(p_ids, p_tokens) AS g(id, token) ON j.id = g.id AND j.lease_token = g.token
        WHERE j.state = 'running' AND j.lease_token IN (SELECT t.lease_token FROM benefit.held_attempts(p_tokens, p_secrets) t)
        ORDER BY j.id
        FOR UPDATE OF j
    ), released AS (
        UPDATE benefit.job j
        SET state = 'available', attempt = j.attempt - 1, run_at = now(), lease_token = NULL, lease_expires_at = NULL
        FROM locked WHERE j.id = locked.id
        RETURNING locked.token, j.queue
    ), notified AS (
        SELECT pg_notify('benefit_jobs', q.queue) FROM (SELECT DISTINCT r.queue FROM released r) q
    )
    UPDATE benefit.job_attempt a
    SET outcome = 'released', finished_at = clock_timestamp(), error = 'released at worker shutdown'
    FROM released r, (SELECT count(*) FROM notified) n
    WHERE a.lease_token = r.token
    RETURNING a.lease_token;
END
$$;

-- The rescuer, on every worker: takes back up to p_limit jobs whose lease expired
-- (by the database's clock): available again, or dead when attempts are used up.
CREATE FUNCTION benefit.rescue_expired_jobs(p_limit integer)
RETURNS TABLE (state text, jobs bigint)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    RETURN QUERY
    WITH expired AS (
        SELECT j.id, j.lease_token FROM benefit.job j
        WHERE j.state = 'running' AND j.lease_expires_at < now()
        ORDER BY j.lease_expires_at
        LIMIT p_limit
        FOR UPDATE SKIP LOCKED
    ), rescued AS (
        UPDATE benefit.job j
        SET state = CASE WHEN j.attempt >= j.max_attempts THEN 'dead' ELSE 'available' END,
            finished_at = CASE WHEN j.attempt >= j.max_attempts THEN now() END,
            run_at = now(),
            last_error = 'lease expired: the worker stopped heartbeating',
            lease_token = NULL, lease_expires_at = NULL
        FROM expired WHERE j.id = expired.id
        RETURNING j.id, j.state, j.queue, expired.lease_token AS token
    ), notified AS (
        SELECT pg_notify('benefit_jobs', q.queue) FROM (SELECT DISTINCT r.queue FROM rescued r WHERE r.state = 'available') q
    ), attempts AS (
        UPDATE benefit.job_attempt a
        SET outcome = 'lease_expired', finished_at = clock_timestamp(), error = 'lease expired: the worker stopped heartbeating'
        FROM rescued r WHERE a.lease_token = r.token AND a.outcome = 'running'
    )
    SELECT r.state, count(*) FROM rescued r, (SELECT count(*) FROM notified) n GROUP BY r.state;
END
$$;

-- Operators: dead jobs back to available with fresh attempts, by id or by group.
CREATE FUNCTION benefit.retry_dead_jobs(p_id bigint, p_group_key text)
RETURNS TABLE (id bigint, group_key text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    RETURN QUERY
    WITH retried AS (
        UPDATE benefit.job j SET state = 'available', attempt = 0, run_at = now(), finished_at = NULL
        WHERE j.state = 'dead' AND (j.id = p_id OR j.group_key = p_group_key)
        RETURNING j.id, j.queue, j.group_key
    ), notified AS (
        SELECT pg_notify('benefit_jobs', q.queue) FROM (SELECT DISTINCT r.queue FROM retried r) q
    )
    SELECT r.id, r.group_key FROM retried r, (SELECT count(*) FROM notified) n ORDER BY r.id;
END
$$;

-- Operators: cancels a job not yet finished; a running one's worker is fenced out. Returns 1 or 0.
CREATE FUNCTION benefit.cancel_job(p_id bigint)
RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_cancelled bigint;
BEGIN
    WITH cancelled AS (
        UPDATE benefit.job j SET state = 'cancelled', finished_at = now(), lease_token = NULL, lease_expires_at = NULL
        FROM (SELECT o.id, o.lease_token FROM benefit.job o WHERE o.id = p_id FOR UPDATE) old
        WHERE j.id = old.id AND j.state IN ('available', 'running')
        RETURNING old.lease_token
    ), attempts AS (
        UPDATE benefit.job_attempt a
        SET outcome = 'fenced', finished_at = clock_timestamp(), error = 'cancelled by an operator while running'
        WHERE a.lease_token = (SELECT c.lease_token FROM cancelled c) AND a.outcome = 'running'
    )
    SELECT count(*) INTO v_cancelled FROM cancelled;
    RETURN v_cancelled;
END
$$;

-- Producers: cancels a group's jobs that have not started; running ones end as their handlers decide.
CREATE FUNCTION benefit.cancel_job_group(p_group_key text)
RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_cancelled bigint;
BEGIN
    WITH cancelled AS (
        UPDATE benefit.job j SET state = 'cancelled', finished_at = now()
        WHERE j.group_key = p_group_key AND j.state = 'available'
        RETURNING j.id
    )
    SELECT count(*) INTO v_cancelled FROM cancelled;
    RETURN v_cancelled;
END
$$;

-- Whether each group has a job that may still run, and one that died: two probes
-- of job_group_idx per group, however many jobs it has.
CREATE FUNCTION benefit.job_group_status(p_group_keys text[])
RETURNS TABLE (group_key text, has_live boolean, has_dead boolean)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
    SELECT g.key,
           EXISTS (SELECT 1 FROM benefit.job j WHERE j.group_key = g.key AND j.state IN ('available', 'running')),
           EXISTS (SELECT 1 FROM benefit.job j WHERE j.group_key = g.key AND j.state = 'dead')
    FROM unnest(p_group_keys) AS g(key)
$$;

------------------------------------------------------------------------------
-- Runs (Sources/BenefitScheduler)
------------------------------------------------------------------------------

-- Run by the planning job in its fenced commit, once its batches are on the
-- queue: the run is running, with its totals. Only the transaction committing the
-- run's own planning job may.
CREATE FUNCTION benefit.mark_run_planned(p_run_id bigint)
RETURNS TABLE (batches_total integer, members_total integer)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM benefit.run r WHERE r.id = p_run_id AND r.plan_job_id = benefit.fenced_commit_job()) THEN
        RAISE EXCEPTION 'run %: only the fenced commit of its planning job may mark it planned', p_run_id
            USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    RETURN QUERY
    UPDATE benefit.run r
    SET state = 'running', started_at = coalesce(r.started_at, now()), batches_total = b.batches, members_total = b.members
    FROM (SELECT count(*)::integer AS batches, coalesce(sum(rb.members), 0)::integer AS members
          FROM benefit.run_batch rb WHERE rb.run_id = p_run_id) b
    WHERE r.id = p_run_id
    RETURNING r.batches_total, r.members_total;
END
$$;

-- The finisher's pass (Sources/BenefitScheduler/Runs/RunFinisher.swift): ends the
-- runs (all, or those given) with no job left to run: cancelled if asked, failed if
-- a job died, else succeeded. Runs another pass or an operator holds are skipped.
CREATE FUNCTION benefit.finish_runs(p_run_ids bigint[])
RETURNS TABLE (run_id bigint, state text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    RETURN QUERY
    WITH candidate AS (
        SELECT r.id, r.cancel_requested FROM benefit.run r
        WHERE (r.state = 'running' OR (r.state = 'pending' AND (r.cancel_requested OR r.plan_job_id IS NOT NULL)))
          AND (p_run_ids IS NULL OR r.id = ANY (p_run_ids))
        ORDER BY r.id
        FOR UPDATE SKIP LOCKED
    ), decided AS (
        SELECT c.id, CASE WHEN c.cancel_requested THEN 'cancelled' WHEN s.has_dead THEN 'failed' ELSE 'succeeded' END AS state
        FROM candidate c
        JOIN benefit.job_group_status(ARRAY(SELECT 'run:' || c2.id FROM candidate c2)) s ON s.group_key = 'run:' || c.id
        WHERE NOT s.has_live
    )
    UPDATE benefit.run r SET state = d.state, finished_at = now()
    FROM decided d WHERE r.id = d.id
    RETURNING r.id, r.state;
END
$$;

-- `benefit runs cancel`: asks the run to stop and cancels its jobs that have not
-- started. Returns whether the request took, how many jobs will not start, and the
-- run's state before; no row when there is no such run.
CREATE FUNCTION benefit.request_run_cancel(p_run_id bigint)
RETURNS TABLE (requested boolean, stopped bigint, state_before text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_state text;
BEGIN
    SELECT r.state INTO v_state FROM benefit.run r WHERE r.id = p_run_id FOR UPDATE;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    IF v_state NOT IN ('pending', 'running') THEN
        RETURN QUERY SELECT false, 0::bigint, v_state;
        RETURN;
    END IF;
    UPDATE benefit.run SET cancel_requested = true WHERE id = p_run_id;
    RETURN QUERY SELECT true, benefit.cancel_job_group('run:' || p_run_id), v_state;
END
$$;

-- Reopens runs whose dead jobs an operator put back: a failed run goes on; one a
-- finisher pass is about to end is waited for (the row lock) and then reopened.
CREATE FUNCTION benefit.reopen_runs(p_run_ids bigint[])
RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
    UPDATE benefit.run
    SET state = CASE WHEN started_at IS NULL THEN 'pending' ELSE 'running' END, finished_at = NULL
    WHERE id = ANY (p_run_ids) AND state IN ('failed', 'running', 'pending')
$$;

-- `benefit jobs retry --run RUN`: the run's dead jobs back, the run reopened.
-- Locks the run first (a finisher pass that holds it is waited for; a later one
-- skips it). Returns the jobs retried; raises no_data_found when there is no such run.
CREATE FUNCTION benefit.retry_run(p_run_id bigint)
RETURNS TABLE (id bigint, group_key text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM 1 FROM benefit.run r WHERE r.id = p_run_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'there is no run %', p_run_id USING ERRCODE = 'no_data_found';
    END IF;
    RETURN QUERY SELECT * FROM benefit.retry_dead_jobs(NULL, 'run:' || p_run_id);
    IF FOUND THEN
        PERFORM benefit.reopen_runs(ARRAY[p_run_id]);
    END IF;
END
$$;

-- `benefit jobs retry JOB`: a dead job back; the run it belongs to, if any, reopened.
CREATE FUNCTION benefit.retry_job(p_job_id bigint)
RETURNS TABLE (id bigint, group_key text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    RETURN QUERY SELECT * FROM benefit.retry_dead_jobs(p_job_id, NULL);
    IF FOUND THEN
        PERFORM benefit.reopen_runs(ARRAY(
            SELECT substr(j.group_key, 5)::bigint FROM benefit.job j WHERE j.id = p_job_id AND j.group_key ~ '^run:[0-9]+$'));
    END IF;
END
$$;

------------------------------------------------------------------------------
-- The programs' ledgers and capacities (Sources/BenefitWorkers)
------------------------------------------------------------------------------

-- Opens the cycle's budget ledger for a seasonal-relief run, with the budget of
-- the campaign revision the run fires (never a value from the caller); a later run
-- of the cycle finds it open. Returns what the budget still holds.
CREATE FUNCTION benefit.open_relief_budget(p_run_id bigint)
RETURNS numeric
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_remaining numeric;
BEGIN
    INSERT INTO benefit.relief_budget (campaign_id, cycle, budget)
    SELECT r.campaign_id, r.cycle, (rv.definition #>> '{parameters,budget}')::numeric(14, 2)
    FROM benefit.run r
    JOIN benefit.campaign_revision rv ON rv.campaign_id = r.campaign_id AND rv.revision = r.campaign_revision
    WHERE r.id = p_run_id
    ON CONFLICT (campaign_id, cycle) DO NOTHING;
    SELECT b.budget - b.spent INTO v_remaining
    FROM benefit.relief_budget b JOIN benefit.run r ON r.campaign_id = b.campaign_id AND r.cycle = b.cycle
    WHERE r.id = p_run_id;
    RETURN v_remaining;
END
$$;

-- Locks a cycle's ledger row until the transaction ends and returns what it still
-- holds: NO KEY UPDATE for a batch that grants (one at a time), SHARE for one
-- that only waitlists (see BudgetLedgerQueries).
CREATE FUNCTION benefit.lock_relief_budget(p_campaign_id bigint, p_cycle text, p_to_grant boolean)
RETURNS numeric
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_remaining numeric;
BEGIN
    IF p_to_grant THEN
        SELECT b.budget - b.spent INTO v_remaining FROM benefit.relief_budget b
        WHERE b.campaign_id = p_campaign_id AND b.cycle = p_cycle FOR NO KEY UPDATE;
    ELSE
        SELECT b.budget - b.spent INTO v_remaining FROM benefit.relief_budget b
        WHERE b.campaign_id = p_campaign_id AND b.cycle = p_cycle FOR SHARE;
    END IF;
    RETURN v_remaining;
END
$$;

-- The ledger's triggers run with the owner's rights: no other role needs (or has)
-- the right to change a ledger row.
ALTER FUNCTION benefit.grant_charge_budget() SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION benefit.grant_refund_budget() SECURITY DEFINER SET search_path = pg_catalog, pg_temp;

-- The seats and places runs' plans have taken are counted by the database, from
-- the plans themselves (which only the run's planning commit may insert: see the
-- row-level security below), in the planning transaction that already holds the
-- hospitals' or sessions' rows locked. No other role may change a counter.
CREATE FUNCTION benefit.checkup_plan_takes_seats() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    UPDATE benefit.checkup_hospital h
    SET seats_taken = h.seats_taken + p.members, updated_at = now()
    FROM (SELECT r.campaign_id, r.cycle, n.hospital, sum(n.last_rank - n.first_rank + 1) AS members
          FROM planned n JOIN benefit.run r ON r.id = n.run_id
          GROUP BY r.campaign_id, r.cycle, n.hospital) p
    WHERE h.campaign_id = p.campaign_id AND h.cycle = p.cycle AND h.hospital = p.hospital;
    RETURN NULL;
END
$$;
CREATE TRIGGER checkup_plan_takes_seats AFTER INSERT ON benefit.checkup_plan
    REFERENCING NEW TABLE AS planned FOR EACH STATEMENT EXECUTE FUNCTION benefit.checkup_plan_takes_seats();

CREATE FUNCTION benefit.recuperation_plan_takes_places() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    UPDATE benefit.recuperation_session s
    SET places_taken = s.places_taken + p.places, updated_at = now()
    FROM (SELECT n.campaign_id, n.cycle, n.position, sum(n.last_rank - n.first_rank + 1) AS places
          FROM planned n GROUP BY n.campaign_id, n.cycle, n.position) p
    WHERE s.campaign_id = p.campaign_id AND s.cycle = p.cycle AND s.position = p.position;
    RETURN NULL;
END
$$;
CREATE TRIGGER recuperation_plan_takes_places AFTER INSERT ON benefit.recuperation_plan
    REFERENCING NEW TABLE AS planned FOR EACH STATEMENT EXECUTE FUNCTION benefit.recuperation_plan_takes_places();

-- A run's planning job is recorded once: the planning commit's rights (its plans,
-- batches and planned mark) follow from it.
CREATE FUNCTION benefit.run_plan_job_is_final() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'run % already has its planning job (%)', OLD.id, OLD.plan_job_id
        USING ERRCODE = 'object_not_in_prerequisite_state';
END
$$;
CREATE TRIGGER run_plan_job_is_final BEFORE UPDATE OF plan_job_id ON benefit.run
    FOR EACH ROW WHEN (OLD.plan_job_id IS NOT NULL AND NEW.plan_job_id IS DISTINCT FROM OLD.plan_job_id)
    EXECUTE FUNCTION benefit.run_plan_job_is_final();

-- Opens a health-checkup run's cycle: its calendar and its hospitals with their
-- daily capacities, from the campaign revision the run fires. A later run of the
-- cycle finds them open and keeps them (hospitals it adds are opened). Hospitals
-- are inserted in "C" order of name, the order planners lock them in.
CREATE FUNCTION benefit.open_checkup_cycle(p_run_id bigint)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_campaign   bigint;
    v_cycle      text;
    v_parameters jsonb;
BEGIN
    SELECT r.campaign_id, r.cycle, rv.definition -> 'parameters' INTO v_campaign, v_cycle, v_parameters
    FROM benefit.run r
    JOIN benefit.campaign_revision rv ON rv.campaign_id = r.campaign_id AND rv.revision = r.campaign_revision
    WHERE r.id = p_run_id;
    INSERT INTO benefit.checkup_cycle (campaign_id, cycle, start_date, holidays)
    VALUES (v_campaign, v_cycle, (v_parameters ->> 'startDate')::date,
            ARRAY(SELECT h::date FROM jsonb_array_elements_text(coalesce(v_parameters -> 'holidays', '[]')) AS h))
    ON CONFLICT (campaign_id, cycle) DO NOTHING;
    INSERT INTO benefit.checkup_hospital (campaign_id, cycle, hospital, daily_capacity)
    SELECT v_campaign, v_cycle, h ->> 'name', (h ->> 'dailyCapacity')::integer
    FROM jsonb_array_elements(v_parameters -> 'hospitals') AS h
    ORDER BY h ->> 'name' COLLATE "C"
    ON CONFLICT (campaign_id, cycle, hospital) DO NOTHING;
END
$$;

-- Locks a planning run's hospitals' rows in "C" order of name (the one lock
-- order) until the transaction ends, and reads what they hold: see
-- CheckupCycleQueries.lockHospitals. A function, because locking a row asks for
-- the right to update it, which no role but the owner has.
CREATE FUNCTION benefit.lock_checkup_hospitals(p_campaign_id bigint, p_cycle text, p_names text[])
RETURNS TABLE (hospital text, daily_capacity integer, seats_taken bigint)
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
    SELECT h.hospital, h.daily_capacity, h.seats_taken
    FROM benefit.checkup_hospital h
    WHERE h.campaign_id = p_campaign_id AND h.cycle = p_cycle AND h.hospital = ANY (p_names)
    ORDER BY h.hospital COLLATE "C"
    FOR NO KEY UPDATE
$$;

-- Opens a recuperation run's cycle: its sessions, in file order across sites, with
-- their capacities, from the campaign revision the run fires. Only the cycle's
-- first run opens them (see SessionQueries for two first runs at once).
CREATE FUNCTION benefit.open_recuperation_sessions(p_run_id bigint)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_campaign   bigint;
    v_cycle      text;
    v_parameters jsonb;
BEGIN
    SELECT r.campaign_id, r.cycle, rv.definition -> 'parameters' INTO v_campaign, v_cycle, v_parameters
    FROM benefit.run r
    JOIN benefit.campaign_revision rv ON rv.campaign_id = r.campaign_id AND rv.revision = r.campaign_revision
    WHERE r.id = p_run_id;
    INSERT INTO benefit.recuperation_session (campaign_id, cycle, position, site, session_start, days, capacity)
    SELECT v_campaign, v_cycle, row_number() OVER (ORDER BY site.ordinal, session.ordinal),
           site.value ->> 'name', (session.value ->> 'start')::date, (session.value ->> 'days')::smallint,
           (session.value ->> 'capacity')::integer
    FROM jsonb_array_elements(v_parameters -> 'sites') WITH ORDINALITY AS site(value, ordinal)
    CROSS JOIN LATERAL jsonb_array_elements(site.value -> 'sessions') WITH ORDINALITY AS session(value, ordinal)
    WHERE NOT EXISTS (SELECT 1 FROM benefit.recuperation_session o WHERE o.campaign_id = v_campaign AND o.cycle = v_cycle)
    ON CONFLICT DO NOTHING;
END
$$;

-- Locks a cycle's sessions in position order (the one lock order) until the
-- transaction ends, and reads what they hold: see SessionQueries.lockToPlan.
CREATE FUNCTION benefit.lock_recuperation_sessions(p_campaign_id bigint, p_cycle text)
RETURNS TABLE (session_position integer, capacity integer, places_taken integer)
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
    SELECT s.position, s.capacity, s.places_taken
    FROM benefit.recuperation_session s
    WHERE s.campaign_id = p_campaign_id AND s.cycle = p_cycle
    ORDER BY s.position
    FOR NO KEY UPDATE
$$;

-- A placed member's trip year, recorded by the database for every allocation
-- inserted (a batch no longer needs the right to change the roster).
CREATE FUNCTION benefit.allocation_records_trip() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    UPDATE benefit.member m
    SET last_recuperation_year = extract(year FROM s.session_start), updated_at = now()
    FROM placed p
    JOIN benefit.recuperation_session s ON s.campaign_id = p.campaign_id AND s.cycle = p.cycle AND s.position = p.position
    WHERE m.member_id = p.member_id;
    RETURN NULL;
END
$$;
CREATE TRIGGER allocation_records_trip AFTER INSERT ON benefit.allocation
    REFERENCING NEW TABLE AS placed FOR EACH STATEMENT EXECUTE FUNCTION benefit.allocation_records_trip();

------------------------------------------------------------------------------
-- Row-level security: effects and plans only from the fenced commit that makes them
------------------------------------------------------------------------------

-- Effects: the job a row names must be the one this transaction is committing.
-- (SELECT ...) makes the check once per statement, not once per row.
ALTER TABLE benefit.grant ENABLE ROW LEVEL SECURITY;
ALTER TABLE benefit.waitlist_entry ENABLE ROW LEVEL SECURITY;
ALTER TABLE benefit.appointment ENABLE ROW LEVEL SECURITY;
ALTER TABLE benefit.allocation ENABLE ROW LEVEL SECURITY;
ALTER TABLE benefit.drill_effect ENABLE ROW LEVEL SECURITY;
ALTER TABLE benefit.probe_effect ENABLE ROW LEVEL SECURITY;
CREATE POLICY grant_read ON benefit.grant FOR SELECT USING (true);
CREATE POLICY grant_in_fenced_commit ON benefit.grant FOR INSERT TO benefit_worker
    WITH CHECK (job_id = (SELECT benefit.fenced_commit_job()));
CREATE POLICY waitlist_entry_read ON benefit.waitlist_entry FOR SELECT USING (true);
CREATE POLICY waitlist_entry_in_fenced_commit ON benefit.waitlist_entry FOR INSERT TO benefit_worker
    WITH CHECK (job_id = (SELECT benefit.fenced_commit_job()));
CREATE POLICY appointment_read ON benefit.appointment FOR SELECT USING (true);
CREATE POLICY appointment_in_fenced_commit ON benefit.appointment FOR INSERT TO benefit_worker
    WITH CHECK (job_id = (SELECT benefit.fenced_commit_job()));
CREATE POLICY allocation_read ON benefit.allocation FOR SELECT USING (true);
CREATE POLICY allocation_in_fenced_commit ON benefit.allocation FOR INSERT TO benefit_worker
    WITH CHECK (job_id = (SELECT benefit.fenced_commit_job()));
CREATE POLICY drill_effect_read ON benefit.drill_effect FOR SELECT USING (true);
CREATE POLICY drill_effect_in_fenced_commit ON benefit.drill_effect FOR INSERT TO benefit_worker
    WITH CHECK (job_id = (SELECT benefit.fenced_commit_job()));
CREATE POLICY probe_effect_read ON benefit.probe_effect FOR SELECT USING (true);
CREATE POLICY probe_effect_in_fenced_commit ON benefit.probe_effect FOR INSERT TO benefit_worker
    WITH CHECK (job_id = (SELECT benefit.fenced_commit_job()));

-- A run's plans and batches: written by the fenced commit of the run's planning
-- job; a batch's record of what it did, by the batch's own fenced commit.
CREATE FUNCTION benefit.planning_run() RETURNS bigint
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
    SELECT r.id FROM benefit.run r WHERE r.plan_job_id = benefit.fenced_commit_job()
$$;
ALTER TABLE benefit.run_batch ENABLE ROW LEVEL SECURITY;
CREATE POLICY run_batch_read ON benefit.run_batch FOR SELECT USING (true);
CREATE POLICY run_batch_planned ON benefit.run_batch FOR INSERT TO benefit_worker
    WITH CHECK (run_id = (SELECT benefit.planning_run()));
CREATE POLICY run_batch_enqueued ON benefit.run_batch FOR UPDATE TO benefit_worker
    USING (run_id = (SELECT benefit.planning_run()) OR job_id = (SELECT benefit.fenced_commit_job()));
DO $$
DECLARE
    v_table text;
BEGIN
    FOREACH v_table IN ARRAY ARRAY['relief_allotment', 'checkup_plan', 'checkup_plan_unit', 'recuperation_plan'] LOOP
        EXECUTE format('ALTER TABLE benefit.%I ENABLE ROW LEVEL SECURITY', v_table);
        EXECUTE format('CREATE POLICY %I ON benefit.%I FOR SELECT USING (true)', v_table || '_read', v_table);
        EXECUTE format('CREATE POLICY %I ON benefit.%I FOR INSERT TO benefit_worker WITH CHECK (run_id = (SELECT benefit.planning_run()))',
                       v_table || '_planned', v_table);
    END LOOP;
END
$$;

------------------------------------------------------------------------------
-- Grants
------------------------------------------------------------------------------

-- Functions are executable by everyone when created: not ours. The functions
-- above, and those of later migrations run by the same owner, only by the roles
-- granted them below.
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA benefit FROM PUBLIC;
ALTER DEFAULT PRIVILEGES IN SCHEMA benefit REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;

-- Administrators read the documented views and nothing else.
GRANT SELECT ON benefit.campaigns, benefit.run_history, benefit.jobs, benefit.job_attempts, benefit.dead_jobs,
    benefit.members, benefit.grants, benefit.waitlist, benefit.budgets, benefit.appointments, benefit.allocations
    TO benefit_admin, benefit_operator, benefit_worker;

-- Everything but the lease secrets may be read by the daemons and operators.
GRANT SELECT ON benefit.schema_migrations, benefit.campaign, benefit.campaign_revision, benefit.run, benefit.run_batch,
    benefit.scheduler_lease, benefit.member, benefit.relief_budget, benefit.relief_allotment, benefit.grant,
    benefit.waitlist_entry, benefit.checkup_cycle, benefit.checkup_hospital, benefit.checkup_plan,
    benefit.checkup_plan_unit, benefit.appointment, benefit.recuperation_session, benefit.recuperation_plan,
    benefit.allocation, benefit.drill_effect, benefit.probe_effect, benefit.job, benefit.job_concurrency_group,
    benefit.served_member
    TO benefit_worker, benefit_operator;
GRANT SELECT (lease_token, job_id, attempt, worker, host, pid, started_at, finished_at, outcome, error, retry_at)
    ON benefit.job_attempt TO benefit_worker, benefit_operator;

-- Workers: the queue's functions; the scheduler's rows; runs' plans and batches
-- (row-level security says which); the programs' openings, locks and effects.
GRANT EXECUTE ON FUNCTION
    benefit.enqueue_jobs(text[], text[], jsonb[], bigint[], timestamptz[], bigint[], bigint[], bigint[], bigint[], text[], text[], text[], bigint[]),
    benefit.claim_jobs(text[], integer, text, text, integer),
    benefit.extend_leases(bigint[], bigint[], uuid[]),
    benefit.complete_jobs(bigint[], bigint[], uuid[]),
    benefit.open_fenced_commit(bigint, bigint, uuid),
    benefit.fenced_commit_job(),
    benefit.close_fenced_commit(bigint, bigint, uuid),
    benefit.fail_job(bigint, bigint, uuid, text, text, bigint),
    benefit.release_jobs(bigint[], bigint[], uuid[]),
    benefit.rescue_expired_jobs(integer),
    benefit.job_group_status(text[]),
    benefit.mark_run_planned(bigint),
    benefit.finish_runs(bigint[]),
    benefit.planning_run(),
    benefit.open_relief_budget(bigint),
    benefit.lock_relief_budget(bigint, text, boolean),
    benefit.open_checkup_cycle(bigint),
    benefit.lock_checkup_hospitals(bigint, text, text[]),
    benefit.open_recuperation_sessions(bigint),
    benefit.lock_recuperation_sessions(bigint, text)
    TO benefit_worker;
-- A new run is pending, with nothing done: its state, times and counts are the defaults.
GRANT INSERT (campaign_id, campaign_revision, fire_time, trigger, cycle) ON benefit.run TO benefit_worker;
GRANT UPDATE (plan_job_id) ON benefit.run TO benefit_worker;
GRANT UPDATE (scheduled_through) ON benefit.campaign TO benefit_worker;
GRANT INSERT, UPDATE ON benefit.scheduler_lease TO benefit_worker;
GRANT INSERT ON benefit.run_batch TO benefit_worker;
GRANT UPDATE (job_id, done_at, members_done, amount) ON benefit.run_batch TO benefit_worker;
GRANT INSERT ON benefit.relief_allotment, benefit.checkup_plan, benefit.checkup_plan_unit, benefit.recuperation_plan
    TO benefit_worker;
GRANT INSERT ON benefit.grant, benefit.waitlist_entry, benefit.appointment, benefit.allocation, benefit.drill_effect,
    benefit.probe_effect TO benefit_worker;
GRANT USAGE ON SEQUENCE benefit.run_id_seq, benefit.drill_effect_id_seq, benefit.probe_effect_id_seq TO benefit_worker;

-- Operators: campaigns, the roster, manual runs, cancels and retries.
GRANT INSERT, UPDATE ON benefit.campaign TO benefit_operator;
GRANT INSERT ON benefit.campaign_revision TO benefit_operator;
GRANT INSERT, UPDATE ON benefit.member TO benefit_operator;
GRANT INSERT (campaign_id, campaign_revision, fire_time, trigger, cycle) ON benefit.run TO benefit_operator;
GRANT UPDATE (plan_job_id) ON benefit.run TO benefit_operator;
GRANT USAGE ON SEQUENCE benefit.campaign_id_seq, benefit.run_id_seq TO benefit_operator;
GRANT EXECUTE ON FUNCTION
    benefit.enqueue_jobs(text[], text[], jsonb[], bigint[], timestamptz[], bigint[], bigint[], bigint[], bigint[], text[], text[], text[], bigint[]),
    benefit.cancel_job(bigint),
    benefit.job_group_status(text[]),
    benefit.request_run_cancel(bigint),
    benefit.finish_runs(bigint[]),
    benefit.retry_run(bigint),
    benefit.retry_job(bigint)
    TO benefit_operator;
