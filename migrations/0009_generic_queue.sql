-- 0009 generic queue: the queue's table no longer knows campaigns or runs.
--
-- Until now benefit.job carried a run's fields (run_id, campaign_id, members,
-- result_amount) and claim_jobs limited concurrency per campaign. After this
-- migration the queue (Sources/BenefitQueue) owns benefit.job, benefit.job_attempt,
-- benefit.lease_token_seq, benefit.probe_effect, benefit.claim_jobs and the
-- `benefit_jobs` channel, and knows two generic notions instead:
--
-- - a job's *group* (group_key): a label its producer gives related jobs, so it
--   can cancel, retry and count them together. The runs layer names a run's
--   jobs 'run:<run id>'.
-- - a job's *concurrency group* (concurrency_key + concurrency_limit): at most
--   `limit` jobs with the same key run at once, across all workers. The runs
--   layer uses 'campaign:<campaign id>' with the campaign's `concurrency`.
--
-- What a run records about its batches moves to a table the runs layer owns,
-- benefit.run_batch: each batch's members (they were in the job's payload) and,
-- written in the batch's fenced commit, what it did (members, amount). A batch
-- job's payload is now just {"run": R, "batch": B}. Each run also remembers its
-- planning job (run.plan_job_id).
--
-- The administrators' views keep their names, columns and rows; they are
-- restated over the new tables. The views that show runs and campaigns beside
-- jobs (jobs, job_attempts, dead_jobs, run_history) belong to the runs layer.
--
-- benefit.drill_effect (0002) now belongs to the `drill` program alone. The
-- queue's own diagnostic kind that writes in its fenced commit is `probe`, and
-- writes to benefit.probe_effect (rows the old `drill` job kind wrote stay in
-- drill_effect, with run_id NULL). No worker runs the old `drill` kind any more:
-- a queued or dead job of that kind, retried, goes dead with "no handler";
-- enqueue a `probe` instead.
--
-- Upgrade: stop every worker and scheduler first (as for every migration); jobs
-- of runs in progress are carried over and go on when the new workers start.

DROP VIEW benefit.run_history, benefit.jobs, benefit.job_attempts, benefit.dead_jobs;

-- 1. The runs layer's record of each run's batches, filled from the jobs.
CREATE TABLE benefit.run_batch (
    run_id       bigint        NOT NULL REFERENCES benefit.run (id),
    -- 1, 2, ... in rank order.
    batch        integer       NOT NULL CHECK (batch >= 1),
    first_rank   bigint        NOT NULL CHECK (first_rank >= 1),
    member_ids   text[]        NOT NULL,
    members      integer       NOT NULL CHECK (members >= 0),
    -- The batch's job on the queue, set in the transaction that plans the run. No
    -- foreign key: the queue's rows may be pruned, a run's record is kept.
    job_id       bigint        UNIQUE,
    -- Written in the batch's fenced commit: when, and what it did.
    done_at      timestamptz,
    members_done integer       CHECK (members_done >= 0),
    amount       numeric(14,2),
    PRIMARY KEY (run_id, batch),
    CHECK ((done_at IS NULL) = (members_done IS NULL))
);

INSERT INTO benefit.run_batch (run_id, batch, first_rank, member_ids, members, job_id, done_at, members_done, amount)
SELECT j.run_id,
       row_number() OVER (PARTITION BY j.run_id ORDER BY (j.payload->>'firstRank')::bigint, j.id),
       (j.payload->>'firstRank')::bigint,
       ARRAY(SELECT jsonb_array_elements_text(j.payload->'members')),
       jsonb_array_length(j.payload->'members'),
       j.id,
       -- A batch's commit wrote what it did (members handled, money) on its job row.
       CASE WHEN j.state = 'succeeded' THEN j.finished_at END,
       CASE WHEN j.state = 'succeeded' THEN coalesce(j.members, jsonb_array_length(j.payload->'members')) END,
       CASE WHEN j.state = 'succeeded' THEN j.result_amount END
FROM benefit.job j
WHERE j.kind = 'campaign.batch' AND j.run_id IS NOT NULL;

ALTER TABLE benefit.run ADD COLUMN plan_job_id bigint;
UPDATE benefit.run r SET plan_job_id = p.id
FROM (SELECT run_id, min(id) AS id FROM benefit.job WHERE kind = 'campaign.plan' AND run_id IS NOT NULL GROUP BY run_id) p
WHERE p.run_id = r.id;

