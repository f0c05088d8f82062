-- 0002 queue: jobs, their attempts, and the lease token sequence.
--
-- A job is one unit on the queue. Workers claim available jobs with
-- FOR UPDATE SKIP LOCKED; each claim takes a new lease token from
-- benefit.lease_token_seq (strictly increasing) and writes one attempt row. A
-- job's effects and its completion commit in one transaction that first checks
-- the job still carries that token (the fence), so a worker whose lease expired
-- and was taken over commits nothing.
--
-- Priority: lower numbers run first (0 before 1), then earlier run_at, then id.

CREATE SEQUENCE benefit.lease_token_seq AS bigint;

CREATE TABLE benefit.job (
    id                 bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    queue              text        NOT NULL DEFAULT 'default' CHECK (queue ~ '^[a-z0-9][a-z0-9_.-]{0,62}$'),
    kind               text        NOT NULL CHECK (kind ~ '^[a-z0-9][a-z0-9_.:-]{0,126}$'),
    payload            jsonb       NOT NULL DEFAULT '{}',
    priority           smallint    NOT NULL DEFAULT 0,
    run_at             timestamptz NOT NULL DEFAULT now(),
    state              text        NOT NULL DEFAULT 'available'
                       CHECK (state IN ('available', 'running', 'succeeded', 'dead', 'cancelled')),
    -- Attempts counted so far; a claim adds one, a release (graceful shutdown) gives it back.
    attempt            integer     NOT NULL DEFAULT 0 CHECK (attempt >= 0),
    max_attempts       integer     NOT NULL DEFAULT 5 CHECK (max_attempts BETWEEN 1 AND 1000),
    lease_token        bigint,
    lease_expires_at   timestamptz,
    lease_ms           integer     NOT NULL DEFAULT 60000 CHECK (lease_ms BETWEEN 100 AND 86400000),
    backoff_initial_ms integer     NOT NULL DEFAULT 10000 CHECK (backoff_initial_ms >= 0),
    backoff_max_ms     integer     NOT NULL DEFAULT 600000 CHECK (backoff_max_ms >= backoff_initial_ms),
    unique_key         text,
    last_error         text,
    -- Campaign runs (0003 adds the foreign keys): the run and campaign a job
    -- belongs to, and the campaign's limit on its jobs running at once.
    run_id             bigint,
    campaign_id        bigint,
    concurrency_limit  integer     CHECK (concurrency_limit >= 1),
    -- What a batch job covered and produced, for the run's counters.
    members            integer     CHECK (members >= 0),
    result_amount      numeric(14, 2),
    created_at         timestamptz NOT NULL DEFAULT now(),
    finished_at        timestamptz,
    -- A running job always carries its lease; no other state does.
    CHECK ((state = 'running') = (lease_token IS NOT NULL)),
    CHECK ((state = 'running') = (lease_expires_at IS NOT NULL)),
    CHECK ((state IN ('succeeded', 'dead', 'cancelled')) = (finished_at IS NOT NULL)),
    CHECK (concurrency_limit IS NULL OR campaign_id IS NOT NULL)
);

-- The claim: one index range scan per queue, in claim order, over available jobs
-- without a concurrency limit; limited ones have their own index, per campaign.
CREATE INDEX job_claim_idx ON benefit.job (queue, priority, run_at, id)
    WHERE state = 'available' AND concurrency_limit IS NULL;
CREATE INDEX job_claim_limited_idx ON benefit.job (campaign_id, queue, priority, run_at, id)
    WHERE state = 'available' AND concurrency_limit IS NOT NULL;
CREATE INDEX job_campaign_running_idx ON benefit.job (campaign_id) WHERE state = 'running';
-- The rescuer: running jobs by lease expiry.
CREATE INDEX job_lease_idx ON benefit.job (lease_expires_at) WHERE state = 'running';
-- Enqueue with a unique key: at most one live job per key, held by the database,
-- so concurrent enqueues cannot both insert.
CREATE UNIQUE INDEX job_unique_key_idx ON benefit.job (unique_key)
    WHERE unique_key IS NOT NULL AND state IN ('available', 'running');
CREATE INDEX job_run_idx ON benefit.job (run_id, state) WHERE run_id IS NOT NULL;
CREATE INDEX job_dead_idx ON benefit.job (finished_at) WHERE state = 'dead';

