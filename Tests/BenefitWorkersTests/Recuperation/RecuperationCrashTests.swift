import BenefitCore
import BenefitTestSupport
import Foundation
import PostgresClient
import Testing

/// The placement with real `benefit worker` processes killed with kill -9.
@Suite("Recuperation: crashes")
struct RecuperationCrashTests {
    /// 1,002 places in five sessions at two sites, odd capacities.
    static let reference = ReferencePlacement(
        employment: ["staff", "migrant"], minServiceYears: 3, notWithinYears: 5,
        sessions: [
            .init(site: "沙家浜", start: CalendarDate("2027-04-06")!, capacity: 211),
            .init(site: "沙家浜", start: CalendarDate("2027-04-13")!, capacity: 97),
            .init(site: "沙家浜", start: CalendarDate("2027-04-20")!, capacity: 305),
            .init(site: "尚湖", start: CalendarDate("2027-05-11")!, capacity: 150),
            .init(site: "尚湖", start: CalendarDate("2027-05-18")!, capacity: 239),
        ],
        rankBy: ["frontline", "modelWorker", "yearsSinceLast", "serviceYears"], seed: 2027, year: 2026)

    static let parameters = """
        { employment: [staff, migrant], minServiceYears: 3, notWithinYears: 5,
          sites: [
            { name: 沙家浜, sessions: [{ start: 2027-04-06, days: 5, capacity: 211 }, { start: 2027-04-13, days: 5, capacity: 97 },
                                      { start: 2027-04-20, days: 7, capacity: 305 }] },
            { name: 尚湖, sessions: [{ start: 2027-05-11, days: 5, capacity: 150 }, { start: 2027-05-18, days: 5, capacity: 239 }] } ],
          rankBy: [frontline, modelWorker, yearsSinceLast, serviceYears], seed: 2027 }
        """

    @Test("four workers killed with kill -9 at random moments and restarted: the placement and waitlist are the one-by-one reference's")
    func killedWorkersChangeNoPlace() async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let pool = PostgresPool(configuration: configuration, maxConnections: 8)
            try await RecuperationFixtures.insertTiedMembers(6_000, on: pool)
            let roster = try await Self.reference.roster(on: pool)
            let expected = Self.reference.place(roster)
            // Enough members and ties for the test to mean something.
            #expect(expected.placed.count == 1_002)
            #expect(expected.waitlist.count > 500)

            try await ProgramFixtures.apply(RecuperationFixtures.campaignYAML(
                name: "spring", batchSize: 50, lease: "2s", maxAttempts: 20, parameters: Self.parameters), on: pool)
            let runID = try await ProgramFixtures.trigger("spring", at: ProgramFixtures.fireTime(year: 2026), on: pool)
            let (summary, kills) = try await ProgramFixtures.finishKillingWorkers(
                runID, queue: RecuperationFixtures.queue, workers: 4, thresholds: [0, 2, 5, 9, 14, 20],
                stall: "LOCK TABLE benefit.allocation IN EXCLUSIVE MODE", configuration: configuration, pool: pool)
            #expect(summary.state == .succeeded, "kills: \(kills)")
            #expect(summary.membersDone == expected.placed.count + expected.waitlist.count)

            let placed = try await RecuperationFixtures.placements("spring", on: pool)
            let waitlist = try await RecuperationFixtures.waitlist("spring", on: pool)
            #expect(placed == expected.placed, "kills: \(kills)")
            #expect(waitlist == expected.waitlist, "kills: \(kills)")

            let fill = try await RecuperationFixtures.fill("spring", on: pool)
            #expect(fill.map(\.members) == Self.reference.sessions.map(\.capacity))
            #expect(fill.allSatisfy { $0.members <= $0.capacity })
            let tripsRecorded = try await pool.query("""
                SELECT count(*) FROM benefit.allocations a JOIN benefit.member m USING (member_id)
                WHERE m.last_recuperation_year = extract(year FROM a.session_start)
                """).single(Int.self)
            #expect(tripsRecorded == expected.placed.count)
            // The kills did interrupt work: some attempts lost their lease and were taken over.
            let expired = try await pool.query(
                "SELECT count(*) FROM benefit.job_attempts WHERE run_id = \(runID) AND outcome = 'lease_expired'").single(Int.self)
            #expect(expired >= 1, "kills: \(kills)")
        }
    }
}
