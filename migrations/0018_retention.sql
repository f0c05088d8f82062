-- 0018 retention: finished jobs and their attempts may be pruned
-- (`benefit jobs prune --older-than D`, and `benefit scheduler --retention D`),
-- while every run keeps its summary (docs/operations.md, Retention).
-- compatible-from: 0017 (only adds: a column written by a trigger, a function, an index, an audit action)
--
-- A run's figures in benefit.run_history come from the runs layer's own record
-- (run, run_batch) but for one: whether a batch's job is dead was read from the
-- queue's job row, and a pruned job would have made a failed run's dead batches
-- vanish. The runs layer now records it on run_batch (died_at) when the job dies,
-- in the transaction that kills it, whichever path does (a failure, the rescuer,
-- a timeout), and clears it when the job is put back (a retry): a trigger on the
-- job's state, so no path of the queue's can forget it and the queue's code still
-- knows no run.

ALTER TABLE benefit.run_batch ADD COLUMN died_at timestamptz;

UPDATE benefit.run_batch rb SET died_at = j.finished_at
FROM benefit.job j
WHERE j.id = rb.job_id AND j.state = 'dead';

-- Owner's rights: run_batch takes no update of died_at from any login.
CREATE FUNCTION benefit.run_batch_records_death() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    UPDATE benefit.run_batch rb
    SET died_at = CASE WHEN NEW.state = 'dead' THEN coalesce(NEW.finished_at, now()) END
    WHERE rb.job_id = NEW.id;
    RETURN NULL;
END
$$;

-- Fires only when a job dies or leaves death, so claims and completions pay nothing.
CREATE TRIGGER run_batch_records_death AFTER UPDATE OF state ON benefit.job
    FOR EACH ROW WHEN (NEW.state IS DISTINCT FROM OLD.state AND (NEW.state = 'dead' OR OLD.state = 'dead'))
    EXECUTE FUNCTION benefit.run_batch_records_death();

CREATE OR REPLACE VIEW benefit.run_history AS
SELECT r.id AS run_id, c.name AS campaign, c.program, r.cycle, r.fire_time, r.trigger, r.state,
       r.started_at, r.finished_at, r.finished_at - r.started_at AS duration,
       coalesce(r.batches_total, 0) AS batches_total,
       coalesce(b.succeeded, 0) AS batches_succeeded,
       coalesce(b.dead, 0) AS batches_dead,
       coalesce(r.members_total, 0) AS members_total,
       coalesce(b.members_done, 0) AS members_done,
       coalesce(b.amount_total, 0)::numeric(14, 2) AS amount_total
FROM benefit.run r
JOIN benefit.campaign c ON c.id = r.campaign_id
LEFT JOIN LATERAL (
    SELECT count(*) FILTER (WHERE rb.done_at IS NOT NULL) AS succeeded,
           count(*) FILTER (WHERE rb.died_at IS NOT NULL) AS dead,
           sum(rb.members_done) AS members_done,
           sum(rb.amount) AS amount_total
    FROM benefit.run_batch rb
    WHERE rb.run_id = r.id
) b ON true;

-- Pruning finds finished jobs by when they finished; a partial index holds only
-- those, so claims (which never read it) keep their own indexes unchanged.
CREATE INDEX job_finished_idx ON benefit.job (finished_at)
    WHERE state IN ('succeeded', 'dead', 'cancelled');

-- Deletes up to p_limit jobs that finished (succeeded, dead or cancelled) before
-- now() - p_older_than, oldest first, with their attempts (the attempts' foreign
-- key cascades); returns how many of each. With p_dry_run it deletes nothing and
-- counts all that would go. Never a job that is available or running, and never
-- an effect: effects name their job without a foreign key. Below one hour the
-- retention counts as one hour, so a run still finishing never loses its jobs.
-- Run by `benefit jobs prune` (operators) and the leading `benefit scheduler`
-- (workers), each call one bounded chunk in its own transaction.
CREATE FUNCTION benefit.prune_jobs(p_older_than interval, p_limit integer, p_dry_run boolean)
RETURNS TABLE (jobs bigint, attempts bigint, finished_before timestamptz)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
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
    WITH chosen AS (
        -- SKIP LOCKED: a job an operator is retrying right now is left for the next pass.
        SELECT j.id FROM benefit.job j
        WHERE j.state IN ('succeeded', 'dead', 'cancelled') AND j.finished_at < v_before
        ORDER BY j.finished_at
        LIMIT p_limit
        FOR UPDATE SKIP LOCKED
    ), counted AS (
        SELECT count(*) AS n FROM benefit.job_attempt a WHERE a.job_id IN (SELECT c.id FROM chosen c)
    ), pruned AS (
        DELETE FROM benefit.job j USING chosen c WHERE j.id = c.id RETURNING 1
    )
    SELECT (SELECT count(*) FROM pruned), (SELECT n FROM counted), v_before;
END
$$;

REVOKE ALL ON FUNCTION benefit.prune_jobs(interval, integer, boolean), benefit.run_batch_records_death() FROM PUBLIC;
-- Operators prune by hand (`jobs prune`); the leading scheduler, a worker login, by its retention.
GRANT EXECUTE ON FUNCTION benefit.prune_jobs(interval, integer, boolean) TO benefit_operator, benefit_worker;

-- `benefit jobs prune` is audited: one row per chunk it deleted, in the chunk's transaction.
ALTER TABLE benefit.audit_event DROP CONSTRAINT audit_event_action_check;
ALTER TABLE benefit.audit_event ADD CONSTRAINT audit_event_action_check CHECK (action IN (
    'campaign.apply', 'campaign.pause', 'campaign.resume', 'campaign.trigger', 'campaign.backfill',
    'run.cancel', 'run.retry', 'job.retry', 'job.cancel', 'job.prune', 'roster.import',
    'queue.pause', 'queue.resume',
    'user.add', 'user.disable', 'user.passwd', 'user.login', 'user.logout'));
