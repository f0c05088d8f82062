-- 0020 roster statistics: a roster import leaves the planner statistics of
-- benefit.member behind it, in its own transaction (RosterImport).
-- compatible-from: 0018 (only adds a function)
--
-- Why: right after a bulk import the table has no statistics (or those of a
-- roster a hundredth its size) until autovacuum comes by, and a run triggered
-- at once plans its population on a guess. 300,000 members imported into an
-- empty roster were estimated at about 1,800, and the health checkup's
-- population joined its plan's units in a nested loop: planning took 37.8 s
-- instead of 2.0 s. Every program's population is driven by member rows, so
-- with them counted right the planner hashes the small side (plan units, a few
-- thousand rows at most, written by the planning transaction itself and never
-- analysed) whatever it guesses of it.
--
-- ANALYZE needs the table's owner, and operators import: hence the owner's
-- rights. It samples a bounded number of rows (300 × default_statistics_target),
-- so it costs about the same for 50,000 members as for 4,300,000, and it holds
-- only a SHARE UPDATE EXCLUSIVE lock (readers and writers go on).

CREATE FUNCTION benefit.analyze_roster()
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    ANALYZE benefit.member;
END
$$;

REVOKE ALL ON FUNCTION benefit.analyze_roster() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION benefit.analyze_roster() TO benefit_operator;
