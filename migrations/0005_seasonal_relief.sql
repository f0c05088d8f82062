-- 0005 seasonal relief: the budget ledger, grants, the waitlist, each run's
-- allotment, and the administrators' views over them.
--
-- The invariant "the grants of a campaign's cycle never add up to more than its
-- budget, under any concurrency" is held here, not in Swift: every insert into
-- benefit.grant adds its amounts to the cycle's ledger row (a trigger), and the
-- ledger's CHECK (spent <= budget) refuses the statement that would overspend.
-- The row lock that UPDATE takes serialises writers on one (campaign, cycle).
-- See docs/programs.md (seasonal-relief) for how batches share the budget.

-- The budget ledger: one row per campaign and cycle, opened by the run that
-- plans first in the cycle (later runs of the cycle share it).
CREATE TABLE benefit.relief_budget (
    campaign_id bigint        NOT NULL REFERENCES benefit.campaign (id),
    cycle       text          NOT NULL,
    budget      numeric(14,2) NOT NULL CHECK (budget > 0),
    -- Kept equal to the sum of the cycle's grants by the triggers below.
    spent       numeric(14,2) NOT NULL DEFAULT 0 CHECK (spent >= 0),
    created_at  timestamptz   NOT NULL DEFAULT now(),
    updated_at  timestamptz   NOT NULL DEFAULT now(),
    PRIMARY KEY (campaign_id, cycle),
    CONSTRAINT relief_budget_not_exceeded CHECK (spent <= budget)
);

-- A grant: money paid to one member by one campaign in one cycle. At most one
-- per member, campaign and cycle (the primary key), however many runs fire.
-- GRANT is a reserved word: the table is always named with its schema.
CREATE TABLE benefit.grant (
    -- References benefit.campaign through the ledger's key (the last foreign key
    -- below): one check per row fewer, inside the batches' serialised section.
    campaign_id bigint        NOT NULL,
    cycle       text          NOT NULL,
    member_id   text          NOT NULL REFERENCES benefit.member (member_id),
    run_id      bigint        NOT NULL REFERENCES benefit.run (id),
    -- No foreign key: jobs may be pruned by a retention command, grants are kept.
    job_id      bigint        NOT NULL,
    created_at  timestamptz   NOT NULL DEFAULT now(),
    season      text          NOT NULL
                CHECK (season IN ('spring-jobs', 'summer-cooling', 'autumn-education', 'winter-warmth')),
    -- The member's hardship tier when granted (NULL: none).
    tier        smallint      CHECK (tier BETWEEN 1 AND 3),
    amount      numeric(12,2) NOT NULL CHECK (amount > 0),
    CONSTRAINT grant_once_per_cycle PRIMARY KEY (campaign_id, cycle, member_id),
    -- No grant without a ledger to charge it to.
    FOREIGN KEY (campaign_id, cycle) REFERENCES benefit.relief_budget (campaign_id, cycle)
);
CREATE INDEX grant_member_idx ON benefit.grant (member_id);

-- Charges the grants a statement inserted to their cycles' ledger rows. One
-- UPDATE per statement (a batch inserts hundreds of grants at once); the CHECK
-- on relief_budget then refuses the whole statement if it would overspend.
CREATE FUNCTION benefit.grant_charge_budget() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE benefit.relief_budget b
    SET spent = b.spent + n.total, updated_at = now()
    FROM (SELECT campaign_id, cycle, sum(amount) AS total FROM inserted GROUP BY campaign_id, cycle) n
    WHERE b.campaign_id = n.campaign_id AND b.cycle = n.cycle;
    RETURN NULL;
END
$$;

-- Gives the money of deleted grants back to their ledgers (an administrator
-- reversing a grant by hand; the engine never deletes grants).
CREATE FUNCTION benefit.grant_refund_budget() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE benefit.relief_budget b
    SET spent = b.spent - o.total, updated_at = now()
    FROM (SELECT campaign_id, cycle, sum(amount) AS total FROM removed GROUP BY campaign_id, cycle) o
    WHERE b.campaign_id = o.campaign_id AND b.cycle = o.cycle;
    RETURN NULL;
END
$$;

-- A grant is paid: changing one would take the ledger out of step, so it is
-- refused (delete it, which refunds the ledger, and grant again).
CREATE FUNCTION benefit.grant_refuse_update() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'a grant cannot be changed (member %, campaign %, cycle %): delete it and grant again',
        OLD.member_id, OLD.campaign_id, OLD.cycle
        USING ERRCODE = 'restrict_violation';
