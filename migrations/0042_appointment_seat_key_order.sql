-- 0042 the appointment's seat key compares the seat before the campaign and cycle.
-- compatible-from: 0041 (the key holds the same columns: every statement of the release before works as it did)
--
-- appointment_seat_taken_once (0024) holds a live seat once: (campaign_id,
-- cycle, hospital, appointment_date, seat_in_day). A run's batches hold
-- neighbouring members (0038), whose seats are scattered over the cycle, so
-- every appointment a batch writes descends this index to a page of its own,
-- comparing, at each step, the campaign and the cycle's text, which are the
-- same in every entry a run writes, before the day and the seat that tell
-- entries apart. Writing 1,000,000 appointments in batches of 1,000
-- neighbouring members into copies of the table (BENCHMARKS.md, 2026-12-07)
-- took 14.8-16.4 s with the key as it was, 12.1-13.6 s with the same
-- columns, the day and the seat first, and 6.3-8.8 s without the key.
--
-- The same columns in that order hold the same seats once, for a run's
-- writes, a move and a hand-written row alike. What read the index by its
-- leading campaign and cycle:
-- - a hospital's day (a move's free seat, the live appointments counted in
--   benefit.checkup_free_days and benefit.van_site_days) is now found by its
--   leading day, among that day's entries of every hospital;
-- - a cycle's appointments per hospital and day (a run's page in the console)
--   now read the cycle's range of the primary key, which leads with the
--   campaign and cycle, as the planning's reads of who was served always did.
--
-- The index is built again in this migration's transaction, under its lock:
-- on a cycle of a few million appointments, seconds during which no
-- appointment is written.
DROP INDEX benefit.appointment_seat_taken_once;
CREATE UNIQUE INDEX appointment_seat_taken_once
    ON benefit.appointment (appointment_date, seat_in_day, hospital, campaign_id, cycle)
    WHERE cancelled_at IS NULL;
