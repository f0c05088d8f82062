import Foundation
import PostgresClient

/// What a run's program did, in figures the run's page draws: money per tier
/// as the run's plan allotted it, and the budget burning down as batches commit
/// (seasonal relief); bookings per day, and per hospital and day in the run's
/// cycle (health checkups); places per session (recuperation); places per fair
/// (job fairs); money paid per
/// category (hardship aid); the waitlist in rank order.
///
/// Each is read so that a run over a million members stays cheap to show: from
/// the run's plan and its record of batches (a row per tier, per batch), from
/// the appointments' per-cycle key, and from the waitlist's (run, rank) index,
/// never by scanning every grant.
public struct ProgramResults: Sendable {
    public enum Measure: String, Sendable {
        /// Yuan per tier, as the run's plan allotted it (`relief_allotment`: grants × amount).
        case plannedPerTier = "planned_per_tier"
        /// Appointments in the run's cycle, by day.
        case bookingsPerDay = "bookings_per_day"
        /// Places filled, by site and session.
        case placesPerSession = "places_per_session"
        /// Places filled by the run, by job fair (`district · fair`).
        case placesPerFair = "places_per_fair"
        /// Yuan paid by the run, by hardship-aid category.
        case paidPerCategory = "paid_per_category"

        /// Whether the figures are money.
        public var isMoney: Bool { self == .plannedPerTier || self == .paidPerCategory }
    }

    /// A cycle's budget as a relief run spent it.
    public struct BurnDown: Sendable {
        /// What the cycle's budget held when the run began (its earlier runs' grants taken off).
        public let available: Decimal
        /// Each committed batch: when, and what the budget held after it, in commit order.
        public let steps: [(at: Date, remaining: Decimal)]
    }

    /// One hospital's appointments on one day, against its daily capacity.
    public struct HospitalDay: Sendable, Equatable {
        public let hospital: String
        /// `YYYY-MM-DD`.
        public let day: String
        public let booked: Int
        public let capacity: Int
    }

    /// A member the run left waiting, by rank (1 = first to be served when a place frees).
    public struct Waiting: Sendable, Equatable {
        public let rank: Int
        public let memberID: String
        public let reason: String
    }

    public let measure: Measure
    /// (label, value) in the order to draw them.
    public let figures: [(label: String, value: Decimal)]
    /// Members left on the waitlist by this run.
    public let waitlisted: Int
    /// The first of them, by rank (at most `waitingLimit`).
    public let waiting: [Waiting]
    /// Seasonal relief only.
    public let burnDown: BurnDown?
    /// Health checkups only: the run's cycle, by hospital, then day.
    public let hospitalDays: [HospitalDay]

    /// Members of the waitlist the page lists.
    public static let waitingLimit = 20

    /// The run's results, or nil for a program without any (the drill).
    public static func read(runID: Int, program: String, on pool: PostgresPool) async throws -> ProgramResults? {
        let measure: Measure
        var figures: [(label: String, value: Decimal)]
        var hospitalDays: [HospitalDay] = []
        switch program {
        case "seasonal-relief":
            measure = .plannedPerTier
            figures = try await pool.query("""
                SELECT coalesce('tier ' || tier, 'other'), grants * amount FROM benefit.relief_allotment WHERE run_id = \(runID)
                ORDER BY tier NULLS LAST
                """).decode((String, Decimal).self).map { (label: $0.0, value: $0.1) }
        case "health-checkup":
            measure = .bookingsPerDay
            hospitalDays = try await Self.hospitalDays(runID: runID, on: pool)
            var perDay: [String: Int] = [:]
            for day in hospitalDays { perDay[day.day, default: 0] += day.booked }
            figures = perDay.keys.sorted().map { (label: $0, value: Decimal(perDay[$0]!)) }
        case "recuperation":
            measure = .placesPerSession
            figures = try await pool.query("""
                SELECT site || ' ' || session_start::text, count(*)::numeric FROM benefit.allocations WHERE run_id = \(runID)
                GROUP BY site, session_start ORDER BY session_start, site
                """).decode((String, Decimal).self).map { (label: $0.0, value: $0.1) }
        case JobFairProgram.name:
            measure = .placesPerFair
            figures = try await pool.query("""
                SELECT district || ' · ' || fair, count(*)::numeric FROM benefit.fair_places WHERE run_id = \(runID)
                GROUP BY district, fair, fair_date ORDER BY fair_date, district, fair
                """).decode((String, Decimal).self).map { (label: $0.0, value: $0.1) }
        case HardshipAidProgram.name:
            measure = .paidPerCategory
            figures = try await pool.query("""
                SELECT a.category, sum(p.amount) FROM benefit.aid_payment p JOIN benefit.aid_application a ON a.id = p.application_id
                WHERE p.run_id = \(runID) GROUP BY a.category ORDER BY a.category
                """).decode((String, Decimal).self).map { (label: $0.0, value: $0.1) }
        default:
            return nil
        }
        // Awards waiting for money are waitlisted per award, in their own table.
        let waitlist: PostgresQuery = measure == .paidPerCategory
            ? """
                SELECT w.rank, a.member_id, format('application %s: %s', w.application_id, w.reason)
                FROM benefit.aid_waitlist_entry w JOIN benefit.aid_application a ON a.id = w.application_id WHERE w.run_id = \(runID)
                """
            : "SELECT rank, member_id, reason FROM benefit.waitlist_entry WHERE run_id = \(runID)"
        let waitlisted = try await pool.query("SELECT count(*) FROM (\(subquery: waitlist)) w").single(Int.self)
        let waiting = try await pool.query("SELECT * FROM (\(subquery: waitlist)) w ORDER BY 1 LIMIT \(waitingLimit)")
            .decode((Int, String, String).self).map { Waiting(rank: $0.0, memberID: $0.1, reason: $0.2) }
        return ProgramResults(
            measure: measure, figures: figures, waitlisted: waitlisted, waiting: waiting,
            burnDown: measure == .plannedPerTier ? try await burnDown(runID: runID, on: pool) : nil,
            hospitalDays: hospitalDays)
    }

