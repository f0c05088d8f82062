import BenefitAudit
import BenefitCore
import PostgresClient

/// `benefit members leave`: marks one member as having left the union.
///
/// The roster row keeps the date, reason and note; its trigger records the
/// change in `benefit.membership_change`; the audit trail records the action
/// (`member.leave`). All three in one transaction: a leave that took has both
/// records, one that failed has neither.
public enum MemberLeave {
    /// Records `departure` and returns it.
    ///
    /// - Throws: ``MembershipError`` when no member has the id, the member has
    ///   already left, or the date is before their birth; `AuditError` for an
    ///   operator name the trail cannot record; `PostgresError` when the database fails.
    @discardableResult
    public static func record(_ departure: Departure, by operatorName: String, on pool: PostgresPool) async throws -> Departure {
        let details: [String: AuditDetail] = ["leftOn": .text(departure.leftOn.description), "leftReason": .text(departure.reason.rawValue)]
        let entry = try AuditEntry(.memberLeave, target: departure.memberID, reason: departure.note, by: operatorName, details: details)
        try await pool.transaction { connection in
            guard let row = try await connection.query(MemberQueries.lockForLeave(departure.memberID))
                .first((CalendarDate, CalendarDate?, String?).self)
            else {
                throw MembershipError(.noSuchMember, "no member \(PrintableText.quoted(departure.memberID, limit: 40)) on the roster; nothing was written")
            }
            let (birthDate, leftOn, reason) = row
            if let leftOn {
                throw MembershipError(
                    .alreadyLeft, "member \(departure.memberID) already left on \(leftOn) (\(reason ?? "no reason")); nothing was written")
            }
            if departure.leftOn < birthDate {
                throw MembershipError(
                    .invalidDeparture,
                    "--date \(departure.leftOn) is before member \(departure.memberID)'s birth date (\(birthDate)); nothing was written")
            }
            try await connection.query(MemberQueries.leave(departure))
            try await AuditTrail.record(entry, on: connection)
        }
        return departure
    }
}
