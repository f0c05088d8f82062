import BenefitAudit
import BenefitCore
import Foundation
import PostgresClient

/// `benefit campaign topup --site …`: one more recuperation session for a cycle
/// whose sessions its first run already opened (migrations/0027_extra_sessions.sql).
///
/// The session goes after the cycle's others, so the next run of the cycle,
/// walking sessions in position order, fills the places cancels gave back
/// first and then the new ones, with the members still unplaced in rank order:
/// the waitlist by rank. Audited as `campaign.topup`, like money.
public enum SessionTopUp {
    /// Refused, with nothing written: the same refusal as money's.
    public typealias Refusal = BudgetTopUp.Refusal

    /// The session to add.
    public struct Session: Sendable, Equatable {
        public let site: String
        public let start: CalendarDate
        public let days: Int
        public let capacity: Int

        public init(site: String, start: CalendarDate, days: Int, capacity: Int) {
            self.site = site
            self.start = start
            self.days = days
            self.capacity = capacity
        }
    }

    /// The cycle's sessions after the addition.
    public struct Result: Sendable, Equatable {
        /// The new session's position: it is walked after every earlier one.
        public let position: Int
        public let sessions: Int
        public let places: Int
        public let placesTaken: Int
        /// Members of the cycle still waitlisted (not placed by a later run).
        public let waiting: Int
    }

    /// Adds `session` to the cycle and records `campaign.topup` (with the cycle
    /// and the session) in the same transaction; refused with nothing written.
    public static func run(
        campaign: String, cycle: String, session: Session, reason: String, by operatorName: String, on pool: PostgresPool
    ) async throws -> Result {
        let (sessions, waiting) = try await CycleTopUp.run(campaign: campaign, cycle: cycle, reason: reason, by: operatorName, on: pool) {
            transaction in
            let sessions = try await transaction.query("""
                SELECT session_position, sessions, places, places_taken
                FROM benefit.add_recuperation_session(\(campaign), \(cycle), \(session.site), \(session.start)::date,
                                                      \(session.days)::integer, \(session.capacity)::integer)
                """).single((Int, Int, Int, Int).self)
            let details: [String: AuditDetail] = [
                "site": .text(session.site), "session_start": .text(session.start.description),
                "days": .integer(session.days), "capacity": .integer(session.capacity),
            ]
            return (sessions, details)
        }
        return Result(position: sessions.0, sessions: sessions.1, places: sessions.2, placesTaken: sessions.3, waiting: waiting)
    }
}
