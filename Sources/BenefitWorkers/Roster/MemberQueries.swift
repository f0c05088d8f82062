import BenefitCore
import PostgresClient

/// The roster import's statements on `benefit.member`.
///
/// The import loads a whole file into a staging table first and merges it in
/// one statement (or, into an empty roster, copies it straight in), all in one
/// transaction, so the roster goes from its old state to its new one at
/// commit, never through a half-imported state that a running campaign could
/// plan against.
enum MemberQueries {
    // MARK: Import (run by `benefit members import`, in one transaction)

    /// A staging table private to the import's session, dropped at commit or rollback.
    ///
    /// Its columns carry no constraints: the rows were checked on the way in, and
    /// the real constraints run when they are merged into `benefit.member`.
    static let createStaging: PostgresQuery = """
        CREATE TEMP TABLE member_import (
            member_id text, name text, org_unit text, gender char(1), birth_date date, hire_date date,
            employment text, hardship_tier smallint, frontline boolean, model_worker boolean,
            last_recuperation_year smallint, last_checkup_date date, child_college_year smallint
        ) ON COMMIT DROP
        """

    /// The roster file's columns, in its order (``RosterColumn``): the order the
    /// import's COPY rows are written in.
    private static let fileColumns: PostgresQuery = """
        member_id, name, org_unit, gender, birth_date, hire_date, employment, hardship_tier,
        frontline, model_worker, last_recuperation_year, last_checkup_date, child_college_year
        """

    /// The COPY the import streams validated rows into.
    static let copyIntoStaging: PostgresQuery = "COPY member_import (\(subquery: fileColumns)) FROM STDIN"

    /// Run by an import that changed members, in its transaction: the roster's
    /// planner statistics, which a run triggered right after plans on.
    static let analyze: PostgresQuery = "SELECT benefit.analyze_roster()"

    /// Run first by every import: imports run one at a time. The lock conflicts
    /// only with itself and with maintenance (VACUUM, ANALYZE, index builds), so
    /// members leaving and workers' updates go on meanwhile; a second import
    /// waits here until the first commits, and then finds the members it added
    /// already on the roster. That is what lets an import add new members with a
    /// plain INSERT or COPY: no other session inserts members meanwhile.
    static let lockRoster: PostgresQuery = "LOCK TABLE benefit.member IN SHARE UPDATE EXCLUSIVE MODE"

    /// ``lockRoster`` if no one holds a lock that conflicts with it; SQLSTATE
    /// 55P03 otherwise (run under a savepoint, to say who is waited for).
    static let lockRosterAtOnce: PostgresQuery = "LOCK TABLE benefit.member IN SHARE UPDATE EXCLUSIVE MODE NOWAIT"

    /// The other sessions holding a lock that ``lockRoster`` waits for: pid, login
    /// and the start of their transaction (all of them readable by any login).
    static let rosterLockHolders: PostgresQuery = """
        SELECT l.pid, coalesce(a.usename::text, ''), a.xact_start
        FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid
        WHERE l.locktype = 'relation' AND l.relation = 'benefit.member'::regclass AND l.granted
          AND l.mode IN ('ShareUpdateExclusiveLock', 'ShareLock', 'ShareRowExclusiveLock', 'ExclusiveLock', 'AccessExclusiveLock')
          AND l.pid <> pg_backend_pid()
        ORDER BY a.xact_start NULLS LAST, l.pid
        """

    /// Run under ``lockRoster``: whether the roster has no member at all, so the
    /// file can be copied straight into it.
    static let rosterIsEmpty: PostgresQuery = "SELECT NOT EXISTS (SELECT 1 FROM benefit.member)"

    /// The COPY of a first import, straight into the roster.
    static let copyIntoRoster: PostgresQuery = "COPY benefit.member (\(subquery: fileColumns)) FROM STDIN"