END
$$;

CREATE TRIGGER grant_charges_budget AFTER INSERT ON benefit.grant
    REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION benefit.grant_charge_budget();
CREATE TRIGGER grant_refunds_budget AFTER DELETE ON benefit.grant
    REFERENCING OLD TABLE AS removed FOR EACH STATEMENT EXECUTE FUNCTION benefit.grant_refund_budget();
CREATE TRIGGER grant_is_final BEFORE UPDATE ON benefit.grant
    FOR EACH ROW EXECUTE FUNCTION benefit.grant_refuse_update();

-- The waitlist: members a campaign's cycle could not serve (the budget ran
-- out; for recuperation, no place was free), ranked. Generic across programs.
-- At most one entry per member, campaign and cycle, so a second run in the
-- cycle waitlists nobody twice.
CREATE TABLE benefit.waitlist_entry (
    campaign_id bigint      NOT NULL REFERENCES benefit.campaign (id),
    cycle       text        NOT NULL,
    member_id   text        NOT NULL REFERENCES benefit.member (member_id),
    program     text        NOT NULL,
    run_id      bigint      NOT NULL REFERENCES benefit.run (id),
    job_id      bigint      NOT NULL,   -- no foreign key, as for grants
    created_at  timestamptz NOT NULL DEFAULT now(),
    -- The member's rank in the run that waitlisted them (1 = first served).
    rank        bigint      NOT NULL CHECK (rank >= 1),
    reason      text        NOT NULL,
    CONSTRAINT waitlist_once_per_cycle PRIMARY KEY (campaign_id, cycle, member_id)
);
CREATE INDEX waitlist_entry_member_idx ON benefit.waitlist_entry (member_id);

-- A seasonal-relief run's allotment, decided when it plans: per hardship tier
-- (NULL: members without one), the amount, how many members were eligible, how
-- many of them the budget covers walking the run's ranks greedily, and the last
-- member (by member_id in "C" order) the plan grants. Batches follow it, so the
-- members granted do not depend on the order batches commit in.
CREATE TABLE benefit.relief_allotment (
    run_id          bigint        NOT NULL REFERENCES benefit.run (id),
    tier            smallint      CHECK (tier BETWEEN 1 AND 3),
    amount          numeric(12,2) NOT NULL CHECK (amount > 0),
    eligible        integer       NOT NULL CHECK (eligible >= 0),
    grants          integer       NOT NULL CHECK (grants BETWEEN 0 AND eligible),
    last_granted    text,
    -- What the budget held after the plan's grants of this tier: the remainder
    -- that could not pay the next member of the tier.
    remaining_after numeric(14,2) NOT NULL CHECK (remaining_after >= 0),
    CHECK ((grants = 0) = (last_granted IS NULL))
);
-- One row per run and tier, "no tier" included (NULLs are otherwise distinct).
CREATE UNIQUE INDEX relief_allotment_tier_idx ON benefit.relief_allotment (run_id, coalesce(tier, 0));

-- Administrators' views (stable; see docs/sql.md).
CREATE VIEW benefit.grants AS
SELECT g.member_id, c.name AS campaign, g.cycle, g.run_id, g.job_id, g.created_at, g.season, g.tier, g.amount
FROM benefit.grant g
JOIN benefit.campaign c ON c.id = g.campaign_id;

CREATE VIEW benefit.waitlist AS
SELECT w.member_id, c.name AS campaign, w.cycle, w.run_id, w.job_id, w.created_at, w.program, w.rank, w.reason
FROM benefit.waitlist_entry w
JOIN benefit.campaign c ON c.id = w.campaign_id;

CREATE VIEW benefit.budgets AS
SELECT c.name AS campaign, b.cycle, b.budget, b.spent, b.budget - b.spent AS remaining,
       b.created_at AS opened_at, b.updated_at
FROM benefit.relief_budget b
JOIN benefit.campaign c ON c.id = b.campaign_id;

GRANT SELECT ON benefit.grants, benefit.waitlist, benefit.budgets TO benefit_admin;

-- Workers open ledgers and record allotments when planning, and write grants and
-- waitlist entries in batches (charging the ledger through the trigger). They
-- never update or delete a grant.
GRANT SELECT, INSERT, UPDATE ON benefit.relief_budget TO benefit_worker;
GRANT SELECT, INSERT, UPDATE ON benefit.relief_allotment TO benefit_worker;
GRANT SELECT, INSERT ON benefit.grant, benefit.waitlist_entry TO benefit_worker;