CREATE TABLE benefit.job_attempt (
    lease_token bigint      PRIMARY KEY,
    job_id      bigint      NOT NULL REFERENCES benefit.job (id) ON DELETE CASCADE,
    attempt     integer     NOT NULL CHECK (attempt >= 1),
    worker      text        NOT NULL,
    host        text        NOT NULL,
    pid         integer     NOT NULL,
    -- Wall-clock instants of the claim and of the end (clock_timestamp(), not the
    -- transaction's start), so attempt intervals show what really overlapped.
    started_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
    finished_at timestamptz,
    outcome     text        NOT NULL DEFAULT 'running'
                CHECK (outcome IN ('running', 'succeeded', 'retry', 'dead', 'lease_expired', 'released', 'fenced')),
    error       text,
    -- For a `retry`: the earliest the next attempt may start (the backoff delay drawn).
    retry_at    timestamptz,
    CHECK ((outcome = 'running') = (finished_at IS NULL))
);
CREATE INDEX job_attempt_job_idx ON benefit.job_attempt (job_id, attempt);

-- Claims up to p_limit available jobs from p_queues for one worker, in one call:
-- each claimed job gets a new lease token and an attempt row.
--
-- Jobs of campaigns with a concurrency limit come first, one campaign at a time
-- under a transaction-level advisory lock: the count of that campaign's running
-- jobs is taken after the lock, in a fresh snapshot (plpgsql takes one per
-- statement), so two workers can never both fill the same free slot. The rest
-- of the limit goes to unlimited jobs in (priority, run_at, id) order. Rows
-- other workers hold are skipped (SKIP LOCKED), never waited for.
CREATE FUNCTION benefit.claim_jobs(p_queues text[], p_limit integer, p_worker text, p_host text, p_pid integer)
RETURNS SETOF benefit.job
LANGUAGE plpgsql AS $$
DECLARE
    v_campaign  bigint;
    v_free      integer;
    v_remaining integer := p_limit;
    v_claimed   integer;
BEGIN
    FOR v_campaign IN
        SELECT DISTINCT j.campaign_id FROM benefit.job j
        WHERE j.state = 'available' AND j.concurrency_limit IS NOT NULL AND j.queue = ANY (p_queues) AND j.run_at <= now()
    LOOP
        EXIT WHEN v_remaining <= 0;
        PERFORM pg_advisory_xact_lock(1650814565, v_campaign::integer);
        SELECT min(j.concurrency_limit) - (SELECT count(*) FROM benefit.job r WHERE r.campaign_id = v_campaign AND r.state = 'running')
        INTO v_free
        FROM benefit.job j WHERE j.campaign_id = v_campaign AND j.state = 'available' AND j.concurrency_limit IS NOT NULL;
        CONTINUE WHEN coalesce(v_free, 0) <= 0;
        RETURN QUERY
        WITH next AS (
            SELECT j.id FROM benefit.job j
            WHERE j.campaign_id = v_campaign AND j.state = 'available' AND j.concurrency_limit IS NOT NULL
              AND j.queue = ANY (p_queues) AND j.run_at <= now()
            ORDER BY j.priority, j.run_at, j.id
            LIMIT least(v_free, v_remaining)
            FOR UPDATE SKIP LOCKED
        ), claimed AS (
            UPDATE benefit.job j
            SET state = 'running', attempt = j.attempt + 1, lease_token = nextval('benefit.lease_token_seq'),
                lease_expires_at = now() + j.lease_ms * interval '1 millisecond'
            FROM next WHERE j.id = next.id
            RETURNING j.*
        ), attempts AS (
            INSERT INTO benefit.job_attempt (lease_token, job_id, attempt, worker, host, pid, started_at)
            SELECT c.lease_token, c.id, c.attempt, p_worker, p_host, p_pid, clock_timestamp() FROM claimed c
        )
        SELECT * FROM claimed;
        GET DIAGNOSTICS v_claimed = ROW_COUNT;
        v_remaining := v_remaining - v_claimed;
    END LOOP;

    IF v_remaining > 0 THEN
        -- The CTE is a fence: rows are chosen and locked first, so the UPDATE
        -- touches exactly those, and each queue is one range scan of job_claim_idx.
        RETURN QUERY
        WITH next AS (
            SELECT c.id FROM unnest(p_queues) AS q(name)
            CROSS JOIN LATERAL (
                SELECT j.id, j.priority, j.run_at FROM benefit.job j
                WHERE j.state = 'available' AND j.concurrency_limit IS NULL AND j.queue = q.name AND j.run_at <= now()
                ORDER BY j.priority, j.run_at, j.id
                LIMIT v_remaining
                FOR UPDATE SKIP LOCKED
            ) c
            ORDER BY c.priority, c.run_at, c.id
            LIMIT v_remaining
        ), claimed AS (
            UPDATE benefit.job j
            SET state = 'running', attempt = j.attempt + 1, lease_token = nextval('benefit.lease_token_seq'),
                lease_expires_at = now() + j.lease_ms * interval '1 millisecond'
            FROM next WHERE j.id = next.id
            RETURNING j.*
        ), attempts AS (
            INSERT INTO benefit.job_attempt (lease_token, job_id, attempt, worker, host, pid, started_at)
            SELECT c.lease_token, c.id, c.attempt, p_worker, p_host, p_pid, clock_timestamp() FROM claimed c
        )
        SELECT * FROM claimed;
    END IF;
END
$$;

-- Rows the diagnostic `drill` job kind and `drill` program write inside their
-- fenced commits: in an operator's fire drill (kill workers, restart the
-- server), a duplicated effect shows as a second row.
CREATE TABLE benefit.drill_effect (
    id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    job_id      bigint      NOT NULL,
    lease_token bigint,
    run_id      bigint,
    member_id   text,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX drill_effect_job_idx ON benefit.drill_effect (job_id);

-- Administrators' views (stable names and columns; see docs/sql.md).
CREATE VIEW benefit.jobs AS
SELECT id AS job_id, queue, kind, state, priority, attempt, max_attempts, run_at, run_id,
       unique_key, created_at, finished_at, last_error
FROM benefit.job;

CREATE VIEW benefit.job_attempts AS
SELECT a.job_id, j.run_id, NULL::text AS campaign, a.attempt, a.worker, a.host, a.pid, a.lease_token,
       a.started_at, a.finished_at, a.outcome, a.error
FROM benefit.job_attempt a
JOIN benefit.job j ON j.id = a.job_id;

CREATE VIEW benefit.dead_jobs AS
SELECT j.id AS job_id, j.run_id, NULL::text AS campaign, j.kind, j.attempt AS attempts, j.last_error,
       j.finished_at AS died_at
FROM benefit.job j
WHERE j.state = 'dead';