    /// The budget from the run's start, batch by batch, from the run's own record
    /// of what each batch committed (`run_batch`, one row per batch: a run of a
    /// million members reads a thousand rows, not its grants). Nil when the
    /// cycle has no budget yet (the run has not been planned).
    static func burnDown(runID: Int, on pool: PostgresPool) async throws -> BurnDown? {
        guard let available = try await pool.query("""
            SELECT b.budget - coalesce((SELECT sum(e.amount_total) FROM benefit.run_history e
                                        WHERE e.campaign = r.campaign AND e.cycle = r.cycle AND e.run_id < r.run_id), 0)
            FROM benefit.run_history r JOIN benefit.budgets b ON b.campaign = r.campaign AND b.cycle = r.cycle
            WHERE r.run_id = \(runID)
            """).first?.decode(Decimal.self) else { return nil }
        var remaining = available
        let steps = try await pool.query("""
            SELECT done_at, amount FROM benefit.run_batch WHERE run_id = \(runID) AND done_at IS NOT NULL ORDER BY done_at, batch
            """).decode((Date, Decimal?).self).map { at, amount in
            remaining -= amount ?? 0
            return (at: at, remaining: remaining)
        }
        return BurnDown(available: available, steps: steps)
    }

    /// Checkup appointments per day, every campaign's, from `days` before today
    /// to `days` after (`YYYY-MM-DD`, count): the overview's chart.
    public static func bookingsPerDay(days: Int, on pool: PostgresPool) async throws -> [(day: String, bookings: Int)] {
        try await pool.query("""
            SELECT appointment_date::text, count(*) FROM benefit.appointments
            WHERE appointment_date BETWEEN current_date - \(days)::integer AND current_date + \(days)::integer
              AND cancelled_at IS NULL
            GROUP BY appointment_date ORDER BY appointment_date
            """).decode((String, Int).self).map { (day: $0.0, bookings: $0.1) }
    }

    /// Appointments per hospital and day in the run's cycle (every run of a cycle
    /// books the same hospitals' days), with each hospital's daily capacity: the
    /// cycle's range of the appointments' primary key (campaign, cycle, member),
    /// or a scan of the table where the cycle is most of it. A cancelled
    /// appointment (0024) no longer takes its seat.
    static func hospitalDays(runID: Int, on pool: PostgresPool) async throws -> [HospitalDay] {
        try await pool.query("""
            SELECT a.hospital, a.appointment_date::text, count(*), max(a.daily_capacity)
            FROM benefit.appointment a JOIN benefit.run r ON r.campaign_id = a.campaign_id AND r.cycle = a.cycle
            WHERE r.id = \(runID) AND a.cancelled_at IS NULL
            GROUP BY a.hospital, a.appointment_date ORDER BY a.hospital, a.appointment_date
            """).decode((String, String, Int, Int).self).map { HospitalDay(hospital: $0.0, day: $0.1, booked: $0.2, capacity: $0.3) }
    }
}
