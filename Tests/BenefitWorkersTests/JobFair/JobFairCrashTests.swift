import BenefitCore
import BenefitTestSupport
import Foundation
import PostgresClient
import Testing

/// The placement with real `benefit worker` processes killed with kill -9.
@Suite("Job fairs: crashes")
struct JobFairCrashTests {
    /// 1,003 places in six fairs over four districts, odd capacities.
    static let fairs: [FairReference.Fair] = [
        .init(name: "城东区春风招聘会", district: "城东区", capacity: 211),
        .init(name: "城西区就业援助招聘会", district: "城西区", capacity: 97),
        .init(name: "城东区返岗招聘会", district: "城东区", capacity: 305),
        .init(name: "临港区物流专场", district: "临港区", capacity: 150),
        .init(name: "城西区二场", district: "城西区", capacity: 239),
        .init(name: "高新区人才招聘会", district: "高新区", capacity: 1),
    ]

    @Test("eight workers killed with kill -9 at random moments and restarted: every district's places and the waitlist are the one-by-one reference's, whatever the batch size",
          arguments: [50, 173])
    func killedWorkersChangeNoPlace(batchSize: Int) async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let pool = PostgresPool(configuration: configuration, maxConnections: 8)
            try await JobFairFixtures.insertRegister(on: pool)
            try await JobFairFixtures.insertMembers(6_000, on: pool)
            let reference = FairReference(fairs: Self.fairs, seed: 2027)
            let expected = reference.place(try await reference.roster(on: pool))
            // Enough members and ties for the test to mean something: every district with members is full.
            #expect(expected.placed.count == 1_002)
            #expect(expected.waitlist.count > 2_000)

            try await ProgramFixtures.apply(JobFairFixtures.campaignYAML(
                name: "spring-fairs", batchSize: batchSize, lease: "2s", maxAttempts: 20,
                parameters: "{ rankBy: [hardship, frontline], seed: 2027, \(JobFairFixtures.fairsYAML(Self.fairs)) }"), on: pool)
            let runID = try await ProgramFixtures.trigger("spring-fairs", at: ProgramFixtures.fireTime(year: 2026), on: pool)
            let (summary, kills) = try await ProgramFixtures.finishKillingWorkers(
                runID, queue: JobFairFixtures.queue, workers: 8, thresholds: [0, 2, 5, 9, 14, 20],
                stall: "LOCK TABLE benefit.fair_place IN EXCLUSIVE MODE", configuration: configuration, pool: pool)
            #expect(summary.state == .succeeded, "kills: \(kills)")
            #expect(summary.membersDone == expected.placed.count + expected.waitlist.count)

            #expect(try await JobFairFixtures.placements("spring-fairs", on: pool) == expected.placed, "kills: \(kills)")
            #expect(try await JobFairFixtures.waitlist("spring-fairs", on: pool) == expected.waitlist, "kills: \(kills)")
            let fill = try await JobFairFixtures.fill("spring-fairs", on: pool)
            #expect(fill.map(\.members) == [211, 97, 305, 150, 239, 0])
            #expect(fill.allSatisfy { $0.members <= $0.capacity })
            // The kills did interrupt work: some attempts lost their lease and were taken over.
            let expired = try await pool.query(
                "SELECT count(*) FROM benefit.job_attempts WHERE run_id = \(runID) AND outcome = 'lease_expired'").single(Int.self)
            #expect(expired >= 1, "kills: \(kills)")
        }
    }
}
