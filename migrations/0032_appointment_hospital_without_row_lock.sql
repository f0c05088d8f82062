-- 0032 an appointment names its hospital or van without locking that row.
-- compatible-from: 0031 (an appointment is accepted and refused exactly as before; only a cycle's hospital rows can no longer be deleted or given another key or capacity, which no release does)
--
-- 0031 kept the appointment's declared key to `checkup_hospital` (campaign,
-- cycle, hospital, daily_capacity, kind): it carries the capacity the seat's
-- CHECK counts on, and the key's row lock was what kept that capacity from
-- changing under appointments not yet committed. Every appointment a batch
-- writes ran that key's check: a query per row locking the hospital's row FOR
-- KEY SHARE, one or two rows shared by every batch of the run, so a MultiXact
-- each check has to look through. Measured as 0031's floor was (BENCHMARKS.md:
-- eight sessions writing 1,000-row statements into a copy of `appointment`
-- with its indexes and checks): 72-96 statements/s with the declared key,
-- 95-126 with one check per statement, 110-134 with no check.
--
-- A cycle's hospitals and vans are opened once, with the capacities of the
-- campaign revision its first run fires (benefit.open_checkup_cycle and 0026's
-- vans: ON CONFLICT DO NOTHING), and nothing changes a capacity afterwards. So
-- this migration makes that a rule of the schema, as 0031 did for members,
-- runs and campaigns: a `checkup_hospital` row is never deleted, truncated or
-- given another key, capacity or kind, even by the owner (SQLSTATE 23001).
-- Its `seats_taken` changes as before. A row that never changes needs no lock
-- to be referenced, and the key becomes one check per statement over the rows
-- an INSERT or UPDATE wrote (its transition table).
--
-- The error for a missing hospital is the declared key's: SQLSTATE 23503, the
-- table and the value named. The van-day key of van appointments stays
-- declared: a hospital appointment has no site and is not checked by it.

-- 1. The refusal names no migration: it now guards the hospitals too.
CREATE OR REPLACE FUNCTION benefit.refuse_parent_removal() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    RAISE EXCEPTION '% rows are never %: other rows name them without a lock', TG_TABLE_NAME,
        CASE TG_OP WHEN 'UPDATE' THEN 'given another key' WHEN 'TRUNCATE' THEN 'truncated' ELSE 'deleted' END
        USING ERRCODE = 'restrict_violation', TABLE = TG_TABLE_NAME, SCHEMA = TG_TABLE_SCHEMA;
END
$$;

CREATE TRIGGER checkup_hospital_never_deleted BEFORE DELETE ON benefit.checkup_hospital
    FOR EACH ROW EXECUTE FUNCTION benefit.refuse_parent_removal();
CREATE TRIGGER checkup_hospital_key_never_changes
    BEFORE UPDATE OF campaign_id, cycle, hospital, daily_capacity, kind ON benefit.checkup_hospital
    FOR EACH ROW WHEN ((NEW.campaign_id, NEW.cycle, NEW.hospital, NEW.daily_capacity, NEW.kind)
                       IS DISTINCT FROM (OLD.campaign_id, OLD.cycle, OLD.hospital, OLD.daily_capacity, OLD.kind))
    EXECUTE FUNCTION benefit.refuse_parent_removal();
CREATE TRIGGER checkup_hospital_never_truncated BEFORE TRUNCATE ON benefit.checkup_hospital
    FOR EACH STATEMENT EXECUTE FUNCTION benefit.refuse_parent_removal();

-- 2. One check per statement: every written appointment's hospital (or van)
-- row exists with its capacity and kind. A batch's thousand rows name one or
-- two, so the distinct keys are checked once each. Runs with the writing
-- role's rights: every role that writes appointments reads checkup_hospital,
-- which has no row security.
CREATE FUNCTION benefit.appointment_hospital_exists() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_missing text;
BEGIN
    SELECT format('(campaign_id, cycle, hospital, daily_capacity, kind)=(%s, %s, %s, %s, %s) is not present in table "checkup_hospital"',
                  w.campaign_id, w.cycle, w.hospital, w.daily_capacity, w.kind) INTO v_missing
    FROM (SELECT DISTINCT campaign_id, cycle, hospital, daily_capacity, kind FROM written) w
    WHERE NOT EXISTS (SELECT 1 FROM benefit.checkup_hospital h
                      WHERE h.campaign_id = w.campaign_id AND h.cycle = w.cycle AND h.hospital = w.hospital
                        AND h.daily_capacity = w.daily_capacity AND h.kind = w.kind)
    LIMIT 1;
    IF v_missing IS NOT NULL THEN
        RAISE EXCEPTION '% table "%" violates its key: %',
            CASE TG_OP WHEN 'INSERT' THEN 'insert into' ELSE 'update of' END, TG_TABLE_NAME, v_missing
            USING ERRCODE = 'foreign_key_violation', TABLE = TG_TABLE_NAME, SCHEMA = TG_TABLE_SCHEMA;
    END IF;
    RETURN NULL;
END
$$;

-- 3. The appointment trades its declared key for the check, after every INSERT
-- and every UPDATE (a move changes the hospital and the capacity; a trigger
-- with a transition table cannot be limited to columns, and updates are one
-- appointment at a time).
CREATE TRIGGER appointment_hospital_exists AFTER INSERT ON benefit.appointment
    REFERENCING NEW TABLE AS written FOR EACH STATEMENT EXECUTE FUNCTION benefit.appointment_hospital_exists();
CREATE TRIGGER appointment_hospital_exists_after_update AFTER UPDATE ON benefit.appointment
    REFERENCING NEW TABLE AS written FOR EACH STATEMENT EXECUTE FUNCTION benefit.appointment_hospital_exists();
ALTER TABLE benefit.appointment DROP CONSTRAINT appointment_hospital_fkey;

REVOKE ALL ON FUNCTION benefit.appointment_hospital_exists() FROM PUBLIC;
