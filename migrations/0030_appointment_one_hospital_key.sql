-- 0030 an appointment references its hospital or van by one foreign key, not two.
-- compatible-from: 0029 (constraints only: a row passes the new key exactly when it passed the two it replaces)
--
-- 0006 tied an appointment's daily_capacity to its hospital's row (for the
-- seat's CHECK), and 0026 its kind (hospital or van) to the same row, each by a
-- foreign key of its own. Every appointment a batch writes then ran two checks
-- against the same parent row, each locking it FOR KEY SHARE; with a run's
-- batches committing side by side, that row's lock is a MultiXact shared by
-- all of them, and each check has to look through it. Sampled over a 300,000-
-- member checkup, the two took 15 and 34 ms of a batch of 1,000's 100 ms
-- insert (auto_explain, log_triggers). One key over all five columns says both
-- things and checks the row once.
--
-- Locks: the new unique key builds over the cycle's few hospital rows; the key
-- is added NOT VALID (a brief SHARE ROW EXCLUSIVE) and validated under SHARE
-- UPDATE EXCLUSIVE, so batches go on writing appointments while it scans them;
-- dropping the two old keys takes ACCESS EXCLUSIVE only for the catalog change.
ALTER TABLE benefit.checkup_hospital
    ADD CONSTRAINT checkup_hospital_capacity_kind_key UNIQUE (campaign_id, cycle, hospital, daily_capacity, kind);

ALTER TABLE benefit.appointment
    ADD CONSTRAINT appointment_hospital_fkey FOREIGN KEY (campaign_id, cycle, hospital, daily_capacity, kind)
        REFERENCES benefit.checkup_hospital (campaign_id, cycle, hospital, daily_capacity, kind) NOT VALID;
ALTER TABLE benefit.appointment VALIDATE CONSTRAINT appointment_hospital_fkey;

ALTER TABLE benefit.appointment
    DROP CONSTRAINT appointment_kind_fkey,
    DROP CONSTRAINT appointment_campaign_id_cycle_hospital_daily_capacity_fkey;