-- Batches that may still run (now, or after an operator's retry) take the new payload.
UPDATE benefit.job j SET payload = jsonb_build_object('run', b.run_id, 'batch', b.batch)
FROM benefit.run_batch b
WHERE b.job_id = j.id AND j.state <> 'succeeded';

-- 2. Groups and concurrency groups on the queue's table, in place of runs and campaigns.
ALTER TABLE benefit.job
    ADD COLUMN group_key text CHECK (length(group_key) BETWEEN 1 AND 200),
    ADD COLUMN concurrency_key text CHECK (length(concurrency_key) BETWEEN 1 AND 200);
UPDATE benefit.job SET group_key = 'run:' || run_id WHERE run_id IS NOT NULL;
UPDATE benefit.job SET concurrency_key = 'campaign:' || campaign_id WHERE concurrency_limit IS NOT NULL;

DROP INDEX benefit.job_claim_idx, benefit.job_claim_limited_idx, benefit.job_campaign_running_idx, benefit.job_run_idx;
ALTER TABLE benefit.job
    DROP CONSTRAINT job_campaign_fk,
    DROP CONSTRAINT job_run_fk,
    DROP COLUMN run_id,
    DROP COLUMN campaign_id,
    DROP COLUMN members,
    DROP COLUMN result_amount,
    ADD CONSTRAINT job_concurrency_group_check CHECK ((concurrency_key IS NULL) = (concurrency_limit IS NULL));

-- The claim: one index range scan per queue over available jobs outside any
-- concurrency group; grouped ones have their own index, per group.
CREATE INDEX job_claim_idx ON benefit.job (queue, priority, run_at, id)
    WHERE state = 'available' AND concurrency_key IS NULL;
CREATE INDEX job_claim_limited_idx ON benefit.job (concurrency_key, queue, priority, run_at, id)
    WHERE state = 'available' AND concurrency_key IS NOT NULL;
-- A concurrency group's running jobs, counted against its limit.
CREATE INDEX job_concurrency_running_idx ON benefit.job (concurrency_key)
    WHERE state = 'running' AND concurrency_key IS NOT NULL;
-- A group's jobs by state: cancel, retry and count by group.
CREATE INDEX job_group_idx ON benefit.job (group_key, state) WHERE group_key IS NOT NULL;

-- 3. An attempt whose job's work was no longer wanted (its run was cancelled)
--    ends `cancelled`, and so does its job.
ALTER TABLE benefit.job_attempt
    DROP CONSTRAINT job_attempt_outcome_check,
    ADD CONSTRAINT job_attempt_outcome_check
        CHECK (outcome IN ('running', 'succeeded', 'retry', 'dead', 'lease_expired', 'released', 'fenced', 'cancelled'));

-- 4. The diagnostic `probe` kind's effects: one row per committed attempt.
CREATE TABLE benefit.probe_effect (
    id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    job_id      bigint      NOT NULL,
    lease_token bigint      NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX probe_effect_job_idx ON benefit.probe_effect (job_id);

-- 5. claim_jobs (0008's) claims per campaign, over columns dropped above. Its
--    successor, with concurrency groups in place of campaigns and a lease secret
--    per attempt, is created by 0010 (the two ship together: no release stops
--    between them).
DROP FUNCTION benefit.claim_jobs(text[], integer, text, text, integer);

-- 6. The administrators' views, restated with the same names, columns and rows.
--    A job belongs to the run whose group it is in ('run:<id>'). The join is on a
--    computed name: a run's jobs are found through job_group_idx, but a job's run
--    is not found through the run's primary key (fine for these views' reads).
CREATE VIEW benefit.jobs AS
SELECT j.id AS job_id, j.queue, j.kind, j.state, j.priority, j.attempt, j.max_attempts, j.run_at, r.id AS run_id,
       j.unique_key, j.created_at, j.finished_at, j.last_error
FROM benefit.job j
LEFT JOIN benefit.run r ON j.group_key = 'run:' || r.id;

CREATE VIEW benefit.job_attempts AS
SELECT a.job_id, r.id AS run_id, c.name AS campaign, a.attempt, a.worker, a.host, a.pid, a.lease_token,
       a.started_at, a.finished_at, a.outcome, a.error
FROM benefit.job_attempt a
JOIN benefit.job j ON j.id = a.job_id
LEFT JOIN benefit.run r ON j.group_key = 'run:' || r.id
LEFT JOIN benefit.campaign c ON c.id = r.campaign_id;

CREATE VIEW benefit.dead_jobs AS
SELECT j.id AS job_id, r.id AS run_id, c.name AS campaign, j.kind, j.attempt AS attempts, j.last_error,
       j.finished_at AS died_at
FROM benefit.job j
LEFT JOIN benefit.run r ON j.group_key = 'run:' || r.id
LEFT JOIN benefit.campaign c ON c.id = r.campaign_id
WHERE j.state = 'dead';

-- A run's batches come from its own record (run_batch); only whether a batch's
-- job is dead is read from the queue.
CREATE VIEW benefit.run_history AS
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
           count(*) FILTER (WHERE j.state = 'dead') AS dead,
           sum(rb.members_done) AS members_done,
           sum(rb.amount) AS amount_total
    FROM benefit.run_batch rb
    LEFT JOIN benefit.job j ON j.id = rb.job_id
    WHERE rb.run_id = r.id
) b ON true;

GRANT SELECT ON benefit.run_history, benefit.jobs, benefit.job_attempts, benefit.dead_jobs TO benefit_admin, benefit_worker;

-- Workers plan runs (insert batches), run them (read their members, record what
-- they did) and write probe effects.
GRANT SELECT, INSERT ON benefit.run_batch TO benefit_worker;
GRANT UPDATE (job_id, done_at, members_done, amount) ON benefit.run_batch TO benefit_worker;
GRANT SELECT, INSERT ON benefit.probe_effect TO benefit_worker;
-- A fan-out draws its jobs' ids before inserting them (see JobQueries.insertSelected).
GRANT USAGE ON SEQUENCE benefit.job_id_seq TO benefit_worker;
