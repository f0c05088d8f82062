-- 0036 the member number's rule, checked without bounded repetition.
-- compatible-from: 0035 (the same rule: every number either accepts, the other does too)
--
-- benefit.member checks each member number on every insert and update with
-- `^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$`. A pattern with bounded repetition makes
-- PostgreSQL's regex engine build a large automaton on each match, as 0008 found
-- for the job's names: over 4,300,000 numbers in psql, 5.3 s for that pattern
-- against 0.8 s for `*` plus a length check (BENCHMARKS.md, 2026-12-06). An
-- import copies its roster in one backend, so the check was one sixth of a first
-- import's time at the city's scale.
--
-- The rule is the same: a letter or digit, then letters, digits, `_`, `.` or `-`,
-- 1 to 32 characters in all. The pattern admits ASCII only, so the number's
-- bytes are its characters, and octet_length (which does not count characters)
-- says its length. RosterValue.isMemberID is the importer's copy of it.
ALTER TABLE benefit.member
    DROP CONSTRAINT member_member_id_check,
    ADD CONSTRAINT member_member_id_check
        CHECK (member_id ~ '^[A-Za-z0-9][A-Za-z0-9_.-]*$' AND octet_length(member_id) <= 32);
