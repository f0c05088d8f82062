-- 0007 recuperation: the places of a campaign's cycle (sessions at sites, each
-- with a capacity), each run's placement plan, the allocations, and the
-- administrators' view over them. Members left without a place go on the
-- shared waitlist (benefit.waitlist_entry, 0005) with program 'recuperation'.
--
-- The invariant "no session is ever over capacity" is held here, not in Swift:
-- every allocation holds a seat number from 1 to its session's capacity (a
-- CHECK, with the capacity pinned to the session's by a foreign key), and a seat
-- is held once (a unique key). Whatever writes allocations — a batch, an
-- overlapping run, an administrator by hand — cannot put more members in a
-- session than it has places. See docs/programs.md (recuperation).

-- A session of a campaign's cycle, in file order (position 1 is the first site's
-- first session). Opened by the cycle's first run from its parameters; later
-- runs of the cycle share them, as relief runs share their cycle's budget.
CREATE TABLE benefit.recuperation_session (
    campaign_id   bigint      NOT NULL REFERENCES benefit.campaign (id),
    cycle         text        NOT NULL,
    position      integer     NOT NULL CHECK (position >= 1),
    site          text        NOT NULL CHECK (length(site) BETWEEN 1 AND 200),
    session_start date        NOT NULL,
    days          smallint    NOT NULL CHECK (days BETWEEN 1 AND 60),
    capacity      integer     NOT NULL CHECK (capacity BETWEEN 1 AND 100000),
    -- Places already given to runs' plans (seats 1 .. places_taken): the next
    -- run's plan starts at seat places_taken + 1. Planning adds to it under the
    -- row lock; a seat planned but not filled (its member left the roster
    -- meanwhile) stays empty for the cycle.
    places_taken  integer     NOT NULL DEFAULT 0 CHECK (places_taken BETWEEN 0 AND capacity),
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (campaign_id, cycle, position),
    UNIQUE (campaign_id, cycle, site, session_start),
    -- The target of the allocations' foreign key, which pins their capacity to this one.
    UNIQUE (campaign_id, cycle, position, capacity)
);

-- A recuperation run's plan, decided when it plans: the run's ranks first_rank ..
-- last_rank go to the session at `position`, to seats first_seat, first_seat + 1,
-- ... in rank order. Ranks no row covers are waitlisted. Batches follow it, so
-- the placement does not depend on the order batches commit in.
CREATE TABLE benefit.recuperation_plan (
    run_id      bigint  NOT NULL REFERENCES benefit.run (id),
    campaign_id bigint  NOT NULL,
    cycle       text    NOT NULL,
    position    integer NOT NULL,
    first_rank  bigint  NOT NULL CHECK (first_rank >= 1),
    last_rank   bigint  NOT NULL CHECK (last_rank >= first_rank),
    first_seat  integer NOT NULL CHECK (first_seat >= 1),
    PRIMARY KEY (run_id, position),
    UNIQUE (run_id, first_rank),
    FOREIGN KEY (campaign_id, cycle, position) REFERENCES benefit.recuperation_session (campaign_id, cycle, position)
);

-- An allocation: one member's place in one session, by one campaign in one
-- cycle. At most one per member, campaign and cycle (the primary key), however
-- many runs fire; at most one member per seat; seats 1 .. the session's capacity.
CREATE TABLE benefit.allocation (
    campaign_id bigint      NOT NULL,
    cycle       text        NOT NULL,
    member_id   text        NOT NULL REFERENCES benefit.member (member_id),
    run_id      bigint      NOT NULL REFERENCES benefit.run (id),
    -- No foreign key: jobs may be pruned by a retention command, allocations are kept.
    job_id      bigint      NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    position    integer     NOT NULL,
    -- The session's capacity, copied so the CHECK below can bound the seat; the
    -- foreign key makes it equal to the session's (and keeps the session's from
    -- changing under its allocations).
    capacity    integer     NOT NULL,
    seat        integer     NOT NULL,
    -- The member's rank in the run that placed them (1 = placed first).
    rank        bigint      NOT NULL CHECK (rank >= 1),
    CONSTRAINT allocation_once_per_cycle PRIMARY KEY (campaign_id, cycle, member_id),
    CONSTRAINT allocation_seat_held_once UNIQUE (campaign_id, cycle, position, seat),
    CONSTRAINT allocation_within_capacity CHECK (seat BETWEEN 1 AND capacity),
    FOREIGN KEY (campaign_id, cycle, position, capacity)
        REFERENCES benefit.recuperation_session (campaign_id, cycle, position, capacity)
);
CREATE INDEX allocation_member_idx ON benefit.allocation (member_id);

-- Administrators' view (stable; see docs/sql.md).
CREATE VIEW benefit.allocations AS
SELECT a.member_id, c.name AS campaign, a.cycle, a.run_id, a.job_id, a.created_at, s.site, s.session_start, a.rank,
       s.days AS session_days, s.capacity AS session_capacity, a.seat
FROM benefit.allocation a
JOIN benefit.campaign c ON c.id = a.campaign_id
JOIN benefit.recuperation_session s
  ON s.campaign_id = a.campaign_id AND s.cycle = a.cycle AND s.position = a.position;

GRANT SELECT ON benefit.allocations TO benefit_admin;

-- Workers open sessions and record plans when planning (adding to places_taken),
-- and write allocations and waitlist entries in batches (0005 grants the
-- waitlist; 0004 the members' last_recuperation_year). They never change or
-- delete an allocation.
GRANT SELECT, INSERT, UPDATE (places_taken, updated_at) ON benefit.recuperation_session TO benefit_worker;
GRANT SELECT, INSERT ON benefit.recuperation_plan, benefit.allocation TO benefit_worker;

-- Every member a campaign's cycle has served or waitlisted, whatever the program:
-- each campaign runs one program, so its rows come from that program's effect
-- table and the shared waitlist. A run's planning takes these members away from
-- its population, so a second run of a cycle serves only members the first did
-- not reach. Each branch is a range of its table's primary key
-- (campaign_id, cycle, member_id) once the caller filters on campaign and cycle.
CREATE VIEW benefit.served_member AS
SELECT campaign_id, cycle, member_id FROM benefit.grant
UNION ALL
SELECT campaign_id, cycle, member_id FROM benefit.appointment
UNION ALL
SELECT campaign_id, cycle, member_id FROM benefit.allocation
UNION ALL
SELECT campaign_id, cycle, member_id FROM benefit.waitlist_entry;

GRANT SELECT ON benefit.served_member TO benefit_worker;
