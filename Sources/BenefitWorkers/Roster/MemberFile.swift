import BenefitCore
import Foundation
import PostgresClient

/// One member's file (一户一档): who the member is, whether they are still a
/// member, and everything the union's programs did for them, across campaigns
/// and years, in time order: grants, checkup appointments, recuperation places,
/// waitlist entries with their reasons, and their joining and leaving. Read
/// from the documented views (`benefit.members`, `benefit.member_history`), as
/// an administrator would.
public struct MemberFile: Sendable, Encodable {
    /// The member as the roster has them (personal data: shown to operators only).
    public struct Member: Sendable, Encodable {
        public let memberID: String
        public let name: String
        public let orgUnit: String
        public let gender: String
        public let birthDate: String
        public let employment: String
        public let hardshipTier: Int?
        /// Nil while the member is active.
        public let left: Left?
    }

    /// When and why a member left.
    public struct Left: Sendable, Encodable {
        public let on: CalendarDate
        public let reason: String
        public let note: String?
    }

    /// One thing done for the member, or one change of their membership.
    public struct Entry: Sendable, Encodable {
        /// What the entry is: the view's `kind`. Open, since the view is: a later
        /// release's program adds kinds an older binary shows by name.
        public struct Kind: RawRepresentable, Hashable, Sendable, Encodable {
            public let rawValue: String
            public init(rawValue: String) { self.rawValue = rawValue }

            public static let grant = Kind(rawValue: "grant")
            public static let appointment = Kind(rawValue: "appointment")
            public static let place = Kind(rawValue: "place")
            public static let waitlist = Kind(rawValue: "waitlist")
            /// Came onto the roster, or back onto it after leaving.
            public static let joined = Kind(rawValue: "joined")
            public static let left = Kind(rawValue: "left")
            /// Hardship aid (0022): an application as recorded and where it stands, and a payment.
            public static let aidApplication = Kind(rawValue: "aid-application")
            public static let aidPayment = Kind(rawValue: "aid-payment")
            /// Changes after booking (0024).
            public static let appointmentMoved = Kind(rawValue: "appointment-moved")
            public static let appointmentCancelled = Kind(rawValue: "appointment-cancelled")
            public static let appointmentNoShow = Kind(rawValue: "appointment-no-show")
            public static let placeCancelled = Kind(rawValue: "place-cancelled")
            /// A place at a job fair (migration 0025).
            public static let fairPlace = Kind(rawValue: "fair-place")

            /// Every kind `benefit.member_history` writes today (the console labels each).
            public static let known: [Kind] = [
                .grant, .appointment, .place, .waitlist, .joined, .left, .aidApplication, .aidPayment,
                .appointmentMoved, .appointmentCancelled, .appointmentNoShow, .placeCancelled, .fairPlace,
            ]
        }

        public let kind: Kind
        public let at: Date
        /// The campaign, cycle and run that did it; nil for a change of membership.
        public let campaign: String?
        public let cycle: String?
        public let runID: Int?
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
            SELECT member_id, name, org_unit, gender, birth_date::text, employment, hardship_tier, left_on, left_reason, left_note
            FROM benefit.members WHERE member_id = \(memberID)
            """).first((String, String, String, String, String, String, Int?, CalendarDate?, String?, String?).self)
        else { return nil }
        let entries = try await pool.query("""
            SELECT kind, at, campaign, cycle, run_id, detail, amount
            FROM benefit.member_history WHERE member_id = \(memberID)
            ORDER BY at, kind
            """).decode((String, Date, String?, String?, Int?, String, Decimal?).self)
        return MemberFile(
            member: Member(
                memberID: member.0, name: member.1, orgUnit: member.2, gender: member.3, birthDate: member.4, employment: member.5,
                hardshipTier: member.6, left: member.7.map { Left(on: $0, reason: member.8 ?? "", note: member.9) }),
            entries: entries.map {
                Entry(kind: Entry.Kind(rawValue: $0.0), at: $0.1, campaign: $0.2, cycle: $0.3, runID: $0.4, detail: $0.5, amount: $0.6)
            })
    }
}
