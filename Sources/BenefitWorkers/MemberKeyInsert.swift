import PostgresClient

/// A batch's effect rows inserted without `ON CONFLICT`'s check per row, unless
/// a member's key in the cycle turns out to be taken.
///
/// A population leaves out the members its campaign's cycle has already served
/// (``ProgramQueries/unserved(_:_:campaignID:cycle:)``), so a batch meets a
/// member already booked, placed or waitlisted only when an overlapping run of
/// the same cycle got there first. `ON CONFLICT (campaign_id, cycle, member_id)
/// DO NOTHING` covers that race, at a price paid for every row: before each
/// insert it probes the key's index for a conflict, then inserts speculatively
/// and confirms, a sixth of the server's time in a checkup's batches at
/// 1,000,000 members (BENCHMARKS.md, 2026-12-06). So the batch first inserts
/// plainly, under a savepoint, and only if a key was taken (`23505`) rolls that
/// back and inserts again skipping the taken keys. The effect table's keys hold
/// either way: a plain insert that meets a taken key fails, it never doubles it.
/// A seat or place held twice fails again the second time, as it must.
///
/// A later run of a cycle that looks at its waitlist again (relief's and
/// recuperation's waitlisted members are ranked anew) meets taken keys in the
/// batches that waitlist them again, and there pays for the plain statement up
/// to its first taken key as well.
enum MemberKeyInsert {
    /// Runs `statement(false)`, a plain INSERT, and if it meets a taken key,
    /// `statement(true)`, the same INSERT with `ON CONFLICT ... DO NOTHING` on the
    /// member's key; inside the caller's transaction. Returns the rows of the one
    /// that took effect.
    @discardableResult
    static func insert(
        on transaction: PostgresConnection, _ statement: (_ skippingTaken: Bool) -> PostgresQuery
    ) async throws -> PostgresRows {
        do {
            return try await transaction.pipeline(["SAVEPOINT effects_plain", statement(false), "RELEASE SAVEPOINT effects_plain"])[1]
        } catch let error as PostgresError where error.isUniqueViolation {
            try await transaction.query("ROLLBACK TO SAVEPOINT effects_plain")
            return try await transaction.query(statement(true))
        }
    }

    /// The clause a statement ends its INSERT with: `ON CONFLICT` on the member's
    /// key in the cycle when skipping taken keys, nothing otherwise.
    static func onTakenKey(_ skippingTaken: Bool) -> PostgresQuery {
        skippingTaken ? "ON CONFLICT (campaign_id, cycle, member_id) DO NOTHING" : ""
    }
}
