-- 0025 job fairs: the spring job-fair season (春送岗位) as a program. The
-- register of org units and their districts (benefit members units), the
-- fairs of a campaign's cycle (each in a district, on a date, with a
-- capacity), each run's placement plan, the places, and the administrators'
-- views over them. Members without a place go on the shared waitlist
-- (benefit.waitlist_entry, 0005) with program 'job-fair'. See
-- docs/programs.md (job-fair).
-- compatible-from: 0024 (only adds: tables, views, functions, an audit action; the served-member and member-history views keep their columns)
--
-- The placement is recuperation's (0007, 0010): fairs are its sessions, and a
-- district's fairs take the ranks of that district's members. The invariants
-- are held here, as for recuperation places: every fair place holds a seat
-- from 1 to its fair's capacity (a CHECK, the capacity pinned to the fair's by
-- a foreign key), a seat is held once (a unique key), a member has one place
-- per campaign and cycle (the primary key); places are inserted only by the
-- fenced commit of the batch they name, plans only by their run's planning
-- commit (row-level security), fairs are opened only from the campaign
-- revision the run fires, and places_taken is kept by a trigger. No role but
-- the owner can overbook a fair or place a member twice.
--
-- A job-fair waitlist entry counts as served (the served-member view's
-- default): a later run of the cycle ranks only members no run reached.

------------------------------------------------------------------------------
-- The register of org units: which district each unit is in
------------------------------------------------------------------------------

