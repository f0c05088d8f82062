-- 0031 effect rows name their member, run and campaign without locking those rows.
-- compatible-from: 0030 (an effect row is accepted and refused exactly as before; only members, runs and campaigns can no longer be deleted, which no release does)
--
-- A batch writes up to a thousand effect rows (appointments, waitlist entries,
-- allocations, grants, fair places) in one statement. Each row's declared
-- foreign keys to `member`, `run` and (for waitlist entries) `campaign` ran a
-- query per row that locked the parent FOR KEY SHARE: a thousand member rows
-- locked (each lock a WAL record and a dirtied page), and the run's and the
-- campaign's rows locked by every batch of the run at once, a MultiXact each
-- check has to look through. Measured with the waitlist's own indexes and
-- keys, eight sessions writing 1,000-row statements (BENCHMARKS.md): 75-85
-- statements/s with those keys, 128-135 with one statement-level check that
-- still locked the parents, 174 with the check alone, 178 with no check.
--
-- The lock is there so that the parent cannot be deleted (or its key changed)
-- before the referencing row commits. Members, runs and campaigns are never
-- deleted (a member who leaves is marked, a run is cancelled or finished, a
-- campaign is paused), so this migration makes that a rule of the schema
-- instead: their deletion, truncation and key change are refused by triggers.
-- A parent that cannot go away needs no lock to be referenced, and the keys
-- become one check per statement over the rows it inserted (its transition
-- table), plus a row trigger that refuses changing an effect row's member,
-- run or campaign. The keys that carry a capacity (an appointment's hospital
-- or van-day, an allocation's session, a fair place's fair, a grant's budget)
-- stay declared: their parents' capacities may change, and the declared key
-- is what refuses that under the rows that counted on them.
--
-- The error for a missing parent is the declared key's: SQLSTATE 23503, the
-- table and the value named.

-- 1. Members, runs and campaigns are never deleted, truncated or renumbered.
CREATE FUNCTION benefit.refuse_parent_removal() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    RAISE EXCEPTION '% rows are never %: effect rows name them without a lock (migration 0031)', TG_TABLE_NAME,
        CASE TG_OP WHEN 'UPDATE' THEN 'given another key' WHEN 'TRUNCATE' THEN 'truncated' ELSE 'deleted' END
        USING ERRCODE = 'restrict_violation', TABLE = TG_TABLE_NAME, SCHEMA = TG_TABLE_SCHEMA;
END
$$;

DO $$
DECLARE
    v_parent text[];
BEGIN
    FOREACH v_parent SLICE 1 IN ARRAY ARRAY[['member', 'member_id'], ['run', 'id'], ['campaign', 'id']] LOOP
        EXECUTE pg_catalog.format(
            'CREATE TRIGGER %I BEFORE DELETE ON benefit.%I FOR EACH ROW EXECUTE FUNCTION benefit.refuse_parent_removal()',
            v_parent[1] || '_never_deleted', v_parent[1]);
        EXECUTE pg_catalog.format(
            'CREATE TRIGGER %I BEFORE UPDATE OF %I ON benefit.%I FOR EACH ROW WHEN (NEW.%I IS DISTINCT FROM OLD.%I) '
            'EXECUTE FUNCTION benefit.refuse_parent_removal()',
            v_parent[1] || '_key_never_changes', v_parent[2], v_parent[1], v_parent[2], v_parent[2]);
        EXECUTE pg_catalog.format(
            'CREATE TRIGGER %I BEFORE TRUNCATE ON benefit.%I FOR EACH STATEMENT EXECUTE FUNCTION benefit.refuse_parent_removal()',
            v_parent[1] || '_never_truncated', v_parent[1]);
    END LOOP;
END
$$;

-- 2. One check per statement: every inserted row's member, run and campaign
-- exist. Members are many per statement (a semi-join over the transition
-- table); runs and campaigns one or two (checked once each). Runs with the
-- inserting role's rights, which read all three tables (none has row security).
CREATE FUNCTION benefit.effect_parents_exist() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_missing text;
BEGIN
    SELECT format('(member_id)=(%s) is not present in table "member"', i.member_id) INTO v_missing
    FROM inserted i
    WHERE NOT EXISTS (SELECT 1 FROM benefit.member m WHERE m.member_id = i.member_id)
    LIMIT 1;
    IF v_missing IS NULL THEN
        SELECT format('(run_id)=(%s) is not present in table "run"', i.run_id) INTO v_missing
        FROM (SELECT DISTINCT run_id FROM inserted) i
        WHERE NOT EXISTS (SELECT 1 FROM benefit.run r WHERE r.id = i.run_id)
        LIMIT 1;
    END IF;
    IF v_missing IS NULL THEN
        SELECT format('(campaign_id)=(%s) is not present in table "campaign"', i.campaign_id) INTO v_missing
        FROM (SELECT DISTINCT campaign_id FROM inserted) i
        WHERE NOT EXISTS (SELECT 1 FROM benefit.campaign c WHERE c.id = i.campaign_id)
        LIMIT 1;
    END IF;
    IF v_missing IS NOT NULL THEN
        RAISE EXCEPTION 'insert into table "%" violates its key: %', TG_TABLE_NAME, v_missing
            USING ERRCODE = 'foreign_key_violation', TABLE = TG_TABLE_NAME, SCHEMA = TG_TABLE_SCHEMA;
    END IF;
    RETURN NULL;
END
$$;

-- An effect row's member, run and campaign are fixed once written.
CREATE FUNCTION benefit.refuse_effect_key_change() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    RAISE EXCEPTION 'an effect row''s member, run and campaign never change (table "%")', TG_TABLE_NAME
        USING ERRCODE = 'foreign_key_violation', TABLE = TG_TABLE_NAME, SCHEMA = TG_TABLE_SCHEMA;
END
$$;

-- 3. The five effect tables trade their declared keys to member, run and
-- campaign for the two triggers. A waitlist entry's served_run_id keeps its
-- declared key: it is set by an update, one row at a time.
DO $$
DECLARE
    v_table text;
BEGIN
    FOREACH v_table IN ARRAY ARRAY['appointment', 'waitlist_entry', 'allocation', 'grant', 'fair_place'] LOOP
        EXECUTE pg_catalog.format('ALTER TABLE benefit.%I DROP CONSTRAINT %I, DROP CONSTRAINT %I',
                                  v_table, v_table || '_member_id_fkey', v_table || '_run_id_fkey');
        EXECUTE pg_catalog.format(
            'CREATE TRIGGER %I AFTER INSERT ON benefit.%I REFERENCING NEW TABLE AS inserted '
            'FOR EACH STATEMENT EXECUTE FUNCTION benefit.effect_parents_exist()',
            v_table || '_parents_exist', v_table);
        EXECUTE pg_catalog.format(
            'CREATE TRIGGER %I BEFORE UPDATE OF member_id, run_id, campaign_id ON benefit.%I FOR EACH ROW '
            'WHEN (NEW.member_id IS DISTINCT FROM OLD.member_id OR NEW.run_id IS DISTINCT FROM OLD.run_id '
            'OR NEW.campaign_id IS DISTINCT FROM OLD.campaign_id) EXECUTE FUNCTION benefit.refuse_effect_key_change()',
            v_table || '_keys_never_change', v_table);
    END LOOP;
END
$$;
ALTER TABLE benefit.waitlist_entry DROP CONSTRAINT waitlist_entry_campaign_id_fkey;

REVOKE ALL ON FUNCTION benefit.refuse_parent_removal(), benefit.effect_parents_exist(), benefit.refuse_effect_key_change()
    FROM PUBLIC;
