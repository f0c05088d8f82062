-- 0004 members: the union's roster, one row per member, one column per field of
-- the roster CSV (docs/programs.md). Constraints reject impossible values, so a
-- bad import fails whole instead of leaving a half-valid roster.

CREATE TABLE benefit.member (
    member_id              text        PRIMARY KEY CHECK (member_id ~ '^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$'),
    name                   text        NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    org_unit               text        NOT NULL CHECK (length(org_unit) BETWEEN 1 AND 200),
    gender                 char(1)     NOT NULL CHECK (gender IN ('F', 'M')),
    birth_date             date        NOT NULL CHECK (birth_date >= DATE '1900-01-01'),
    hire_date              date        CHECK (hire_date >= birth_date + interval '14 years'),
    employment             text        NOT NULL CHECK (employment IN ('staff', 'retired', 'migrant', 'gig')),
    hardship_tier          smallint    CHECK (hardship_tier BETWEEN 1 AND 3),
    frontline              boolean     NOT NULL DEFAULT false,
    model_worker           boolean     NOT NULL DEFAULT false,
    last_recuperation_year smallint    CHECK (last_recuperation_year BETWEEN 1950 AND 2200),
    last_checkup_date      date        CHECK (last_checkup_date >= birth_date),
    child_college_year     smallint    CHECK (child_college_year BETWEEN 1950 AND 2200),
    updated_at             timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX member_org_unit_idx ON benefit.member (org_unit);
CREATE INDEX member_hardship_idx ON benefit.member (hardship_tier) WHERE hardship_tier IS NOT NULL;

-- The administrators' view of the roster (stable names: the CSV's).
CREATE VIEW benefit.members AS
SELECT member_id, name, org_unit, gender, birth_date, hire_date, employment, hardship_tier, frontline,
       model_worker, last_recuperation_year, last_checkup_date, child_college_year
FROM benefit.member;

GRANT SELECT ON benefit.members TO benefit_admin;
GRANT SELECT ON benefit.member TO benefit_worker;
-- Recuperation records each placed member's trip year.
GRANT UPDATE (last_recuperation_year, updated_at) ON benefit.member TO benefit_worker;
