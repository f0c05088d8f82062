import PostgresClient

/// Run by `benefit report campaign`: each figure of a campaign's cycle, read from
/// the administrators' views only (so it runs as `benefit_admin`, and on a hot
/// standby), the same SQL as docs/sql.md, Evaluating a campaign.
///
/// Every query takes the campaign and the cycle as binds.
enum CampaignEvaluationQueries {
    /// The zone a cycle's reference date is read in: the union's, as hardship aid's year is.
    static let timeZone = "Asia/Shanghai"

    /// `program`, or no row for an unknown campaign.
    static func program(campaign: String) -> PostgresQuery {
        "SELECT program FROM benefit.campaigns WHERE campaign = \(campaign)"
    }

    /// The campaign's cycles that have a run, the one with the latest run last.
    static func cycles(campaign: String) -> PostgresQuery {
        """
        SELECT cycle FROM benefit.run_history WHERE campaign = \(campaign)
        GROUP BY cycle ORDER BY max(fire_time), cycle
        """
    }

    /// The cycle before `cycle` that has a run, if any.
    static func previousCycle(campaign: String, cycle: String) -> PostgresQuery {
        "SELECT max(cycle) FROM benefit.run_history WHERE campaign = \(campaign) AND cycle < \(cycle)"
    }

    /// Everyone the cycle took on: a member with an effect of one of its runs
    /// (`served`), or still on its waitlist (`waitlisted`, with the reason), with
    /// their org unit, employment, gender, age on the reference date (the cycle's
    /// first fire time, as a date in ``timeZone``), and whether they had left the
    /// union on or before that date (`left_before`, not counted as eligible).
    static func population(campaign: String, cycle: String) -> PostgresQuery {
        """
        WITH cycle_runs AS (
            SELECT run_id, fire_time FROM benefit.run_history WHERE campaign = \(campaign) AND cycle = \(cycle)
        ), reference AS (
            SELECT (min(fire_time) AT TIME ZONE \(timeZone))::date AS day FROM cycle_runs
        ), served AS (
            SELECT member_id FROM benefit.grants WHERE campaign = \(campaign) AND cycle = \(cycle)
            UNION SELECT member_id FROM benefit.appointments WHERE campaign = \(campaign) AND cycle = \(cycle) AND cancelled_at IS NULL
            UNION SELECT member_id FROM benefit.allocations WHERE campaign = \(campaign) AND cycle = \(cycle) AND cancelled_at IS NULL
            UNION SELECT member_id FROM benefit.fair_places WHERE campaign = \(campaign) AND cycle = \(cycle)
            UNION SELECT member_id FROM benefit.aid_payments WHERE run_id IN (SELECT run_id FROM cycle_runs)
        ), waiting AS (
            SELECT member_id, min(reason) AS reason FROM benefit.waitlist w
            WHERE campaign = \(campaign) AND cycle = \(cycle) AND served_at IS NULL
              AND NOT EXISTS (SELECT FROM served s WHERE s.member_id = w.member_id)
            GROUP BY member_id
        )
        SELECT p.member_id, p.outcome, p.reason, m.org_unit, m.employment, m.gender,
               date_part('year', age(r.day, m.birth_date))::int AS age,
               coalesce(m.status = 'left' AND m.left_on <= r.day, false) AS left_before
        FROM (SELECT member_id, 'served' AS outcome, NULL::text AS reason FROM served
              UNION ALL SELECT member_id, 'waitlisted', reason FROM waiting) p
        JOIN benefit.members m USING (member_id)
        CROSS JOIN reference r
        """
    }

    /// `dimension, group, eligible, served, waitlisted`: the whole cycle (`all`),
    /// then by org unit, employment, gender and age band, leavers left out.
    static func coverage(campaign: String, cycle: String) -> PostgresQuery {
        """
        WITH population AS (\(subquery: population(campaign: campaign, cycle: cycle))),
        counted AS (
            SELECT *, CASE WHEN age IS NULL THEN 'unknown' WHEN age < 35 THEN '<35' WHEN age < 50 THEN '35–49'
                           WHEN age < 60 THEN '50–59' ELSE '60+' END AS age_band
            FROM population WHERE NOT left_before
        )
        SELECT CASE WHEN grouping(org_unit) = 0 THEN 'org unit' WHEN grouping(employment) = 0 THEN 'employment'
                    WHEN grouping(gender) = 0 THEN 'gender' WHEN grouping(age_band) = 0 THEN 'age band' ELSE 'all' END,
               CASE WHEN grouping(org_unit) = 0 THEN org_unit WHEN grouping(employment) = 0 THEN employment
                    WHEN grouping(gender) = 0 THEN gender WHEN grouping(age_band) = 0 THEN age_band ELSE 'all' END,
               count(*), count(*) FILTER (WHERE outcome = 'served'), count(*) FILTER (WHERE outcome = 'waitlisted')
        FROM counted
        GROUP BY GROUPING SETS ((), (org_unit), (employment), (gender), (age_band))
        ORDER BY grouping(org_unit), grouping(employment), grouping(gender), grouping(age_band),
                 min(age) NULLS LAST, 2
        """
    }

