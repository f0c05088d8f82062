-- 0021 membership status: a member who leaves the union (transferred, retired
-- from membership, deceased, or absent from a complete roster) is marked left on
-- a date, and drops out of every program's population from that date; their
-- history stays whole. A member on a later import is back (re-joined). Every
-- change of status leaves a row in benefit.membership_change, written by a
-- trigger, so no path can change a status without its record. One member's
-- file (一户一档) is the view benefit.member_history.
-- compatible-from: 0018 (only adds: nullable columns, a table and its trigger, views, audit actions)
--
-- Left members are marked by a nullable date on the roster row, not by a
-- separate table: the programs' population queries scan the roster (4.3 million
-- rows in a large city) and `left_on IS NULL OR left_on > reference date` is a
-- test on the row they already read, at no join's cost.

ALTER TABLE benefit.member
    ADD COLUMN left_on date,
    ADD COLUMN left_reason text,
    ADD COLUMN left_note text,
    -- When the member came onto the roster; NULL for members imported before this
    -- migration (when they came is not known).
    ADD COLUMN joined_at timestamptz;
-- Set apart from ADD COLUMN: a default there would stamp every existing member
-- with the migration's time.
ALTER TABLE benefit.member ALTER COLUMN joined_at SET DEFAULT now();
ALTER TABLE benefit.member
    ADD CONSTRAINT member_left_reason_check
        CHECK (left_reason IN ('transferred', 'retired', 'deceased', 'absent')),
    ADD CONSTRAINT member_left_note_check CHECK (char_length(left_note) BETWEEN 1 AND 500),
    ADD CONSTRAINT member_left_on_check CHECK (left_on >= birth_date),
    -- Left means a date and a reason; a note only with them.
    ADD CONSTRAINT member_left_whole_check
        CHECK ((left_on IS NULL) = (left_reason IS NULL) AND (left_note IS NULL OR left_on IS NOT NULL));
-- The few members who left: a re-joining import and a complete one find them here.
CREATE INDEX member_left_idx ON benefit.member (member_id) WHERE left_on IS NOT NULL;

-- One row per change of a member's status: left (with its date, reason and
-- note) or re-joined. Members are never deleted once they have a history, so the
-- foreign key refuses deleting one with a change on record, as it does for effects.
CREATE TABLE benefit.membership_change (
    id         bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    member_id  text        NOT NULL REFERENCES benefit.member (member_id),
    at         timestamptz NOT NULL DEFAULT now(),
    change     text        NOT NULL CHECK (change IN ('left', 'rejoined')),
    left_on    date,
    reason     text,
    note       text,
    CHECK ((change = 'left') = (left_on IS NOT NULL AND reason IS NOT NULL))
);
CREATE INDEX membership_change_member_idx ON benefit.membership_change (member_id, at);

-- Owner's rights: no role may write a membership change by hand, so the record
-- is only ever what happened to the roster row.
CREATE FUNCTION benefit.member_records_membership_change() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    INSERT INTO benefit.membership_change (member_id, change, left_on, reason, note)
    VALUES (NEW.member_id, CASE WHEN NEW.left_on IS NULL THEN 'rejoined' ELSE 'left' END,
            NEW.left_on, NEW.left_reason, NEW.left_note);
    RETURN NULL;
END
$$;

-- Fires only when a status changes, so an import's ordinary updates (and the
-- recuperation trigger's trip years) pay nothing.
CREATE TRIGGER member_records_status_change AFTER UPDATE OF left_on, left_reason ON benefit.member
    FOR EACH ROW WHEN (OLD.left_on IS DISTINCT FROM NEW.left_on OR OLD.left_reason IS DISTINCT FROM NEW.left_reason)
    EXECUTE FUNCTION benefit.member_records_membership_change();
-- A member inserted as already left (by hand) has the record too; imports insert active members.
CREATE TRIGGER member_records_left_on_insert AFTER INSERT ON benefit.member
    FOR EACH ROW WHEN (NEW.left_on IS NOT NULL)
    EXECUTE FUNCTION benefit.member_records_membership_change();

-- The roster view gains the status (new columns last: the view's names do not change).
CREATE OR REPLACE VIEW benefit.members AS
SELECT member_id, name, org_unit, gender, birth_date, hire_date, employment, hardship_tier, frontline,
       model_worker, last_recuperation_year, last_checkup_date, child_college_year,
       CASE WHEN left_on IS NULL THEN 'active' ELSE 'left' END AS status,
       left_on, left_reason, left_note, joined_at
FROM benefit.member;

-- One member's file (一户一档): everything done for a member and every change of
-- their membership, one row each. Built on the documented views, so it says what
-- they say; each branch is filtered by member_id through the effect tables'
-- member indexes when a query names one member. Columns are general (kind,
-- detail, amount), so later programs add their branches with CREATE OR REPLACE.
CREATE VIEW benefit.member_history AS
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
FROM benefit.membership_change c;

------------------------------------------------------------------------------
-- Audit: leaving is recorded; the aid program's actions are listed too, so
-- this migration and the one that brings the aid program agree on the list.
------------------------------------------------------------------------------

ALTER TABLE benefit.audit_event DROP CONSTRAINT audit_event_action_check;
ALTER TABLE benefit.audit_event ADD CONSTRAINT audit_event_action_check CHECK (action IN (
    'campaign.apply', 'campaign.pause', 'campaign.resume', 'campaign.trigger', 'campaign.backfill',
    'run.cancel', 'run.retry', 'job.retry', 'job.cancel', 'job.prune', 'roster.import',
    'queue.pause', 'queue.resume',
    'user.add', 'user.disable', 'user.passwd', 'user.login', 'user.logout',
    'aid.apply', 'aid.import', 'aid.review', 'aid.deposit',
    'member.leave'));
ALTER TABLE benefit.audit_event DROP CONSTRAINT audit_event_target_type_check;
ALTER TABLE benefit.audit_event ADD CONSTRAINT audit_event_target_type_check
    CHECK (target_type IN ('campaign', 'run', 'job', 'roster', 'queue', 'user', 'aid', 'member'));

------------------------------------------------------------------------------
-- Grants (the matrix in docs/sql.md, Roles)
------------------------------------------------------------------------------

REVOKE ALL ON benefit.membership_change, benefit.member_history FROM PUBLIC, benefit_worker, benefit_admin, benefit_operator;
REVOKE ALL ON FUNCTION benefit.member_records_membership_change() FROM PUBLIC;

-- The history is a documented view: everyone reads it, as every documented view.
GRANT SELECT ON benefit.member_history TO benefit_admin, benefit_operator, benefit_worker;
-- Operators change a member's status by updating the roster row (they may
-- already); the record of it is the trigger's alone.
GRANT SELECT ON benefit.membership_change TO benefit_operator, benefit_worker;
