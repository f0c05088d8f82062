-- 0019 attempt partitions: benefit.job_attempt is partitioned by month of
-- started_at (UTC), so retention drops a month of attempts as one table instead
-- of deleting its rows one by one (docs/operations.md, Retention).
-- compatible-from: 0018 (the table keeps its name, columns and grants; the queue's functions read it by name)
--
-- Layout:
--   job_attempt_yYYYYmMM       one partition per UTC month, made ahead of time:
--                              this migration makes the current month's and the
--                              next two; every worker keeps three months ahead
--                              (benefit.extend_attempt_partitions, hourly).
--   job_attempt_before_yYYYYmMM what the table held before this migration, attached
--                              as it is (no rows copied) for everything before that
--                              month; dropped like any month once it is old enough.
--
-- No default partition. A claim fails if no partition holds its month, so months
-- are made three ahead by every worker, first thing when it starts: only a
-- system whose workers all stopped for three months could meet a missing month,
-- and the first worker to start makes it. A default partition would cost more
-- than it saves: attaching a month beside one takes an ACCESS EXCLUSIVE lock on
-- it, which every completion (an UPDATE of the table, locking each partition)
-- would queue behind while any transaction held it, a frozen worker's commit say.
--
-- Why lookups need no started_at: the queue finds an attempt by its lease token,
-- which is not the partition key, so a lookup probes each partition's primary key
-- index (lease_token, started_at) by its leading column. Retention keeps the
-- partitions few (its months plus three ahead), and each probe of an empty one
-- costs about a microsecond. Carrying started_at through every fenced call would
-- have changed the workers' protocol for little gain.
--
-- Why attempts no longer have a foreign key to their job: a foreign key fires a
-- trigger for every job deleted (ON DELETE CASCADE, or a check that no attempt
-- names it), and on a partitioned table that trigger's query probes every month:
-- three quarters of a prune's time (1,000,000 jobs: about 11 s of 15). Attempts
-- are written only by benefit.claim_jobs, from the job rows it claims in the
-- same statement, and jobs are deleted only by benefit.prune_jobs, which now
-- deletes their attempts in the same statement, set-wise; no login may write
-- either table. The claim also stops paying the key check and key-share lock
-- on the job row for each attempt it inserts.
--
-- Why DROP TABLE and not DETACH ... CONCURRENTLY: the retention runs inside a
-- function with the owner's rights (workers and operators may not own tables),
-- and CONCURRENTLY cannot run in a transaction. DROP takes an ACCESS EXCLUSIVE
-- lock on job_attempt for an instant once a month; benefit.drop_attempt_partitions
-- waits for it at most half a second (lock_timeout) and otherwise leaves the month
-- for its next pass, so claims never queue behind it for long. Making a month
-- (CREATE TABLE, then ATTACH PARTITION) takes only a SHARE UPDATE EXCLUSIVE lock on
-- job_attempt, which claims and completions do not conflict with; it too gives up
-- after a second and is tried again.

SET LOCAL TimeZone = 'UTC';

DROP VIEW benefit.job_attempts;
ALTER TABLE benefit.job_attempt RENAME TO job_attempt_legacy;
ALTER TABLE benefit.job_attempt_legacy DROP CONSTRAINT job_attempt_pkey, DROP CONSTRAINT job_attempt_job_id_fkey;
ALTER INDEX benefit.job_attempt_job_idx RENAME TO job_attempt_legacy_job_idx;

-- The same columns, in the same order, with the same constraint names (an
-- attached table must carry its parent's checks under their names).
CREATE TABLE benefit.job_attempt (
    lease_token  bigint      NOT NULL,
    job_id       bigint      NOT NULL,
    attempt      integer     NOT NULL CONSTRAINT job_attempt_attempt_check CHECK (attempt >= 1),
    worker       text        NOT NULL,
    host         text        NOT NULL,
    pid          integer     NOT NULL,
    started_at   timestamptz NOT NULL DEFAULT clock_timestamp(),
    finished_at  timestamptz,
    outcome      text        NOT NULL DEFAULT 'running',
    error        text,
    retry_at     timestamptz,
    lease_secret uuid,
    CONSTRAINT job_attempt_outcome_check CHECK (outcome IN (
        'running', 'succeeded', 'retry', 'dead', 'lease_expired', 'released', 'fenced', 'cancelled', 'timed_out')),
    CONSTRAINT job_attempt_check1 CHECK ((outcome = 'running') = (finished_at IS NULL)),
    CONSTRAINT job_attempt_pkey PRIMARY KEY (lease_token, started_at)
) PARTITION BY RANGE (started_at);
CREATE INDEX job_attempt_job_idx ON benefit.job_attempt (job_id, attempt);

-- One UTC month's partition, made as a plain table and then attached (ATTACH
-- locks job_attempt only against other schema changes, not against claims).
-- Returns its name, or NULL when a partition already covers part of that month
-- or a lock was not granted within a second (the caller tries again later).
-- The owner's: tests and repairs.
CREATE FUNCTION benefit.create_attempt_partition(p_month date)
RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp SET TimeZone = 'UTC'
AS $$
DECLARE
    v_from timestamptz := date_trunc('month', p_month)::timestamp AT TIME ZONE 'UTC';
    v_to   timestamptz := (date_trunc('month', p_month) + interval '1 month')::timestamp AT TIME ZONE 'UTC';
    v_name text := 'job_attempt_' || to_char(p_month, '"y"YYYY"m"MM');
    v_wait text := current_setting('lock_timeout');
BEGIN
    IF to_regclass('benefit.' || quote_ident(v_name)) IS NOT NULL THEN
        RETURN NULL;
    END IF;
    -- Workers starting together would race to make the same month: one at a
    -- time, and one that finds another at it leaves the month to it.
    IF NOT pg_try_advisory_xact_lock(hashtext('benefit.job_attempt partitions')) THEN
        RETURN NULL;
    END IF;
    IF to_regclass('benefit.' || quote_ident(v_name)) IS NOT NULL THEN
        RETURN NULL;
    END IF;
    BEGIN
        PERFORM set_config('lock_timeout', '1s', true);
        EXECUTE format('CREATE TABLE benefit.%I (LIKE benefit.job_attempt INCLUDING DEFAULTS INCLUDING CONSTRAINTS)', v_name);
        EXECUTE format('ALTER TABLE benefit.job_attempt ATTACH PARTITION benefit.%I FOR VALUES FROM (%L) TO (%L)',
                       v_name, v_from, v_to);
        PERFORM set_config('lock_timeout', v_wait, true);
    EXCEPTION
        -- 42P17: it would overlap a partition (the rows from before 0019);
        -- 55P03: a lock not granted within the second; 42P07, 23505: made meanwhile
        -- by a session that does not take the advisory lock (the owner by hand).
        WHEN invalid_object_definition OR lock_not_available OR duplicate_table OR unique_violation THEN
            PERFORM set_config('lock_timeout', v_wait, true);
            RETURN NULL;
    END;
    RETURN v_name;
END
$$;

-- What was here before: attached whole as the partition for everything before
-- next month (its rows were all started by now), or dropped when empty.
DO $$
DECLARE
    v_next  date := (date_trunc('month', now()) + interval '1 month')::date;
    v_name  text := 'job_attempt_before_' || to_char(v_next, '"y"YYYY"m"MM');
BEGIN
    IF EXISTS (SELECT 1 FROM benefit.job_attempt_legacy) THEN
        EXECUTE format('ALTER TABLE benefit.job_attempt_legacy RENAME TO %I', v_name);
        EXECUTE format('ALTER INDEX benefit.job_attempt_legacy_job_idx RENAME TO %I', v_name || '_job_idx');
        EXECUTE format('REVOKE ALL ON benefit.%I FROM PUBLIC, benefit_worker, benefit_operator', v_name);
        EXECUTE format('ALTER TABLE benefit.job_attempt ATTACH PARTITION benefit.%I FOR VALUES FROM (MINVALUE) TO (%L)',
                       v_name, v_next::timestamp AT TIME ZONE 'UTC');
    ELSE
        DROP TABLE benefit.job_attempt_legacy;
        PERFORM benefit.create_attempt_partition(now()::date);
    END IF;
    PERFORM benefit.create_attempt_partition(v_next);
    PERFORM benefit.create_attempt_partition((v_next + interval '1 month')::date);
END
$$;

-- The partitions with their bounds (-infinity for the rows from before 0019),
-- rows (the planner's estimate) and size on disk.
CREATE VIEW benefit.job_attempt_partitions AS
SELECT c.relname::text AS partition,
       coalesce(substring(b.expr FROM 'FROM \(''([^'']+)''\)')::timestamptz, '-infinity') AS starts,
       substring(b.expr FROM 'TO \(''([^'']+)''\)')::timestamptz AS ends,
       greatest(c.reltuples, 0)::bigint AS estimated_rows,
       pg_total_relation_size(c.oid) AS bytes
FROM pg_inherits i
JOIN pg_class c ON c.oid = i.inhrelid
CROSS JOIN LATERAL (SELECT pg_get_expr(c.relpartbound, c.oid) AS expr) b
WHERE i.inhparent = 'benefit.job_attempt'::regclass;

-- 0018's prune, with the attempts deleted in the same statement as their jobs
-- (there is no cascade any more): one set-wise delete per chunk, through each
-- month's index on job_id.
CREATE OR REPLACE FUNCTION benefit.prune_jobs(p_older_than interval, p_limit integer, p_dry_run boolean)
RETURNS TABLE (jobs bigint, attempts bigint, finished_before timestamptz)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
SET enable_seqscan = off
AS $$
DECLARE
    v_before timestamptz := now() - greatest(p_older_than, interval '1 hour');
BEGIN
    IF p_limit IS NULL OR p_limit < 1 THEN
        RAISE EXCEPTION 'prune_jobs: the limit must be at least 1' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF p_dry_run THEN
        RETURN QUERY
        SELECT count(*), coalesce(sum((SELECT count(*) FROM benefit.job_attempt a WHERE a.job_id = j.id)), 0)::bigint, v_before
        FROM benefit.job j
        WHERE j.state IN ('succeeded', 'dead', 'cancelled') AND j.finished_at < v_before;
        RETURN;
    END IF;
    RETURN QUERY
    WITH chosen AS MATERIALIZED (
        -- SKIP LOCKED: a job an operator is retrying right now is left for the next pass.
        SELECT j.id FROM benefit.job j
        WHERE j.state IN ('succeeded', 'dead', 'cancelled') AND j.finished_at < v_before
        ORDER BY j.finished_at
        LIMIT p_limit
        FOR UPDATE SKIP LOCKED
    ), attempts AS (
        DELETE FROM benefit.job_attempt a USING chosen c WHERE a.job_id = c.id RETURNING 1
    ), pruned AS (
        DELETE FROM benefit.job j USING chosen c WHERE j.id = c.id RETURNING 1
    )
    SELECT (SELECT count(*) FROM pruned), (SELECT count(*) FROM attempts), v_before;
END
$$;

-- Workers (hourly) and operators: makes the partitions of this month and the
-- next p_months that are missing; returns their names. At most a year ahead.
CREATE FUNCTION benefit.extend_attempt_partitions(p_months integer)
RETURNS SETOF text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp SET TimeZone = 'UTC'
AS $$
DECLARE
    v_month date := date_trunc('month', now())::date;
    v_name  text;
BEGIN
    IF p_months IS NULL OR p_months NOT BETWEEN 0 AND 12 THEN
        RAISE EXCEPTION 'extend_attempt_partitions: months ahead must be 0 to 12, not %', p_months
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    FOR i IN 0 .. p_months LOOP
        -- Months the rows from before 0019 already cover are skipped by name
        -- check first, so a quiet call takes no lock and makes no subtransaction.
        CONTINUE WHEN EXISTS (
            SELECT 1 FROM benefit.job_attempt_partitions p
            WHERE p.starts <= (v_month + i * interval '1 month') AND p.ends > (v_month + i * interval '1 month'));
        v_name := benefit.create_attempt_partition((v_month + i * interval '1 month')::date);
        IF v_name IS NOT NULL THEN
            RETURN NEXT v_name;
        END IF;
    END LOOP;
END
$$;

-- Retention's first step: drops the monthly partitions that ended before
-- now() - p_older_than (at least an hour), oldest first, with every attempt in
-- them; returns each one's name and rows. A partition holding the attempt of a
-- job still running is kept (its worker still reads its lease there), and so is
-- one whose lock is not granted within half a second (claims would queue behind
-- the wait): the next pass takes it. With p_dry_run it drops nothing and lists
-- what would go.
CREATE FUNCTION benefit.drop_attempt_partitions(p_older_than interval, p_dry_run boolean)
RETURNS TABLE (partition text, attempts bigint)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp SET TimeZone = 'UTC'
AS $$
DECLARE
    v_before  timestamptz := now() - greatest(p_older_than, interval '1 hour');
    v_name    text;
    v_running boolean;
    v_rows    bigint;
    v_wait    text := current_setting('lock_timeout');
BEGIN
    FOR v_name IN
        SELECT p.partition FROM benefit.job_attempt_partitions p WHERE p.ends <= v_before ORDER BY p.ends
    LOOP
        EXECUTE format('SELECT EXISTS (SELECT 1 FROM benefit.%I a JOIN benefit.job j ON j.lease_token = a.lease_token'
                       ' WHERE j.state = ''running'')', v_name) INTO v_running;
        CONTINUE WHEN v_running;
        EXECUTE format('SELECT count(*) FROM benefit.%I', v_name) INTO v_rows;
        IF NOT p_dry_run THEN
            BEGIN
                PERFORM set_config('lock_timeout', '500ms', true);
                EXECUTE format('DROP TABLE benefit.%I', v_name);
                PERFORM set_config('lock_timeout', v_wait, true);
            EXCEPTION WHEN lock_not_available THEN
                PERFORM set_config('lock_timeout', v_wait, true);
                RAISE NOTICE 'drop_attempt_partitions: % is busy; left for the next pass', v_name;
                CONTINUE;
            END;
        END IF;
        partition := v_name;
        attempts := v_rows;
        RETURN NEXT;
    END LOOP;
END
$$;

-- The administrators' view, as before, on the partitioned table.
CREATE VIEW benefit.job_attempts AS
SELECT a.job_id, r.id AS run_id, c.name AS campaign, a.attempt, a.worker, a.host, a.pid, a.lease_token,
       a.started_at, a.finished_at, a.outcome, a.error
FROM benefit.job_attempt a
JOIN benefit.job j ON j.id = a.job_id
LEFT JOIN benefit.run r ON j.group_key = 'run:' || r.id
LEFT JOIN benefit.campaign c ON c.id = r.campaign_id;

------------------------------------------------------------------------------
-- Grants (the matrix in docs/sql.md, Roles): as before on the table and the
-- view; partitions are reached only through the table.
------------------------------------------------------------------------------

REVOKE ALL ON benefit.job_attempt FROM PUBLIC;
GRANT SELECT (lease_token, job_id, attempt, worker, host, pid, started_at, finished_at, outcome, error, retry_at)
    ON benefit.job_attempt TO benefit_worker, benefit_operator;
GRANT SELECT ON benefit.job_attempts TO benefit_admin, benefit_operator, benefit_worker;
GRANT SELECT ON benefit.job_attempt_partitions TO benefit_admin, benefit_operator, benefit_worker;

REVOKE ALL ON FUNCTION benefit.create_attempt_partition(date), benefit.extend_attempt_partitions(integer),
    benefit.drop_attempt_partitions(interval, boolean) FROM PUBLIC;
-- Workers keep months ahead; the leading scheduler (a worker login) and
-- operators (`jobs prune`) drop old ones.
GRANT EXECUTE ON FUNCTION benefit.extend_attempt_partitions(integer), benefit.drop_attempt_partitions(interval, boolean)
    TO benefit_worker, benefit_operator;