-- One row per org unit (the roster's org_unit), imported by `benefit members
-- units FILE.csv`. A member's district is their unit's; a unit missing here
-- has no district, and its members are waitlisted by job-fair campaigns.
CREATE TABLE benefit.org_unit (
    org_unit   text        PRIMARY KEY CHECK (length(org_unit) BETWEEN 1 AND 200),
    district   text        NOT NULL CHECK (length(district) BETWEEN 1 AND 200),
    updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE VIEW benefit.org_units AS
SELECT u.org_unit, u.district, u.updated_at,
       (SELECT count(*) FROM benefit.member m WHERE m.org_unit = u.org_unit AND m.left_on IS NULL) AS members
FROM benefit.org_unit u;

------------------------------------------------------------------------------
-- Fairs, plans, places
------------------------------------------------------------------------------

-- A fair of a campaign's cycle, in file order (position 1 is the first fair).
-- Opened by the cycle's first run from its parameters; later runs share them.
CREATE TABLE benefit.job_fair (
    campaign_id  bigint      NOT NULL REFERENCES benefit.campaign (id),
    cycle        text        NOT NULL,
    position     integer     NOT NULL CHECK (position >= 1),
    name         text        NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    district     text        NOT NULL CHECK (length(district) BETWEEN 1 AND 200),
    fair_date    date        NOT NULL,
    capacity     integer     NOT NULL CHECK (capacity BETWEEN 1 AND 100000),
    -- Places already given to runs' plans (seats 1 .. places_taken), as
    -- recuperation_session.places_taken.
    places_taken integer     NOT NULL DEFAULT 0 CHECK (places_taken BETWEEN 0 AND capacity),
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (campaign_id, cycle, position),
    UNIQUE (campaign_id, cycle, name),
    -- The target of the places' foreign key, which pins their capacity to this one.
    UNIQUE (campaign_id, cycle, position, capacity)
);

-- A job-fair run's plan: the run's ranks first_rank .. last_rank go to the fair
-- at `position`, to seats first_seat, first_seat + 1, ... in rank order. Ranks
-- no row covers are waitlisted.
CREATE TABLE benefit.job_fair_plan (
    run_id      bigint  NOT NULL REFERENCES benefit.run (id),
    campaign_id bigint  NOT NULL,
    cycle       text    NOT NULL,
    position    integer NOT NULL,
    first_rank  bigint  NOT NULL CHECK (first_rank >= 1),
    last_rank   bigint  NOT NULL CHECK (last_rank >= first_rank),
    first_seat  integer NOT NULL CHECK (first_seat >= 1),
    PRIMARY KEY (run_id, position),
    UNIQUE (run_id, first_rank),
    FOREIGN KEY (campaign_id, cycle, position) REFERENCES benefit.job_fair (campaign_id, cycle, position)
);

-- A member's place at a fair, by one campaign in one cycle: at most one per
-- member, campaign and cycle; at most one member per seat; seats 1 .. capacity.
CREATE TABLE benefit.fair_place (
    campaign_id bigint      NOT NULL,
    cycle       text        NOT NULL,
    member_id   text        NOT NULL REFERENCES benefit.member (member_id),
    run_id      bigint      NOT NULL REFERENCES benefit.run (id),
    -- No foreign key: jobs may be pruned by a retention command, places are kept.
    job_id      bigint      NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    position    integer     NOT NULL,
    -- The fair's capacity, copied so the CHECK can bound the seat; the foreign
    -- key makes it equal to the fair's.
    capacity    integer     NOT NULL,
    seat        integer     NOT NULL,
    rank        bigint      NOT NULL CHECK (rank >= 1),
    CONSTRAINT fair_place_once_per_cycle PRIMARY KEY (campaign_id, cycle, member_id),
    CONSTRAINT fair_place_seat_held_once UNIQUE (campaign_id, cycle, position, seat),
    CONSTRAINT fair_place_within_capacity CHECK (seat BETWEEN 1 AND capacity),
    FOREIGN KEY (campaign_id, cycle, position, capacity)
        REFERENCES benefit.job_fair (campaign_id, cycle, position, capacity)
);
CREATE INDEX fair_place_member_idx ON benefit.fair_place (member_id);

-- Administrators' views (stable; see docs/sql.md, Job fairs).
CREATE VIEW benefit.job_fairs AS
SELECT c.name AS campaign, f.cycle, f.position, f.name AS fair, f.district, f.fair_date, f.capacity, f.places_taken,
       (SELECT count(*) FROM benefit.fair_place p
        WHERE p.campaign_id = f.campaign_id AND p.cycle = f.cycle AND p.position = f.position) AS places_filled
FROM benefit.job_fair f
JOIN benefit.campaign c ON c.id = f.campaign_id;

CREATE VIEW benefit.fair_places AS
SELECT p.member_id, c.name AS campaign, p.cycle, p.run_id, p.job_id, p.created_at, f.name AS fair, f.district,
       f.fair_date, p.rank, f.capacity AS fair_capacity, p.seat
FROM benefit.fair_place p
JOIN benefit.campaign c ON c.id = p.campaign_id
JOIN benefit.job_fair f ON f.campaign_id = p.campaign_id AND f.cycle = p.cycle AND f.position = p.position;

-- 0024's served members, with fair places.
CREATE OR REPLACE VIEW benefit.served_member AS
SELECT g.campaign_id, g.cycle, g.member_id FROM benefit.grant g
UNION ALL
SELECT a.campaign_id, a.cycle, a.member_id FROM benefit.appointment a
UNION ALL
SELECT p.campaign_id, p.cycle, p.member_id FROM benefit.allocation p
UNION ALL
SELECT w.campaign_id, w.cycle, w.member_id FROM benefit.waitlist_entry w
WHERE w.program NOT IN ('seasonal-relief', 'recuperation')
UNION ALL
SELECT f.campaign_id, f.cycle, f.member_id FROM benefit.fair_place f;

-- 0024's member file, with fair places (kind 'fair-place').
CREATE OR REPLACE VIEW benefit.member_history AS
SELECT g.member_id, g.created_at AS at, 'grant'::text AS kind, g.campaign, g.cycle, g.run_id,
       g.season || coalesce(' · tier ' || g.tier, '') AS detail, g.amount::numeric AS amount
FROM benefit.grants g
UNION ALL
SELECT a.member_id, a.created_at, 'appointment', a.campaign, a.cycle, a.run_id,
       a.hospital || ' · ' || a.appointment_date || ' · ' || a.package, NULL
FROM benefit.appointments a
UNION ALL
SELECT p.member_id, p.created_at, 'place', p.campaign, p.cycle, p.run_id,
       p.site || ' · ' || p.session_start || ' · ' || p.session_days || 'd', NULL
FROM benefit.allocations p
UNION ALL
SELECT w.member_id, w.created_at, 'waitlist', w.campaign, w.cycle, w.run_id,
       w.program || ' · #' || w.rank || ' · ' || w.reason, NULL
FROM benefit.waitlist w
UNION ALL
SELECT m.member_id, m.joined_at, 'joined', NULL, NULL, NULL, 'on the roster', NULL
FROM benefit.member m
WHERE m.joined_at IS NOT NULL
UNION ALL
SELECT c.member_id, c.at, CASE c.change WHEN 'left' THEN 'left' ELSE 'joined' END, NULL, NULL, NULL,
       CASE c.change
           WHEN 'left' THEN 'left on ' || c.left_on || ' · ' || c.reason || coalesce(' · ' || c.note, '')
           ELSE 'back on the roster'
       END,
       NULL
FROM benefit.membership_change c
UNION ALL
SELECT a.member_id, a.recorded_at, 'aid-application', c.name, NULL, NULL,
       'application ' || a.id || ' · ' || a.category || ' · ' || a.requested || ' requested · ' || a.state
           || coalesce(' · ' || a.approved_amount || ' approved', ''),
       NULL
FROM benefit.aid_application a
JOIN benefit.campaign c ON c.id = a.campaign_id
UNION ALL
SELECT a.member_id, p.paid_at, 'aid-payment', c.name, r.cycle, p.run_id,
       'application ' || a.id || ' · ' || a.category || ' · fund ' || p.fund, p.amount
FROM benefit.aid_payment p
JOIN benefit.aid_application a ON a.id = p.application_id
JOIN benefit.campaign c ON c.id = p.campaign_id
JOIN benefit.run r ON r.id = p.run_id
UNION ALL
SELECT b.member_id, b.at, b.kind, c.name, b.cycle, NULL, b.detail || coalesce(' · ' || b.reason, ''), NULL
FROM benefit.booking_change b
JOIN benefit.campaign c ON c.id = b.campaign_id
UNION ALL
SELECT f.member_id, f.created_at, 'fair-place', f.campaign, f.cycle, f.run_id,
       f.fair || ' · ' || f.district || ' · ' || f.fair_date, NULL
FROM benefit.fair_places f;

------------------------------------------------------------------------------
-- Functions with the owner's rights (as 0010's for recuperation sessions)
------------------------------------------------------------------------------

-- Plans take places: the fairs' places_taken grows by the ranks each plan gives.
CREATE FUNCTION benefit.job_fair_plan_takes_places() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    UPDATE benefit.job_fair f
    SET places_taken = f.places_taken + p.places, updated_at = now()
    FROM (SELECT n.campaign_id, n.cycle, n.position, sum(n.last_rank - n.first_rank + 1) AS places
          FROM planned n GROUP BY n.campaign_id, n.cycle, n.position) p
    WHERE f.campaign_id = p.campaign_id AND f.cycle = p.cycle AND f.position = p.position;
    RETURN NULL;
END
$$;
CREATE TRIGGER job_fair_plan_takes_places AFTER INSERT ON benefit.job_fair_plan
    REFERENCING NEW TABLE AS planned FOR EACH STATEMENT EXECUTE FUNCTION benefit.job_fair_plan_takes_places();

-- Opens a job-fair run's cycle: its fairs, in file order, with their districts,
-- dates and capacities, from the campaign revision the run fires. Only the
-- cycle's first run opens them (see FairQueries.open for two first runs at once).
CREATE FUNCTION benefit.open_job_fairs(p_run_id bigint)
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
    INSERT INTO benefit.job_fair (campaign_id, cycle, position, name, district, fair_date, capacity)
    SELECT v_campaign, v_cycle, fair.ordinal, fair.value ->> 'name', fair.value ->> 'district',
           (fair.value ->> 'date')::date, (fair.value ->> 'capacity')::integer
    FROM jsonb_array_elements(v_parameters -> 'fairs') WITH ORDINALITY AS fair(value, ordinal)
    WHERE NOT EXISTS (SELECT 1 FROM benefit.job_fair o WHERE o.campaign_id = v_campaign AND o.cycle = v_cycle)
    ON CONFLICT DO NOTHING;
END
$$;

-- Locks a cycle's fairs in position order (the one lock order) until the
-- transaction ends, and reads what they hold: see FairQueries.lockToPlan.
CREATE FUNCTION benefit.lock_job_fairs(p_campaign_id bigint, p_cycle text)
RETURNS TABLE (fair_position integer, district text, capacity integer, places_taken integer)
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
    SELECT f.position, f.district, f.capacity, f.places_taken
    FROM benefit.job_fair f
    WHERE f.campaign_id = p_campaign_id AND f.cycle = p_cycle
    ORDER BY f.position
    FOR NO KEY UPDATE
$$;

------------------------------------------------------------------------------
-- Row-level security: places from the batch's fenced commit, plans from the planning commit
------------------------------------------------------------------------------

ALTER TABLE benefit.fair_place ENABLE ROW LEVEL SECURITY;
CREATE POLICY fair_place_read ON benefit.fair_place FOR SELECT USING (true);
CREATE POLICY fair_place_in_fenced_commit ON benefit.fair_place FOR INSERT TO benefit_worker
    WITH CHECK (job_id = (SELECT benefit.fenced_commit_job()));
ALTER TABLE benefit.job_fair_plan ENABLE ROW LEVEL SECURITY;
CREATE POLICY job_fair_plan_read ON benefit.job_fair_plan FOR SELECT USING (true);
CREATE POLICY job_fair_plan_planned ON benefit.job_fair_plan FOR INSERT TO benefit_worker
    WITH CHECK (run_id = (SELECT benefit.planning_run()));

------------------------------------------------------------------------------
-- Audit: the units register's import
------------------------------------------------------------------------------

ALTER TABLE benefit.audit_event DROP CONSTRAINT audit_event_action_check;
ALTER TABLE benefit.audit_event ADD CONSTRAINT audit_event_action_check CHECK (action IN (
    'campaign.apply', 'campaign.pause', 'campaign.resume', 'campaign.trigger', 'campaign.backfill', 'campaign.topup',
    'run.cancel', 'run.retry', 'job.retry', 'job.cancel', 'job.prune', 'roster.import', 'roster.units',
    'queue.pause', 'queue.resume',
    'user.add', 'user.disable', 'user.passwd', 'user.login', 'user.logout',
    'aid.apply', 'aid.import', 'aid.review', 'aid.deposit',
    'member.leave',
    'appointment.move', 'appointment.cancel', 'appointment.no-show', 'place.cancel'));

------------------------------------------------------------------------------
-- Grants (the matrix in docs/sql.md, Roles)
------------------------------------------------------------------------------

REVOKE ALL ON benefit.org_unit, benefit.org_units, benefit.job_fair, benefit.job_fair_plan, benefit.fair_place,
    benefit.job_fairs, benefit.fair_places
    FROM PUBLIC, benefit_worker, benefit_admin, benefit_operator;
REVOKE ALL ON FUNCTION
    benefit.job_fair_plan_takes_places(),
    benefit.open_job_fairs(bigint),
    benefit.lock_job_fairs(bigint, text)
    FROM PUBLIC;

-- Administrators read the views.
GRANT SELECT ON benefit.org_units, benefit.job_fairs, benefit.fair_places TO benefit_admin, benefit_operator, benefit_worker;
-- Daemons and operators read the tables; populations read the register.
GRANT SELECT ON benefit.org_unit, benefit.job_fair, benefit.job_fair_plan, benefit.fair_place
    TO benefit_worker, benefit_operator;
-- Operators import the register (as they import the roster).
GRANT INSERT, UPDATE ON benefit.org_unit TO benefit_operator;
-- Workers open and lock fairs through functions, record plans when planning and
-- places in batches (row-level security says which); they never change or
-- delete a place, a fair's capacity or its places_taken.
GRANT INSERT ON benefit.job_fair_plan, benefit.fair_place TO benefit_worker;
GRANT EXECUTE ON FUNCTION benefit.open_job_fairs(bigint), benefit.lock_job_fairs(bigint, text) TO benefit_worker;
