-- 0012 the process registry: every `benefit worker`, `benefit scheduler` (and
-- later console) registers itself, reports itself alive on a heartbeat of its
-- own, says when it drains and when it stops. Administrators read it from the
-- view benefit.processes; a process silent past its heartbeat timeout is shown
-- gone, and rows silent past a retention period are deleted (prune_processes).
--
-- The table is written only by the functions below. A registration returns a
-- random secret besides the row's id, and the heartbeat and the stop take it: a
-- login can change only the rows of the processes it started. Liveness is
-- judged by the database clock alone (now()), as leases are.

CREATE TABLE benefit.process (
    id                bigserial   PRIMARY KEY,
    role              text        NOT NULL CHECK (role IN ('worker', 'scheduler', 'console')),
    name              text        NOT NULL,
    host              text        NOT NULL,
    pid               integer     NOT NULL,
    version           text        NOT NULL,
    -- The queues a worker claims from; empty for the others.
    queues            text[]      NOT NULL DEFAULT '{}',
    -- Jobs a worker runs at once; NULL for the others.
    concurrency       integer     CHECK (concurrency > 0),
    -- The login it connects as, set here (a client cannot choose it).
    db_user           text        NOT NULL DEFAULT session_user,
    started_at        timestamptz NOT NULL DEFAULT now(),
    last_heartbeat_at timestamptz NOT NULL DEFAULT now(),
    -- Shown gone when no heartbeat came for this long (three of its heartbeats).
    heartbeat_timeout interval    NOT NULL CHECK (heartbeat_timeout > interval '0'),
    state             text        NOT NULL DEFAULT 'running' CHECK (state IN ('running', 'draining', 'stopped')),
    stopped_at        timestamptz,
    secret            uuid        NOT NULL DEFAULT gen_random_uuid(),
    CHECK ((state = 'stopped') = (stopped_at IS NOT NULL))
);
CREATE INDEX process_last_heartbeat_idx ON benefit.process (last_heartbeat_at);

-- A process starts: its row, and the secret its later calls prove it with.
CREATE FUNCTION benefit.register_process(
    p_role text, p_name text, p_host text, p_pid integer, p_version text, p_queues text[], p_concurrency integer,
    p_heartbeat_timeout interval)
RETURNS TABLE (process_id bigint, secret uuid)
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
    INSERT INTO benefit.process (role, name, host, pid, version, queues, concurrency, heartbeat_timeout, db_user)
    VALUES (p_role, p_name, p_host, p_pid, p_version, coalesce(p_queues, '{}'), p_concurrency, p_heartbeat_timeout, session_user)
    RETURNING id, secret
$$;

-- A heartbeat, with the state the process is in (running or draining). False
-- when the row is not there (pruned while the process was cut off for longer
-- than the retention): the process registers again.
CREATE FUNCTION benefit.process_heartbeat(p_id bigint, p_secret uuid, p_state text)
RETURNS boolean
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
    WITH beat AS (
        UPDATE benefit.process SET last_heartbeat_at = now(), state = p_state
        WHERE id = p_id AND secret = p_secret AND state <> 'stopped' AND p_state IN ('running', 'draining')
        RETURNING 1
    )
    SELECT EXISTS (SELECT 1 FROM beat)
$$;

-- The process has drained and is about to exit.
CREATE FUNCTION benefit.process_stopped(p_id bigint, p_secret uuid)
RETURNS boolean
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
    WITH stop AS (
        UPDATE benefit.process SET last_heartbeat_at = now(), state = 'stopped', stopped_at = now()
        WHERE id = p_id AND secret = p_secret AND state <> 'stopped'
        RETURNING 1
    )
    SELECT EXISTS (SELECT 1 FROM stop)
$$;

-- Deletes the rows of processes stopped or silent for longer than p_retention;
-- returns how many. Every process calls it when it registers and every hour.
CREATE FUNCTION benefit.prune_processes(p_retention interval)
RETURNS integer
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
    WITH pruned AS (
        DELETE FROM benefit.process WHERE last_heartbeat_at < now() - greatest(p_retention, interval '1 hour')
        RETURNING 1
    )
    SELECT count(*)::integer FROM pruned
$$;

-- Administrators' view: one row per process, its state as judged now (gone when
-- silent past its timeout), and whether it is the scheduler that leads.
CREATE VIEW benefit.processes AS
SELECT p.id AS process_id, p.role, p.name, p.host, p.pid, p.version, p.queues, p.concurrency, p.db_user,
       p.started_at, p.last_heartbeat_at, p.stopped_at,
       CASE WHEN p.state <> 'stopped' AND p.last_heartbeat_at < now() - p.heartbeat_timeout THEN 'gone' ELSE p.state END AS state,
       (p.role = 'scheduler' AND p.state = 'running' AND p.last_heartbeat_at >= now() - p.heartbeat_timeout
        AND EXISTS (SELECT 1 FROM benefit.scheduler_lease l WHERE l.holder = p.name AND l.expires_at > now())) AS leader
FROM benefit.process p;

REVOKE ALL ON benefit.process FROM benefit_worker, benefit_admin, benefit_operator;
REVOKE ALL ON FUNCTION benefit.register_process(text, text, text, integer, text, text[], integer, interval),
    benefit.process_heartbeat(bigint, uuid, text), benefit.process_stopped(bigint, uuid),
    benefit.prune_processes(interval)
    FROM PUBLIC;
GRANT SELECT ON benefit.processes TO benefit_admin, benefit_operator, benefit_worker;
-- The daemons register, beat and stop; operators' consoles will too.
GRANT EXECUTE ON FUNCTION benefit.register_process(text, text, text, integer, text, text[], integer, interval),
    benefit.process_heartbeat(bigint, uuid, text), benefit.process_stopped(bigint, uuid),
    benefit.prune_processes(interval)
    TO benefit_worker, benefit_operator;