    /// `leavers`: members with an effect or entry in the cycle who had left on or before its reference date.
    static func leavers(campaign: String, cycle: String) -> PostgresQuery {
        "SELECT count(*) FILTER (WHERE left_before) FROM (\(subquery: population(campaign: campaign, cycle: cycle))) p"
    }

    /// `reason, members`: why the cycle's waiting members wait, the commonest first (ten at most).
    static func reasons(campaign: String, cycle: String) -> PostgresQuery {
        """
        SELECT reason, count(*) FROM (\(subquery: population(campaign: campaign, cycle: cycle))) p
        WHERE outcome = 'waitlisted' AND NOT left_before
        GROUP BY reason ORDER BY count(*) DESC, reason LIMIT 10
        """
    }

    /// `budget, spent`: the cycle's relief budget, or no row.
    static func budget(campaign: String, cycle: String) -> PostgresQuery {
        "SELECT budget, spent FROM benefit.budgets WHERE campaign = \(campaign) AND cycle = \(cycle)"
    }

    /// `group, members, amount`: money granted by tier (relief) or paid by category (hardship aid).
    static func money(campaign: String, cycle: String) -> PostgresQuery {
        """
        SELECT coalesce('tier ' || tier, 'no tier'), count(*), sum(amount) FROM benefit.grants
        WHERE campaign = \(campaign) AND cycle = \(cycle)
        GROUP BY tier
        UNION ALL
        SELECT category, count(DISTINCT member_id), sum(amount) FROM benefit.aid_payments
        WHERE run_id IN (SELECT run_id FROM benefit.run_history WHERE campaign = \(campaign) AND cycle = \(cycle))
        GROUP BY category
        ORDER BY 1
        """
    }

    /// `place, day, used, capacity`: recuperation places per site and session,
    /// checkup bookings per hospital and day, job-fair places per fair (`district ·
    /// fair`) and per district over all its fairs (`district`, day `all fairs`); a
    /// session, day or fair nobody got does not show.
    static func places(campaign: String, cycle: String) -> PostgresQuery {
        """
        SELECT site, session_start::text, count(*), max(session_capacity) FROM benefit.allocations
        WHERE campaign = \(campaign) AND cycle = \(cycle) AND cancelled_at IS NULL
        GROUP BY site, session_start
        UNION ALL
        SELECT hospital, appointment_date::text, count(*), max(daily_capacity) FROM benefit.appointments
        WHERE campaign = \(campaign) AND cycle = \(cycle) AND cancelled_at IS NULL
        GROUP BY hospital, appointment_date
        UNION ALL
        SELECT district || ' · ' || fair, fair_date::text, count(*), max(fair_capacity) FROM benefit.fair_places
        WHERE campaign = \(campaign) AND cycle = \(cycle)
        GROUP BY district, fair, fair_date
        UNION ALL
        SELECT district, 'all fairs', sum(places_filled)::bigint, sum(capacity)::bigint FROM benefit.job_fairs
        WHERE campaign = \(campaign) AND cycle = \(cycle)
        GROUP BY district
        HAVING sum(places_filled) > 0
        ORDER BY 1, 2
        """
    }

    /// `van, day, site, booked, capacity`: each checkup van's route by day, from
    /// `benefit.van_route` (live appointments against the van's daily capacity).
    static func route(campaign: String, cycle: String) -> PostgresQuery {
        """
        SELECT van, day::text, site, booked, capacity FROM benefit.van_route
        WHERE campaign = \(campaign) AND cycle = \(cycle)
        ORDER BY van COLLATE "C", day
        """
    }

    /// One row per run of the cycle: its record, how long its planning job's
    /// attempts took, and its attempts by outcome (pruned jobs count no more).
    static func runs(campaign: String, cycle: String) -> PostgresQuery {
        """
        SELECT r.run_id, r.trigger, r.state, r.fire_time, extract(epoch FROM r.duration)::float8,
               (SELECT extract(epoch FROM max(a.finished_at) - min(a.started_at))::float8
                FROM benefit.job_attempts a JOIN benefit.jobs j USING (job_id)
                WHERE a.run_id = r.run_id AND j.kind = 'campaign.plan'),
               r.batches_total, r.batches_succeeded, r.batches_dead, r.members_total, r.members_done,
               count(a.job_id), count(a.job_id) FILTER (WHERE a.outcome = 'retry'),
               count(a.job_id) FILTER (WHERE a.outcome = 'lease_expired'), count(a.job_id) FILTER (WHERE a.outcome = 'fenced')
        FROM benefit.run_history r
        LEFT JOIN benefit.job_attempts a ON a.run_id = r.run_id
        WHERE r.campaign = \(campaign) AND r.cycle = \(cycle)
        GROUP BY r.run_id, r.trigger, r.state, r.fire_time, r.duration, r.batches_total, r.batches_succeeded,
                 r.batches_dead, r.members_total, r.members_done
        ORDER BY r.run_id
        """
    }
}
