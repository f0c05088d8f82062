-- 0003 campaigns: campaigns and their revisions, runs, the scheduler's leader
-- lease, the administrators' views and the least-privilege roles.

CREATE TABLE benefit.campaign (
    id                bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name              text        NOT NULL UNIQUE CHECK (name ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
    program           text        NOT NULL,
    revision          integer     NOT NULL CHECK (revision >= 1),
    -- The current revision's canonical definition (also kept in campaign_revision).
    definition        jsonb       NOT NULL,
    paused            boolean     NOT NULL DEFAULT false,
    paused_reason     text,
    paused_at         timestamptz,
    -- Fire times up to this instant have been handled: a run was created, or the
    -- catch-up or overlap policy skipped them. Advanced only in the transaction
    -- that creates those runs, so a fire time is never lost.
    scheduled_through timestamptz NOT NULL DEFAULT now(),
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    CHECK (paused = (paused_at IS NOT NULL))
);

CREATE TABLE benefit.campaign_revision (
    campaign_id bigint      NOT NULL REFERENCES benefit.campaign (id),
    revision    integer     NOT NULL CHECK (revision >= 1),
    definition  jsonb       NOT NULL,
    source      text        NOT NULL,   -- the file as applied
    source_file text,
    applied_by  text        NOT NULL,   -- OS user@host
    applied_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (campaign_id, revision)
);

CREATE TABLE benefit.run (
    id                bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    campaign_id       bigint      NOT NULL REFERENCES benefit.campaign (id),
    campaign_revision integer     NOT NULL,
    fire_time         timestamptz NOT NULL,
    trigger           text        NOT NULL CHECK (trigger IN ('schedule', 'manual', 'catch-up')),
    -- The period effects are unique within: '2026' (yearly), '2026-12' (monthly), 'run-<fire time>' (run).
    cycle             text        NOT NULL,
    state             text        NOT NULL DEFAULT 'pending'
                      CHECK (state IN ('pending', 'running', 'succeeded', 'failed', 'cancelled')),
    cancel_requested  boolean     NOT NULL DEFAULT false,
    created_at        timestamptz NOT NULL DEFAULT now(),
    started_at        timestamptz,
    finished_at       timestamptz,
    batches_total     integer,
    members_total     integer,
    -- One run per campaign and fire time, however many schedulers run.
    UNIQUE (campaign_id, fire_time),
    FOREIGN KEY (campaign_id, campaign_revision) REFERENCES benefit.campaign_revision (campaign_id, revision),
    CHECK ((state IN ('succeeded', 'failed', 'cancelled')) = (finished_at IS NOT NULL))
);
CREATE INDEX run_active_idx ON benefit.run (campaign_id) WHERE state IN ('pending', 'running');
CREATE INDEX run_fire_time_idx ON benefit.run (campaign_id, fire_time DESC);

ALTER TABLE benefit.job
    ADD CONSTRAINT job_campaign_fk FOREIGN KEY (campaign_id) REFERENCES benefit.campaign (id),
    ADD CONSTRAINT job_run_fk FOREIGN KEY (run_id) REFERENCES benefit.run (id);

-- At most one row: who leads the schedulers, until when.
CREATE TABLE benefit.scheduler_lease (
    singleton  boolean     PRIMARY KEY DEFAULT true CHECK (singleton),
    holder     text        NOT NULL,
    term       bigint      NOT NULL DEFAULT 1,
    expires_at timestamptz NOT NULL
);

-- Administrators' views (stable; see docs/sql.md).
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
    SELECT count(*) FILTER (WHERE j.state = 'succeeded') AS succeeded,
           count(*) FILTER (WHERE j.state = 'dead') AS dead,
           sum(j.members) FILTER (WHERE j.state = 'succeeded') AS members_done,
           sum(j.result_amount) FILTER (WHERE j.state = 'succeeded') AS amount_total
    FROM benefit.job j
    WHERE j.run_id = r.id AND j.kind = 'campaign.batch'
) b ON true;

CREATE OR REPLACE VIEW benefit.job_attempts AS
SELECT a.job_id, j.run_id, c.name AS campaign, a.attempt, a.worker, a.host, a.pid, a.lease_token,
       a.started_at, a.finished_at, a.outcome, a.error
FROM benefit.job_attempt a
JOIN benefit.job j ON j.id = a.job_id
LEFT JOIN benefit.campaign c ON c.id = j.campaign_id;

CREATE OR REPLACE VIEW benefit.dead_jobs AS
SELECT j.id AS job_id, j.run_id, c.name AS campaign, j.kind, j.attempt AS attempts, j.last_error,
       j.finished_at AS died_at
FROM benefit.job j
LEFT JOIN benefit.campaign c ON c.id = j.campaign_id
WHERE j.state = 'dead';

CREATE VIEW benefit.campaigns AS
SELECT c.name AS campaign, c.program, c.revision, c.definition->>'title' AS title, c.paused, c.paused_reason,
       c.created_at, c.updated_at, rv.applied_by AS last_applied_by
FROM benefit.campaign c
JOIN benefit.campaign_revision rv ON rv.campaign_id = c.id AND rv.revision = c.revision;

-- Roles. Cluster-wide, so created only if missing (several databases may share a
-- server, and may be migrated at the same moment: the existence check can race,
-- so a duplicate is caught rather than prevented). NOLOGIN: grant them to login
-- roles, e.g. GRANT benefit_admin TO alice.
DO $$
DECLARE
    v_role text;
BEGIN
    FOREACH v_role IN ARRAY ARRAY['benefit_admin', 'benefit_worker'] LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = v_role) THEN
            BEGIN
                EXECUTE format('CREATE ROLE %I NOLOGIN', v_role);
            EXCEPTION WHEN duplicate_object OR unique_violation THEN
                NULL;
            END;
        END IF;
    END LOOP;
END
$$;

-- Administrators read the views and nothing else.
GRANT USAGE ON SCHEMA benefit TO benefit_admin;
GRANT SELECT ON benefit.run_history, benefit.jobs, benefit.job_attempts, benefit.dead_jobs, benefit.campaigns
    TO benefit_admin;

-- Workers run jobs: claim, heartbeat, complete, fail, release, rescue, enqueue
-- batches, finish runs. They read campaigns but cannot change them.
GRANT USAGE ON SCHEMA benefit TO benefit_worker;
GRANT SELECT ON benefit.campaign, benefit.campaign_revision, benefit.schema_migrations TO benefit_worker;
GRANT SELECT, INSERT, UPDATE ON benefit.job, benefit.job_attempt TO benefit_worker;
GRANT SELECT, UPDATE ON benefit.run TO benefit_worker;
GRANT SELECT, INSERT ON benefit.drill_effect TO benefit_worker;
GRANT USAGE ON SEQUENCE benefit.lease_token_seq TO benefit_worker;
GRANT SELECT ON benefit.run_history, benefit.jobs, benefit.job_attempts, benefit.dead_jobs TO benefit_worker;
