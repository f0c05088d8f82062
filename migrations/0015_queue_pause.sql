-- 0015 queue pause: an operator stops every worker on every host from claiming
-- a queue's jobs (`benefit queues pause NAME --reason`, `queues resume NAME`),
-- and a group's waiting jobs can be held the same way (`benefit campaign pause
-- --hold-runs` holds the groups `run:<id>` of the campaign's runs in progress,
-- `campaign resume` releases them).
--
-- compatible-from: 0014 (it only adds; the claim a release of 0014 calls obeys)
--
-- Both are rows of small tables that the claim reads (benefit.claim_jobs,
-- restated below), so every worker obeys them, whatever its version of the
-- command line or its own list of queues:
--
--   benefit.queue_pause     one row per paused queue: who, when and why. The
--                           claim drops a paused queue from the queues it was
--                           asked for before it looks at any job.
--   benefit.job_group_hold  one row per held group. The claim skips the jobs of
--                           a held group.
--
-- Nothing else changes for the jobs: those already running heartbeat, complete,
-- fail and retry as before, and a job that goes back to available (a retry, a
-- rescue, a release at shutdown) waits with the others until the pause or hold
-- is lifted. A held group's jobs stay available, so its run is not finished
-- while they wait, and a cancel of its run cancels them as usual.
--
-- A claim sees a pause or a hold once it has committed: a claim already under
-- way at that moment may still take jobs (it read the tables a moment before);
-- every later one does not. Lifting one notifies the jobs channel for the
-- queues concerned, as an enqueue does, so idle workers claim at once.
--
-- What it costs the claim: one primary-key probe of queue_pause per queue named
-- and one read of job_group_hold (a handful of rows) per call. With nothing
-- held, the plan is 0010's, one range scan of job_claim_idx per queue; while a
-- group is held, a claim on its queue steps over that group's waiting jobs in
-- the scan (one row each, filtered by an array read once), which is why holds
-- are kept for what an operator holds on purpose, not for scheduling.
--
-- Writes go through the functions below, with the owner's rights, executable by
-- benefit_operator alone (docs/sql.md, Roles): a worker login can neither pause
-- nor lift a pause, nor hold nor release a group, by hand-written SQL.

CREATE TABLE benefit.queue_pause (
    queue     text        PRIMARY KEY CHECK (queue ~ '^[a-z0-9][a-z0-9_.-]*$' AND length(queue) <= 63),
    -- Pausing stops someone's work: it says why (the audit trail's bounds).
    reason    text        NOT NULL CHECK (char_length(reason) BETWEEN 1 AND 500),
    -- The OS user@host the command ran as, or the console's user (as audit_event.os_user).
    paused_by text        NOT NULL CHECK (char_length(paused_by) BETWEEN 1 AND 200),
    -- The login that paused it, set by pause_queue (a client cannot choose it).
    db_user   text        NOT NULL DEFAULT session_user,
    paused_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE benefit.job_group_hold (
    group_key text        PRIMARY KEY CHECK (length(group_key) BETWEEN 1 AND 200),
    db_user   text        NOT NULL DEFAULT session_user,
    held_at   timestamptz NOT NULL DEFAULT now()
);

-- `benefit queues pause`: the queue is paused, unless it was already (false).
-- Its jobs may not exist yet: a queue is only a name until a job names it.
CREATE FUNCTION benefit.pause_queue(p_queue text, p_reason text, p_paused_by text)
RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    INSERT INTO benefit.queue_pause (queue, reason, paused_by, db_user)
    VALUES (p_queue, p_reason, p_paused_by, session_user)
    ON CONFLICT (queue) DO NOTHING;
    RETURN FOUND;
END
$$;

-- `benefit queues resume`: the pause is lifted, unless there was none (false),
-- and the queue's workers are woken at commit.
CREATE FUNCTION benefit.resume_queue(p_queue text)
RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    DELETE FROM benefit.queue_pause WHERE queue = p_queue;
    IF NOT FOUND THEN
        RETURN false;
    END IF;
    PERFORM pg_notify('benefit_jobs', p_queue);
    RETURN true;
END
$$;

-- Holds groups (`campaign pause --hold-runs`, through JobQueue.hold): their jobs
-- are not claimed until released. Returns the groups newly held.
CREATE FUNCTION benefit.hold_job_groups(p_group_keys text[])
RETURNS SETOF text
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
    INSERT INTO benefit.job_group_hold (group_key, db_user)
    SELECT DISTINCT k.key, session_user FROM unnest(p_group_keys) AS k(key) WHERE k.key IS NOT NULL
    ON CONFLICT (group_key) DO NOTHING
    RETURNING group_key
$$;

-- Releases held groups (`campaign resume`) and wakes, at commit, the queues
-- where their jobs wait (job_group_idx finds them). Returns the groups released.
CREATE FUNCTION benefit.release_job_groups(p_group_keys text[])
RETURNS SETOF text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    RETURN QUERY
    WITH released AS (
        DELETE FROM benefit.job_group_hold h WHERE h.group_key = ANY (p_group_keys)
        RETURNING h.group_key
    ), notified AS (
        SELECT pg_notify('benefit_jobs', q.queue) FROM (
            SELECT DISTINCT j.queue FROM released r JOIN benefit.job j ON j.group_key = r.group_key AND j.state = 'available'
        ) q
    )
    SELECT r.group_key FROM released r, (SELECT count(*) FROM notified) n;
END
$$;

-- 0010's claim, with paused queues and held groups left out. The queues asked
-- for lose the paused ones first (one probe each); held groups are read once
-- into an array that both the concurrency groups' pass and the per-queue range
-- scans filter on, so the plan keeps its shape: one range scan of job_claim_idx
-- per queue still claimable.
CREATE OR REPLACE FUNCTION benefit.claim_jobs(p_queues text[], p_limit integer, p_worker text, p_host text, p_pid integer)
RETURNS TABLE (id bigint, queue text, kind text, payload jsonb, attempt integer, max_attempts integer,
               lease_token bigint, lease_secret uuid, lease_ms integer, backoff_initial_ms integer,
               backoff_max_ms integer, group_key text, priority smallint, run_at timestamptz)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
SET plan_cache_mode = force_generic_plan
SET enable_seqscan = off
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
           c.backoff_initial_ms, c.backoff_max_ms, c.group_key, c.priority, c.run_at
    FROM claimed c JOIN attempts a ON a.lease_token = c.lease_token;
END
$$;

-- Administrators' view (docs/sql.md): one row per paused queue.
CREATE VIEW benefit.paused_queues AS
SELECT p.queue, p.paused_at, p.paused_by, p.db_user, p.reason
FROM benefit.queue_pause p;

------------------------------------------------------------------------------
-- Grants (the matrix in docs/sql.md, Roles)
------------------------------------------------------------------------------

REVOKE ALL ON benefit.queue_pause, benefit.job_group_hold, benefit.paused_queues
    FROM PUBLIC, benefit_worker, benefit_admin, benefit_operator;
REVOKE ALL ON FUNCTION benefit.pause_queue(text, text, text), benefit.resume_queue(text),
    benefit.hold_job_groups(text[]), benefit.release_job_groups(text[])
    FROM PUBLIC;

-- Everyone reads the view, as every documented view; daemons and operators read
-- the tables, as every table (`benefit status` runs as either).
GRANT SELECT ON benefit.paused_queues TO benefit_admin, benefit_operator, benefit_worker;
GRANT SELECT ON benefit.queue_pause, benefit.job_group_hold TO benefit_worker, benefit_operator;

-- Operators pause and resume queues, and hold and release groups (campaign pause
-- and resume); no other role may.
GRANT EXECUTE ON FUNCTION benefit.pause_queue(text, text, text), benefit.resume_queue(text),
    benefit.hold_job_groups(text[]), benefit.release_job_groups(text[])
    TO benefit_operator;
