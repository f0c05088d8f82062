-- 0006 health checkup: each cycle's calendar and hospitals, each run's plan,
-- the appointments, and the administrators' view over them.
--
-- The invariant "per hospital and workday, appointments never exceed its daily
-- capacity" is held here, not in Swift: an appointment names its seat in the
-- day, which must be from 1 to the capacity (pinned to the hospital's row by
-- a foreign key) and is unique per hospital and day. Whatever writes
-- appointments — a batch, an overlapping run, an administrator by hand — cannot
-- put one more on a full day. See docs/programs.md (health-checkup) for how
-- runs hand out seats.

-- A campaign's cycle: its calendar, fixed by the cycle's first run (a later
-- revision's startDate and holidays take effect in the next cycle), so seats
-- booked by every run of the cycle fall on the same workdays.
CREATE TABLE benefit.checkup_cycle (
    campaign_id bigint      NOT NULL REFERENCES benefit.campaign (id),
    cycle       text        NOT NULL,
    start_date  date        NOT NULL,
    holidays    date[]      NOT NULL DEFAULT '{}',
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (campaign_id, cycle)
);

-- A hospital in a campaign's cycle, opened by the first run of the cycle that
-- names it, with that run's daily capacity. seats_taken counts the seats runs
-- of the cycle have reserved: seat s falls on workday (s - 1) / daily_capacity.
CREATE TABLE benefit.checkup_hospital (
    campaign_id    bigint      NOT NULL,
    cycle          text        NOT NULL,
    hospital       text        NOT NULL CHECK (length(hospital) BETWEEN 1 AND 200),
    daily_capacity integer     NOT NULL CHECK (daily_capacity BETWEEN 1 AND 100000),
    seats_taken    bigint      NOT NULL DEFAULT 0 CHECK (seats_taken >= 0),
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (campaign_id, cycle, hospital),
    -- The key appointments reference, so each carries its hospital's capacity
    -- and the capacity cannot change under them.
    UNIQUE (campaign_id, cycle, hospital, daily_capacity),
    FOREIGN KEY (campaign_id, cycle) REFERENCES benefit.checkup_cycle (campaign_id, cycle)
);

-- A run's plan, per hospital: the run's ranks first_rank..last_rank go to it,
-- rank r to the cycle's seat first_seat + (r - first_rank). Written once by the
-- planning job; batches only read it, so every retry books the same seats.
CREATE TABLE benefit.checkup_plan (
    run_id         bigint  NOT NULL REFERENCES benefit.run (id),
    hospital       text    NOT NULL,
    -- The hospital's place in the run's file: ranks follow it.
    position       integer NOT NULL CHECK (position >= 1),
    daily_capacity integer NOT NULL CHECK (daily_capacity >= 1),
    first_rank     bigint  NOT NULL CHECK (first_rank >= 1),
    last_rank      bigint  NOT NULL CHECK (last_rank >= first_rank),
    first_seat     bigint  NOT NULL CHECK (first_seat >= 1),
    PRIMARY KEY (run_id, hospital),
    UNIQUE (run_id, position)
);

-- A run's plan, per org unit: the hospital the unit's due members go to.
CREATE TABLE benefit.checkup_plan_unit (
    run_id   bigint  NOT NULL,
    org_unit text    NOT NULL,
    hospital text    NOT NULL,
    members  integer NOT NULL CHECK (members >= 1),
    PRIMARY KEY (run_id, org_unit),
    FOREIGN KEY (run_id, hospital) REFERENCES benefit.checkup_plan (run_id, hospital)
);

-- An appointment: one member's checkup, at most one per campaign and cycle.
CREATE TABLE benefit.appointment (
    campaign_id      bigint      NOT NULL,
    cycle            text        NOT NULL,
    member_id        text        NOT NULL REFERENCES benefit.member (member_id),
    run_id           bigint      NOT NULL REFERENCES benefit.run (id),
    -- No foreign key: jobs may be pruned by a retention command, appointments are kept.
    job_id           bigint      NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    hospital         text        NOT NULL,
    appointment_date date        NOT NULL CHECK (extract(isodow FROM appointment_date) < 6),
    -- 1 .. daily_capacity: the member's place in the hospital's day.
    seat_in_day      integer     NOT NULL,
    -- The hospital's, through the foreign key below; only here for the CHECK.
    daily_capacity   integer     NOT NULL,
    -- The first package rule the member's age matched.
    package          text        NOT NULL,
    -- womenExtra, for women when the campaign gives it; NULL otherwise.
    women_extra      text,
    CONSTRAINT appointment_once_per_cycle PRIMARY KEY (campaign_id, cycle, member_id),
    CONSTRAINT appointment_seat_taken_once UNIQUE (campaign_id, cycle, hospital, appointment_date, seat_in_day),
    CONSTRAINT appointment_within_capacity CHECK (seat_in_day BETWEEN 1 AND daily_capacity),
    FOREIGN KEY (campaign_id, cycle, hospital, daily_capacity)
        REFERENCES benefit.checkup_hospital (campaign_id, cycle, hospital, daily_capacity)
);
CREATE INDEX appointment_member_idx ON benefit.appointment (member_id);

-- Administrators' view (stable; see docs/sql.md). package is the rule's
-- package, with '+' and the women's extra when there is one.
CREATE VIEW benefit.appointments AS
SELECT a.member_id, c.name AS campaign, a.cycle, a.run_id, a.job_id, a.created_at, a.hospital, a.appointment_date,
       a.package || coalesce('+' || a.women_extra, '') AS package, a.seat_in_day, a.daily_capacity
FROM benefit.appointment a
JOIN benefit.campaign c ON c.id = a.campaign_id;

GRANT SELECT ON benefit.appointments TO benefit_admin;

-- Workers open cycles and hospitals and reserve seats (UPDATE, which also lets
-- them lock the hospital rows) when planning, record plans, and write
-- appointments in batches. They never change or delete an appointment.
GRANT SELECT, INSERT ON benefit.checkup_cycle TO benefit_worker;
GRANT SELECT, INSERT, UPDATE ON benefit.checkup_hospital TO benefit_worker;
GRANT SELECT, INSERT ON benefit.checkup_plan, benefit.checkup_plan_unit TO benefit_worker;
GRANT SELECT, INSERT ON benefit.appointment TO benefit_worker;
