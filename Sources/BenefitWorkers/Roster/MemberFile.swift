import Foundation
import PostgresClient

/// One member's file (一户一档): who the member is, and everything the union's
/// programs did for them, across campaigns and years, in time order: grants,
/// checkup appointments, recuperation places and waitlist entries with their
/// reasons. Read from the documented views, as an administrator would.
public struct MemberFile: Sendable {
    /// The member as the roster has them (personal data: shown to operators only).
    public struct Member: Sendable {
        public let memberID: String
        public let name: String
        public let orgUnit: String
        public let gender: String
        public let birthDate: String
        public let employment: String
        public let hardshipTier: Int?
    }

    /// One thing done for the member.
    public struct Entry: Sendable {
        public enum Kind: String, Sendable {
            case grant, appointment, place, waitlist
        }

        public let kind: Kind
        public let at: Date
        public let campaign: String
        public let cycle: String
        public let runID: Int
        /// What it was: an amount, a hospital and day, a site and session, a reason.
        public let detail: String
        /// The amount of a grant.
        public let amount: Decimal?
    }

    public let member: Member
    public let entries: [Entry]

    /// The member's file, or nil when no member has that id.
    public static func read(_ memberID: String, on pool: PostgresPool) async throws -> MemberFile? {
        guard let member = try await pool.query("""
            SELECT member_id, name, org_unit, gender, birth_date::text, employment, hardship_tier
            FROM benefit.members WHERE member_id = \(memberID)
            """).first((String, String, String, String, String, String, Int?).self)
        else { return nil }
        let entries = try await pool.query("""
            SELECT 'grant', created_at, campaign, cycle, run_id, season || coalesce(' · tier ' || tier, ''), amount
            FROM benefit.grants WHERE member_id = \(memberID)
            UNION ALL
            SELECT 'appointment', created_at, campaign, cycle, run_id, hospital || ' · ' || appointment_date || ' · ' || package, NULL
            FROM benefit.appointments WHERE member_id = \(memberID)
            UNION ALL
            SELECT 'place', created_at, campaign, cycle, run_id, site || ' · ' || session_start || ' · ' || session_days || 'd', NULL
            FROM benefit.allocations WHERE member_id = \(memberID)
            UNION ALL
            SELECT 'waitlist', created_at, campaign, cycle, run_id, program || ' · #' || rank || ' · ' || reason, NULL
            FROM benefit.waitlist WHERE member_id = \(memberID)
            ORDER BY 2, 1
            """).decode((String, Date, String, String, Int, String, Decimal?).self)
        return MemberFile(
            member: Member(
                memberID: member.0, name: member.1, orgUnit: member.2, gender: member.3, birthDate: member.4, employment: member.5,
                hardshipTier: member.6),
            entries: entries.map {
                Entry(kind: Entry.Kind(rawValue: $0.0) ?? .grant, at: $0.1, campaign: $0.2, cycle: $0.3, runID: $0.4, detail: $0.5, amount: $0.6)
            })
    }
}
