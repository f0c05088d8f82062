import BenefitCore
import BenefitTestSupport
import Foundation
import PostgresClient
import Testing

/// A checkup-van run with real `benefit worker` processes killed with kill -9.
@Suite("Health checkup: vans under crashes")
struct CheckupVanCrashTests {
    @Test("eight workers killed with kill -9 at random moments and restarted: every due member booked exactly once, on the plan's van-day seat, the same at any batch size")
    func killedWorkersBookEachMemberOnce() async throws {
        let small = try await Self.bookUnderKills(batchSize: 50)
        let large = try await Self.bookUnderKills(batchSize: 131)
        #expect(!small.isEmpty && small == large)
    }

    /// One vans run over the same roster with `batchSize`, eight workers killed
    /// with kill -9 along the way; checks it and returns its bookings,
    /// `member van day seat site`, by member.
    static func bookUnderKills(batchSize: Int) async throws -> [String] {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let pool = PostgresPool(configuration: configuration, maxConnections: 8)
            defer { pool.close() }
            try await CheckupFixtures.insertMembers(2_500, on: pool)
            let due = try await pool.query("SELECT count(*) FROM (\(unsafeSQL: CheckupVanFixtures.dueMembers)) d").single(Int.self)
            try await ProgramFixtures.apply(CheckupVanFixtures.campaignYAML(batchSize: batchSize, lease: "2s", maxAttempts: 20), on: pool)
            let runID = try await ProgramFixtures.trigger(CheckupVanFixtures.campaign, at: ProgramFixtures.fireTime(year: 2026), on: pool)
            let (summary, kills) = try await ProgramFixtures.finishKillingWorkers(
                runID, queue: CheckupFixtures.queue, workers: 8, thresholds: [0, 2, 5, 9, 14],
                stall: "LOCK TABLE benefit.appointment IN EXCLUSIVE MODE", configuration: configuration, pool: pool)
            #expect(summary.state == .succeeded, "kills: \(kills)")
            #expect(summary.membersDone == due)
            #expect(try await pool.query("SELECT count(*) FROM benefit.appointment").single(Int.self) == due, "kills: \(kills)")
            #expect(try await pool.query("""
                SELECT count(*) FROM ((SELECT member_id FROM (\(unsafeSQL: CheckupVanFixtures.dueMembers)) d)
                                      EXCEPT SELECT member_id FROM benefit.appointment) missing
                """).single(Int.self) == 0)
            for (rule, sql) in CheckupVanFixtures.broken {
                #expect(try await pool.query(PostgresQuery(unsafeSQL: sql)).single(Int.self) == 0, "\(rule); kills: \(kills)")
            }
            // The kills did interrupt work: some attempts lost their lease and were taken over.
            let expired = try await pool.query(
                "SELECT count(*) FROM benefit.job_attempts WHERE run_id = \(runID) AND outcome = 'lease_expired'").single(Int.self)
            #expect(expired >= 1, "kills: \(kills)")
            return try await pool.query("""
                SELECT member_id || ' ' || hospital || ' ' || appointment_date || ' ' || seat_in_day || ' ' || site
                FROM benefit.appointment ORDER BY member_id COLLATE "C"
                """).decode(String.self)
        }
    }
}
