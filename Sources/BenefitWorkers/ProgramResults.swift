import Foundation
import PostgresClient

/// What a run's program did, in figures a chart can draw, read from the
/// documented views by run: money granted per tier (seasonal relief),
/// bookings per appointment day (health checkups), places per session
/// (recuperation), and how many were left on the waitlist.
public struct ProgramResults: Sendable {
    public enum Measure: String, Sendable {
        /// Yuan granted, by tier.
        case grantedPerTier = "granted_per_tier"
        /// Appointments, by day.
        case bookingsPerDay = "bookings_per_day"
        /// Places filled, by site and session.
        case placesPerSession = "places_per_session"
    }

    public let measure: Measure
    /// (label, value) in the order to draw them.
    public let figures: [(label: String, value: Decimal)]
    /// Members left on the waitlist by this run.
    public let waitlisted: Int

    /// The run's results, or nil for a program without any (the drill).
    public static func read(runID: Int, program: String, on pool: PostgresPool) async throws -> ProgramResults? {
        let query: PostgresQuery
        let measure: Measure
        switch program {
        case "seasonal-relief":
            measure = .grantedPerTier
            query = """
                SELECT coalesce('tier ' || tier, 'other'), sum(amount) FROM benefit.grants WHERE run_id = \(runID)
                GROUP BY tier ORDER BY tier NULLS LAST
                """
        case "health-checkup":
            measure = .bookingsPerDay
            query = """
                SELECT appointment_date::text, count(*)::numeric FROM benefit.appointments WHERE run_id = \(runID)
                GROUP BY appointment_date ORDER BY appointment_date
                """
        case "recuperation":
            measure = .placesPerSession
            query = """
                SELECT site || ' ' || session_start::text, count(*)::numeric FROM benefit.allocations WHERE run_id = \(runID)
                GROUP BY site, session_start ORDER BY session_start, site
                """
        default:
            return nil
        }
        let figures = try await pool.query(query).decode((String, Decimal).self).map { (label: $0.0, value: $0.1) }
        let waitlisted = try await pool.query("SELECT count(*) FROM benefit.waitlist WHERE run_id = \(runID)").single(Int.self)
        return ProgramResults(measure: measure, figures: figures, waitlisted: waitlisted)
    }
}
