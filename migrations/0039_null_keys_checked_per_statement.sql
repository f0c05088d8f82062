-- 0039 keys that are NULL when a batch writes its rows are checked once per statement.
-- compatible-from: 0038 (an appointment or waitlist entry is accepted and refused exactly as before; only a van-day can no longer be deleted or given another key, which no release does)
--
-- Two declared keys are NULL in almost every row a batch writes:
-- - a waitlist entry's `served_run_id` (0023), set only when a later run
--   serves the entry;
-- - an appointment's van-day key (0026), whose `site` is NULL at a hospital.
-- A declared key still queues a row trigger for every row written, NULL or
-- not, and fires it after the statement (the row fetched again, the NULL
-- found, nothing checked): 1,000 calls per batch for nothing. With the checks
-- below instead, recuperation's batches over 1,000,000 members took 13.7 and
-- 14.5 s against 15.8 and 14.8 s, a checkup's 13.8 and 14.0 s against 15.8
-- and 14.3 s (BENCHMARKS.md, 2026-12-06).
--
-- So both become checks over the rows each INSERT or UPDATE wrote (its
-- transition table), as 0031 and 0032 did for the other keys: the distinct
-- non-NULL keys looked up once each, SQLSTATE 23503 with the table and value
-- named, as the declared keys reported. A declared key's row lock kept its
-- parent from being deleted or renumbered under rows not yet committed. Runs
-- already never are (0031); van-days now never are either, even by the owner
-- (SQLSTATE 23001), as checkup_hospital rows (0032). No release deletes or
-- changes a van-day: workers insert them, and no role may update or delete
-- them (0026).

-- 1. Van-days are never deleted, truncated or given another key.
CREATE TRIGGER van_day_never_deleted BEFORE DELETE ON benefit.van_day
    FOR EACH ROW EXECUTE FUNCTION benefit.refuse_parent_removal();
CREATE TRIGGER van_day_key_never_changes
    BEFORE UPDATE OF campaign_id, cycle, van, day, site ON benefit.van_day
    FOR EACH ROW WHEN ((NEW.campaign_id, NEW.cycle, NEW.van, NEW.day, NEW.site)
                       IS DISTINCT FROM (OLD.campaign_id, OLD.cycle, OLD.van, OLD.day, OLD.site))
    EXECUTE FUNCTION benefit.refuse_parent_removal();
CREATE TRIGGER van_day_never_truncated BEFORE TRUNCATE ON benefit.van_day
    FOR EACH STATEMENT EXECUTE FUNCTION benefit.refuse_parent_removal();

-- 2. The appointment's check (0032) also looks up the van-day of every van
-- appointment written: a batch's thousand rows name a few van-days. Its
-- triggers after INSERT and after UPDATE stay as they are.
CREATE OR REPLACE FUNCTION benefit.appointment_hospital_exists() RETURNS trigger
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
    IF v_missing IS NULL THEN
        SELECT format('(campaign_id, cycle, hospital, appointment_date, site)=(%s, %s, %s, %s, %s) is not present in table "van_day"',
                      w.campaign_id, w.cycle, w.hospital, w.appointment_date, w.site) INTO v_missing
        FROM (SELECT DISTINCT campaign_id, cycle, hospital, appointment_date, site FROM written WHERE site IS NOT NULL) w
        WHERE NOT EXISTS (SELECT 1 FROM benefit.van_day v
                          WHERE v.campaign_id = w.campaign_id AND v.cycle = w.cycle AND v.van = w.hospital
                            AND v.day = w.appointment_date AND v.site = w.site)
        LIMIT 1;
    END IF;
    IF v_missing IS NOT NULL THEN
        RAISE EXCEPTION '% table "%" violates its key: %',
            CASE TG_OP WHEN 'INSERT' THEN 'insert into' ELSE 'update of' END, TG_TABLE_NAME, v_missing
            USING ERRCODE = 'foreign_key_violation', TABLE = TG_TABLE_NAME, SCHEMA = TG_TABLE_SCHEMA;
    END IF;
    RETURN NULL;
END
$$;
ALTER TABLE benefit.appointment DROP CONSTRAINT appointment_van_day_fkey;

-- 3. A waitlist entry's serving run: looked up for the entries an INSERT or
-- UPDATE wrote with one. Runs with the writing role's rights: workers insert
-- entries and read runs, and the functions that mark entries served run as
-- the owner.
CREATE FUNCTION benefit.waitlist_served_run_exists() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_missing text;
BEGIN
    SELECT format('(served_run_id)=(%s) is not present in table "run"', w.served_run_id) INTO v_missing
    FROM (SELECT DISTINCT served_run_id FROM written WHERE served_run_id IS NOT NULL) w
    WHERE NOT EXISTS (SELECT 1 FROM benefit.run r WHERE r.id = w.served_run_id)
    LIMIT 1;
    IF v_missing IS NOT NULL THEN
        RAISE EXCEPTION '% table "%" violates its key: %',
            CASE TG_OP WHEN 'INSERT' THEN 'insert into' ELSE 'update of' END, TG_TABLE_NAME, v_missing
            USING ERRCODE = 'foreign_key_violation', TABLE = TG_TABLE_NAME, SCHEMA = TG_TABLE_SCHEMA;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER waitlist_entry_served_run_exists AFTER INSERT ON benefit.waitlist_entry
    REFERENCING NEW TABLE AS written FOR EACH STATEMENT EXECUTE FUNCTION benefit.waitlist_served_run_exists();
CREATE TRIGGER waitlist_entry_served_run_exists_after_update AFTER UPDATE ON benefit.waitlist_entry
    REFERENCING NEW TABLE AS written FOR EACH STATEMENT EXECUTE FUNCTION benefit.waitlist_served_run_exists();
ALTER TABLE benefit.waitlist_entry DROP CONSTRAINT waitlist_entry_served_run_id_fkey;

REVOKE ALL ON FUNCTION benefit.waitlist_served_run_exists() FROM PUBLIC;
