-- 0041 a run's batches keep their members' arrays compressed with lz4.
-- compatible-from: 0040 (the columns, their values and every right stay as they are)
--
-- The planning job writes every batch's `member_ids` and `ranks` (0038) in
-- its fan-out: a thousand member numbers and a thousand ranks per row, stored
-- out of line and compressed. Cutting 4,300,000 ranked members into 4,300
-- batches (into a copy of the table) took 6.3 and 7.2 s with PostgreSQL's
-- default compression (pglz), 5.1 s with lz4, and the arrays took 46 MB against
-- 69 MB, and reading them all back 59 ms against 78 ms (BENCHMARKS.md,
-- 2026-12-07).
--
-- Only values written from now on are compressed this way; older rows keep
-- theirs, and read the same. A server built without lz4 keeps pglz.
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_catalog.pg_settings
               WHERE name = 'default_toast_compression' AND 'lz4' = ANY (enumvals)) THEN
        ALTER TABLE benefit.run_batch ALTER COLUMN member_ids SET COMPRESSION lz4,
                                      ALTER COLUMN ranks SET COMPRESSION lz4;
    END IF;
END
$$;