    /// Merges the staging table into the roster and returns (added, updated).
    ///
    /// A member in the file who had left is back: the status is cleared (an
    /// update; the roster row's trigger records the re-joining). A member whose
    /// every field is unchanged, and who had not left, is left alone, so its
    /// `updated_at` keeps telling when it last really changed and re-importing
    /// the same file writes nothing. Members not in the file are not touched:
    /// a roster file may be one org unit's part.
    ///
    /// One hash join sorts the file's rows into new, changed and unchanged
    /// members (most of a monthly re-import is unchanged, and is dropped here).
    /// The new ones go in with a plain INSERT, safe under ``lockRoster``: an
    /// `ON CONFLICT` insert costs a speculative insertion and its confirmation
    /// per row, 15 % of a first import of a million members. The changed ones
    /// are updated; the update's own test repeats the join's, for rows another
    /// session changed in between (PostgreSQL re-checks it on the row's newest
    /// version).
    static let mergeStaging: PostgresQuery = """
        WITH incoming AS MATERIALIZED (
            SELECT i.*, old.member_id IS NOT NULL AS known
            FROM member_import i LEFT JOIN benefit.member old ON old.member_id = i.member_id
            WHERE old.member_id IS NULL OR old.left_on IS NOT NULL
               OR (old.name, old.org_unit, old.gender, old.birth_date, old.hire_date, old.employment, old.hardship_tier,
                   old.frontline, old.model_worker, old.last_recuperation_year, old.last_checkup_date, old.child_college_year)
                  IS DISTINCT FROM
                  (i.name, i.org_unit, i.gender, i.birth_date, i.hire_date, i.employment, i.hardship_tier,
                   i.frontline, i.model_worker, i.last_recuperation_year, i.last_checkup_date, i.child_college_year)
        ), added AS (
            INSERT INTO benefit.member (\(subquery: fileColumns))
            SELECT i.member_id, i.name, i.org_unit, i.gender, i.birth_date, i.hire_date, i.employment, i.hardship_tier,
                   i.frontline, i.model_worker, i.last_recuperation_year, i.last_checkup_date, i.child_college_year
            FROM incoming i WHERE NOT i.known
            RETURNING 1
        ), updated AS (
            UPDATE benefit.member m SET
                name = i.name, org_unit = i.org_unit, gender = i.gender,
                birth_date = i.birth_date, hire_date = i.hire_date, employment = i.employment,
                hardship_tier = i.hardship_tier, frontline = i.frontline,
                model_worker = i.model_worker, last_recuperation_year = i.last_recuperation_year,
                last_checkup_date = i.last_checkup_date, child_college_year = i.child_college_year,
                left_on = NULL, left_reason = NULL, left_note = NULL,
                updated_at = now()
            FROM incoming i
            WHERE i.known AND m.member_id = i.member_id
              AND (m.left_on IS NOT NULL
                   OR (m.name, m.org_unit, m.gender, m.birth_date, m.hire_date, m.employment, m.hardship_tier,
                       m.frontline, m.model_worker, m.last_recuperation_year, m.last_checkup_date, m.child_college_year)
                      IS DISTINCT FROM
                      (i.name, i.org_unit, i.gender, i.birth_date, i.hire_date, i.employment, i.hardship_tier,
                       i.frontline, i.model_worker, i.last_recuperation_year, i.last_checkup_date, i.child_college_year))
            RETURNING 1
        )
        SELECT (SELECT count(*) FROM added), (SELECT count(*) FROM updated)
        """

    /// Run by the import before the merge: members in the file who had left, and
    /// so re-join. While nobody has left (the partial index on left members is
    /// empty) the staging table is not read at all: the count is an InitPlan that
    /// runs only when the CASE asks for it.
    static let countRejoining: PostgresQuery = """
        SELECT CASE WHEN EXISTS (SELECT 1 FROM benefit.member WHERE left_on IS NOT NULL)
                    THEN (SELECT count(*) FROM benefit.member m JOIN member_import i ON i.member_id = m.member_id
                          WHERE m.left_on IS NOT NULL)
                    ELSE 0 END
        """

    // MARK: Complete roster (run by `benefit members import --complete`, in the import's transaction)

    /// Run before the merge: the active members, the share of whom may leave.
    static let countActive: PostgresQuery = "SELECT count(*) FROM benefit.member WHERE left_on IS NULL"

    /// Run after the merge: every active member absent from the file leaves on
    /// `day` (`absent`, with `note`), and returns how many. One anti-join (a hash
    /// of the staging table), however large the roster.
    static func markAbsentAsLeft(on day: CalendarDate, note: String) -> PostgresQuery {
        """
        WITH leaving AS (
            UPDATE benefit.member m
            SET left_on = \(day)::date, left_reason = \(LeaveReason.absent.rawValue), left_note = \(note), updated_at = now()
            WHERE m.left_on IS NULL
              AND NOT EXISTS (SELECT 1 FROM member_import i WHERE i.member_id = m.member_id)
            RETURNING 1
        )
        SELECT count(*) FROM leaving
        """
    }

    // MARK: Leaving (run by `benefit members leave`, in one transaction with its audit row)

    /// The member's birth date and status, locked until the leave commits: `birth_date, left_on, left_reason`.
    static func lockForLeave(_ memberID: String) -> PostgresQuery {
        "SELECT birth_date, left_on, left_reason FROM benefit.member WHERE member_id = \(memberID) FOR UPDATE"
    }

    /// Marks the member left; the roster row's trigger records the change.
    static func leave(_ departure: Departure) -> PostgresQuery {
        """
        UPDATE benefit.member
        SET left_on = \(departure.leftOn)::date, left_reason = \(departure.reason.rawValue), left_note = \(departure.note),
            updated_at = now()
        WHERE member_id = \(departure.memberID)
        """
    }
}
