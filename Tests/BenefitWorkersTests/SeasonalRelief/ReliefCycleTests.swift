import BenefitTestSupport
import Foundation
import PostgresClient
import Testing

/// One grant per member, campaign and cycle, however often the campaign fires.
@Suite("Seasonal relief: cycles")
struct ReliefCycleTests {
    static let parameters = #"{ season: winter-warmth, eligibility: { hardshipTier: [3] }, amounts: { "3": 800 }, budget: 1200000 }"#

    @Test("a second manual trigger in the same cycle, with no money left, looks at the waitlist again but grants nothing new, waitlists nobody twice, and succeeds")
    func secondTriggerGrantsNothingNew() async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let pool = PostgresPool(configuration: configuration, maxConnections: 20)
            try await ReliefFixtures.insertUniformMembers(2_000, tier: 3, on: pool)
            try await ProgramFixtures.apply(ReliefFixtures.campaignYAML(name: "winter", parameters: Self.parameters), on: pool)
            try await ReliefFixtures.withWorkers(2, pool: pool) {
                let first = try await ProgramFixtures.trigger("winter", at: ProgramFixtures.fireTime(year: 2026, day: 1), on: pool)
                let firstRun = try await ProgramFixtures.finish(first, pool: pool)
                #expect(firstRun.state == .succeeded)
                #expect(firstRun.amountTotal == 1_200_000)
                let grants = try await ReliefFixtures.grants(on: pool)
                let waitlist = try await ReliefFixtures.waitlist(on: pool)
                #expect(grants.count == 1_500 && waitlist.count == 500)

                let second = try await ProgramFixtures.trigger("winter", at: ProgramFixtures.fireTime(year: 2026, day: 20), on: pool)
                let secondRun = try await ProgramFixtures.finish(second, pool: pool)
                #expect(secondRun.state == .succeeded)
                #expect(secondRun.cycle == "2026")
                // The waitlisted are ranked again (a top-up could pay them: migration 0023); nobody else.
                #expect(secondRun.membersTotal == 500)
                #expect(secondRun.amountTotal == 0)
                #expect(try await ReliefFixtures.grants(on: pool) == grants)
                #expect(try await ReliefFixtures.waitlist(on: pool) == waitlist)
                #expect(try await ReliefFixtures.ledger("winter", cycle: "2026", on: pool)?.spent == 1_200_000)
            }
        }
    }

    @Test("runs of one cycle share its budget; the next cycle opens a new one and may serve everyone again")
    func runsOfACycleShareItsBudget() async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let pool = PostgresPool(configuration: configuration, maxConnections: 20)
            try await ReliefFixtures.insertUniformMembers(1_000, tier: 3, on: pool)
            try await ProgramFixtures.apply(ReliefFixtures.campaignYAML(name: "winter", parameters: Self.parameters), on: pool)
            try await ReliefFixtures.withWorkers(2, pool: pool) {
                // 1,000 members take 800,000 of 1,200,000.
                let first = try await ProgramFixtures.trigger("winter", at: ProgramFixtures.fireTime(year: 2026, day: 1), on: pool)
                #expect(try await ProgramFixtures.finish(first, pool: pool).amountTotal == 800_000)

                // 800 newcomers later in the cycle: what is left pays 500 of them.
                try await ReliefFixtures.insertUniformMembers(800, tier: 3, from: 1_001, on: pool)
                let second = try await ProgramFixtures.trigger("winter", at: ProgramFixtures.fireTime(year: 2026, day: 20), on: pool)
                let secondRun = try await ProgramFixtures.finish(second, pool: pool)
                #expect(secondRun.state == .succeeded)
                #expect(secondRun.membersTotal == 800)
                #expect(secondRun.amountTotal == 400_000)
                #expect(try await ReliefFixtures.ledger("winter", cycle: "2026", on: pool).map { $0.spent == $0.budget } == true)
                let waitlist = try await ReliefFixtures.waitlist(on: pool)
                #expect(waitlist.map(\.member) == (1_501...1_800).map { "M" + String(format: "%06d", $0) })
                #expect(Set(waitlist.map(\.reason)) == ["budget exhausted (remaining 0.00, needed 800.00)"])

                // 2027 is a new cycle: a new ledger, and all 1,800 members are eligible again.
                let nextYear = try await ProgramFixtures.trigger("winter", at: ProgramFixtures.fireTime(year: 2027), on: pool)
                let nextRun = try await ProgramFixtures.finish(nextYear, pool: pool)
                #expect(nextRun.cycle == "2027")
                #expect(nextRun.membersTotal == 1_800)
                #expect(nextRun.amountTotal == 1_200_000)
                #expect(try await ReliefFixtures.ledger("winter", cycle: "2027", on: pool)?.spent == 1_200_000)
                #expect(try await pool.query("SELECT count(*) FROM benefit.grant WHERE cycle = '2027'").single(Int.self) == 1_500)
            }
        }
    }

    @Test("eligibility: tiers, frontline, a child entering college in the cycle's year, and the employment filter")
    func eligibilityCriteria() async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let pool = PostgresPool(configuration: configuration, maxConnections: 20)
            // M000001…M000040 by g % 10 (tier 1, 2, 2, 3, 3, 3, none…), every third frontline,
            // employment by g % 4; children entering college in 2026 for g % 7 = 0, in 2025 for g % 7 = 1.
            try await ReliefFixtures.insertMixedMembers(40, on: pool)
            try await pool.query("""
                UPDATE benefit.member SET child_college_year = CASE WHEN right(member_id, 2)::int % 7 = 0 THEN 2026
                                                                    WHEN right(member_id, 2)::int % 7 = 1 THEN 2025 END
                """)
            try await ProgramFixtures.apply(ReliefFixtures.campaignYAML(name: "autumn", parameters: """
                { season: autumn-education, eligibility: { hardshipTier: [1], childInCollege: true }, employment: [staff, migrant],
                  amounts: { "1": 5000 }, amount: 2000, budget: 1000000 }
                """), on: pool)
            try await ReliefFixtures.withWorkers(1, pool: pool) {
                let run = try await ProgramFixtures.trigger("autumn", at: ProgramFixtures.fireTime(year: 2026), on: pool)
                #expect(try await ProgramFixtures.finish(run, pool: pool).state == .succeeded)
            }
            // staff: g % 4 = 0; migrant: g % 4 = 2 — so even g only.
            let expected = (1...40).filter { $0 % 2 == 0 && ($0 % 10 == 0 || $0 % 7 == 0) }.map { g in
                ReliefFixtures.Grant(
                    member: "M" + String(format: "%06d", g), amount: g % 10 == 0 ? 5_000 : 2_000,
                    tier: g % 10 == 0 ? 1 : g % 10 <= 2 ? 2 : g % 10 <= 5 ? 3 : nil)
            }
            #expect(try await ReliefFixtures.grants(on: pool) == expected)
            #expect(try await ReliefFixtures.waitlist(on: pool).isEmpty)
        }
    }
}
