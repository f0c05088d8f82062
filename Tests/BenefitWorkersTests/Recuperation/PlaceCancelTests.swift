import BenefitCore
import BenefitTestSupport
import BenefitWorkers
import Foundation
import PostgresClient
import Testing

/// A cancelled recuperation place goes back to its session, and the cycle's next
/// run gives it to the first of the waitlist by rank, once
/// (migrations/0024_booking_changes.sql).
@Suite("Recuperation: place cancels", .serialized)
struct PlaceCancelTests {
    static let campaign = "rest-cancel"
    /// One session of three places; the members rank by service years alone.
    static let parameters = """
        { employment: [staff], minServiceYears: 3, notWithinYears: 5,
          sites: [{ name: 沙家浜, sessions: [{ start: 2027-04-06, days: 5, capacity: 3 }] }],
          rankBy: [frontline, modelWorker, yearsSinceLast, serviceYears], seed: 7 }
        """

    static func live(on pool: PostgresPool) async throws -> [String] {
        try await pool.query("SELECT member_id FROM benefit.allocations WHERE cancelled_at IS NULL ORDER BY member_id")
            .decode(String.self)
    }

    static func waiting(on pool: PostgresPool) async throws -> [String] {
        try await pool.query("""
            SELECT member_id FROM benefit.waitlist WHERE program = 'recuperation' AND served_at IS NULL ORDER BY rank
            """).decode(String.self)
    }

    @Test("a cancelled place goes to the first waitlisted member by rank at the next run, once; a run with no free place leaves the waitlist")
    func cancelledPlaceGoesToTheFirstWaitlisted() async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let pool = PostgresPool(configuration: configuration, maxConnections: 8)
            defer { pool.close() }
            // P1 has served longest, so ranks first; P6 last.
            for (index, hired) in ["2000", "2002", "2004", "2006", "2008", "2010"].enumerated() {
                try await RecuperationFixtures.insertMember("P\(index + 1)", hired: "\(hired)-01-01", on: pool)
            }
            try await ProgramFixtures.apply(
                RecuperationFixtures.campaignYAML(name: Self.campaign, batchSize: 2, parameters: Self.parameters), on: pool)
            let first = try await ProgramFixtures.runToEnd(Self.campaign, queue: RecuperationFixtures.queue, workers: 2, pool: pool)
            #expect(first.state == .succeeded)
            #expect(try await Self.live(on: pool) == ["P1", "P2", "P3"])
            #expect(try await Self.waiting(on: pool) == ["P4", "P5", "P6"])

            // Refused: a waitlisted member has no place to cancel.
            await #expect(throws: BookingChanges.Refusal.self) {
                _ = try await BookingChanges.cancelPlace(Booking(campaign: Self.campaign, memberID: "P5"), reason: "x", by: "t@h", on: pool)
            }

            let cancelled = try await BookingChanges.cancelPlace(
                Booking(campaign: Self.campaign, memberID: "P2"), reason: "病假", by: "test@host", on: pool)
            #expect(cancelled.place == "沙家浜" && cancelled.date == CalendarDate("2027-04-06")!)
            #expect(try await Self.live(on: pool) == ["P1", "P3"])
            await #expect(throws: BookingChanges.Refusal.self) {
                _ = try await BookingChanges.cancelPlace(Booking(campaign: Self.campaign, memberID: "P2"), reason: "again", by: "t@h", on: pool)
            }

            let second = try await ProgramFixtures.runToEnd(Self.campaign, queue: RecuperationFixtures.queue, day: 2, workers: 2, pool: pool)
            #expect(second.state == .succeeded)
            #expect(try await Self.live(on: pool) == ["P1", "P3", "P4"])
            #expect(try await Self.waiting(on: pool) == ["P5", "P6"])
            #expect(try await pool.query("""
                SELECT served_run_id FROM benefit.waitlist WHERE member_id = 'P4'
                """).single(Int.self) == second.runID)

            // No free place: the next run places nobody and leaves the waitlist as it is.
            let third = try await ProgramFixtures.runToEnd(Self.campaign, queue: RecuperationFixtures.queue, day: 3, workers: 2, pool: pool)
            #expect(third.state == .succeeded)
            #expect(try await Self.live(on: pool) == ["P1", "P3", "P4"])
            #expect(try await Self.waiting(on: pool) == ["P5", "P6"])
            #expect(try await pool.query("""
                SELECT count(*) FROM benefit.waitlist WHERE program = 'recuperation'
                """).single(Int.self) == 3)

            // Never over capacity, nobody placed twice, the cancel kept for history.
            let (seats, members, capacity) = try await pool.query("""
                SELECT count(*), count(DISTINCT member_id), max(session_capacity) FROM benefit.allocations WHERE cancelled_at IS NULL
                """).single((Int, Int, Int).self)
            #expect(seats == 3 && members == 3 && capacity == 3)
            #expect(try await pool.query("SELECT cancel_reason FROM benefit.allocations WHERE member_id = 'P2'").single(String.self) == "病假")
            let audit = try await pool.query("""
                SELECT target_type, target, reason FROM benefit.audit WHERE action = 'place.cancel'
                """).decode((String, String, String?).self)
            #expect(audit.count == 1 && audit.first?.0 == "place" && audit.first?.1 == "P2" && audit.first?.2 == "病假")
            #expect(try await pool.query("""
                SELECT detail FROM benefit.member_history WHERE member_id = 'P2' AND kind = 'place-cancelled'
                """).decode(String.self) == ["沙家浜 · 2027-04-06 · 病假"])
        }
    }

    @Test("a place is not cancelled while a run of its cycle is still placing")
    func cancelWaitsForTheRunToFinish() async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let pool = PostgresPool(configuration: configuration, maxConnections: 8)
            defer { pool.close() }
            for (index, hired) in ["2000", "2002", "2004", "2006"].enumerated() {
                try await RecuperationFixtures.insertMember("P\(index + 1)", hired: "\(hired)-01-01", on: pool)
            }
            try await ProgramFixtures.apply(
                RecuperationFixtures.campaignYAML(name: Self.campaign, batchSize: 2, parameters: Self.parameters), on: pool)
            _ = try await ProgramFixtures.runToEnd(Self.campaign, queue: RecuperationFixtures.queue, workers: 1, pool: pool)
            // A second run triggered, no worker yet: it is pending.
            let pending = try await ProgramFixtures.trigger(Self.campaign, at: ProgramFixtures.fireTime(year: 2026, day: 2), on: pool)
            let refusal = await #expect(throws: BookingChanges.Refusal.self) {
                _ = try await BookingChanges.cancelPlace(Booking(campaign: Self.campaign, memberID: "P1"), reason: "病假", by: "t@h", on: pool)
            }
            #expect(refusal?.description.contains("run \(pending) of cycle 2026 is still booking") == true, "\(refusal?.description ?? "")")
            #expect(try await Self.live(on: pool) == ["P1", "P2", "P3"])
        }
    }
}
