import BenefitCore
import BenefitTestSupport
@testable import BenefitWorkers
import Foundation
import PostgresClient
import Testing

/// `benefit report campaign`'s figures (CampaignEvaluation) against real runs,
/// each checked against a count or sum made here, straight from the effect tables.
@Suite("Campaign evaluation")
struct CampaignEvaluationTests {
    static let relief = #"{ season: winter-warmth, eligibility: { hardshipTier: [1, 2, 3] }, amounts: { "1": 2000, "2": 1200, "3": 800 }, budget: 500000 }"#

    /// `group: (eligible, served, waitlisted)` for one dimension, from the base tables of grants, waitlist and roster.
    static func expectedCoverage(_ column: String, cycle: String, on pool: PostgresPool) async throws -> [String: [Int]] {
        let grouping: PostgresQuery = switch column {
        case "org unit": "m.org_unit"
        case "employment": "m.employment"
        case "gender": "m.gender"
        default: "'all'"
        }
        let rows = try await pool.query("""
            SELECT \(subquery: grouping), count(*), count(*) FILTER (WHERE e.served), count(*) FILTER (WHERE NOT e.served)
            FROM (SELECT g.member_id, true AS served FROM benefit.grant g JOIN benefit.campaign c ON c.id = g.campaign_id
                  WHERE c.name = 'winter' AND g.cycle = \(cycle)
                  UNION ALL
                  SELECT w.member_id, false FROM benefit.waitlist w
                  WHERE w.campaign = 'winter' AND w.cycle = \(cycle) AND w.served_at IS NULL) e
            JOIN benefit.member m USING (member_id)
            WHERE NOT coalesce(m.left_on <= \(cycle + "-12-01")::date, false)
            GROUP BY 1
            """).decode((String, Int, Int, Int).self)
        return Dictionary(uniqueKeysWithValues: rows.map { ($0.0, [$0.1, $0.2, $0.3]) })
    }

    @Test("a relief cycle's coverage by org unit, employment, gender and age band, its money by tier and its runs match the effect tables; a member who left before the cycle is not eligible; the next cycle compares with it")
    func reliefCyclesMatchTheirEffects() async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let pool = PostgresPool(configuration: configuration, maxConnections: 20)
            defer { pool.close() }
            try await ReliefFixtures.insertMixedMembers(1_000, on: pool)
            try await ProgramFixtures.apply(ReliefFixtures.campaignYAML(name: "winter", batchSize: 60, parameters: Self.relief), on: pool)
            let first = try await ProgramFixtures.runToEnd("winter", queue: ReliefFixtures.queue, year: 2026, workers: 2, pool: pool)
            #expect(first.state == .succeeded)
            // Two members granted in 2026 are recorded as having left before that cycle began.
            try await pool.query("""
                UPDATE benefit.member SET left_on = date '2026-06-30', left_reason = 'transferred'
                WHERE member_id IN (SELECT member_id FROM benefit.grant ORDER BY member_id LIMIT 2)
                """)
            let evaluation = try await CampaignEvaluation.read(campaign: "winter", on: pool)
            #expect(evaluation.cycle == "2026" && evaluation.program == "seasonal-relief")
            #expect(evaluation.leavers == 2)
            #expect(evaluation.previous == nil)

            let all = try await Self.expectedCoverage("all", cycle: "2026", on: pool)["all"]!
            #expect([evaluation.total.eligible, evaluation.total.served, evaluation.total.waitlisted] == all)
            #expect(evaluation.total.waitlisted > 0, "the budget must leave some members waiting")
            for dimension in ["org unit", "employment", "gender"] {
                let lines = try #require(evaluation.breakdowns.first { $0.dimension == dimension }?.lines)
                let found = Dictionary(uniqueKeysWithValues: lines.map { ($0.group, [$0.eligible, $0.served, $0.waitlisted]) })
                #expect(found == (try await Self.expectedCoverage(dimension, cycle: "2026", on: pool)), "\(dimension)")
            }
            // Age bands on 2026-12-01, counted here from birth dates.
            let births = try await pool.query("""
                SELECT m.birth_date FROM benefit.grant g JOIN benefit.member m USING (member_id) WHERE m.left_on IS NULL
                UNION ALL SELECT m.birth_date FROM benefit.waitlist_entry w JOIN benefit.member m USING (member_id) WHERE m.left_on IS NULL
                """).decode(CalendarDate.self)
            var bands: [String: Int] = [:]
            for birth in births {
                var age = 2026 - birth.year
                if (birth.month, birth.day) > (12, 1) { age -= 1 }
                bands[age < 35 ? "<35" : age < 50 ? "35–49" : age < 60 ? "50–59" : "60+", default: 0] += 1
            }
            let ageLines = try #require(evaluation.breakdowns.first { $0.dimension == "age band" }?.lines)
            #expect(Dictionary(uniqueKeysWithValues: ageLines.map { ($0.group, $0.eligible) }) == bands)
            #expect(ageLines.map(\.group) == ["<35", "35–49", "50–59", "60+"].filter { bands[$0] != nil }, "bands in age order")

            // Money by tier, from the grants table; the budget from the ledger.
            let tiers = try await pool.query("""
                SELECT 'tier ' || tier, count(*), sum(amount) FROM benefit.grant GROUP BY tier ORDER BY tier
                """).decode((String, Int, Decimal).self)
            #expect(evaluation.money.map { [$0.group, "\($0.members)", "\($0.amount)"] } == tiers.map { [$0.0, "\($0.1)", "\($0.2)"] })
            #expect(evaluation.budget == 500_000)
            #expect(evaluation.amount == first.amountTotal && evaluation.spent == first.amountTotal)
            #expect(!evaluation.reasons.isEmpty && evaluation.reasons.map(\.members).reduce(0, +) == evaluation.total.waitlisted)

            // The run's health: its batches and attempts as the queue recorded them.
            let run = try #require(evaluation.runs.first)
            #expect(evaluation.runs.count == 1 && run.runID == first.runID && run.state == .succeeded)
            #expect(run.batchesTotal == first.batchesTotal && run.batchesSucceeded == run.batchesTotal)
            let attempts = try await pool.query("SELECT count(*) FROM benefit.job_attempts WHERE run_id = \(first.runID)").single(Int.self)
            #expect(run.attempts == attempts && run.attempts >= run.batchesTotal + 1)
            #expect(run.planningSeconds != nil && run.retries == 0 && run.fenced == 0)

            // docs/sql.md's question 27, for this campaign and cycle, as benefit_admin: the same lines.
            let documented = try #require(try DocumentedSQL.queries().first { $0.contains("GROUPING SETS") })
            let asked = documented.replacingOccurrences(of: "'winter-warmth'", with: "'winter'").replacingOccurrences(of: "'2027'", with: "'2026'")
            let answered = try await TestDatabase.withLogin(memberOf: .admin, on: configuration) { connection in
                try await connection.query(PostgresQuery(unsafeSQL: asked)).decode((String, String?, Int, Int, Int).self)
                    .map { "\($0.0) \($0.1 ?? "unknown") \($0.2) \($0.3) \($0.4)" }
            }
            let reported = [evaluation.total].map { "all all \($0.eligible) \($0.served) \($0.waitlisted)" }
                + evaluation.breakdowns.flatMap { breakdown in breakdown.lines.map { "\(breakdown.dimension) \($0.group) \($0.eligible) \($0.served) \($0.waitlisted)" } }
            #expect(Set(answered) == Set(reported) && answered.count == reported.count)

            // The next cycle: a hundred newcomers in tier 1.
            try await ReliefFixtures.insertUniformMembers(100, tier: 1, from: 1_001, on: pool)
            let second = try await ProgramFixtures.runToEnd("winter", queue: ReliefFixtures.queue, year: 2027, workers: 2, pool: pool)
            #expect(second.state == .succeeded)
            let latest = try await CampaignEvaluation.read(campaign: "winter", on: pool)
            #expect(latest.cycle == "2027")
            let previous = try #require(latest.previous)
            #expect(previous == evaluation.totals)
            let now = try await Self.expectedCoverage("all", cycle: "2027", on: pool)["all"]!
            #expect([latest.total.eligible, latest.total.served, latest.total.waitlisted] == now)
            #expect(latest.total.eligible == evaluation.total.eligible + 100, "the two leavers stay out, a hundred joined")
            let change = Dictionary(uniqueKeysWithValues: latest.comparison.map { ($0.figure, $0.change) })
            #expect(change["eligible"] == "+\(latest.total.eligible - previous.eligible)")
            #expect(change["yuan"] == CampaignEvaluation.signed(latest.amount - previous.amount))

            // Asked for by name, the first cycle reads as before.
            #expect(try await CampaignEvaluation.read(campaign: "winter", cycle: "2026", on: pool) == evaluation)
        }
    }

    @Test("a checkup cycle's bookings per hospital and day match its appointments, within each day's capacity")
    func checkupPlacesMatchAppointments() async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let pool = PostgresPool(configuration: configuration, maxConnections: 20)
            defer { pool.close() }
            try await CheckupFixtures.insertMembers(400, on: pool)
            let run = try await CheckupFixtures.run(workers: 2, on: pool)
            #expect(run.state == .succeeded)
            let evaluation = try await CampaignEvaluation.read(campaign: "checkup", cycle: "2026", on: pool)
            let expected = try await pool.query("""
                SELECT hospital, appointment_date::text, count(*), max(daily_capacity) FROM benefit.appointment
                GROUP BY hospital, appointment_date ORDER BY hospital, appointment_date
                """).decode((String, String, Int, Int).self)
            #expect(evaluation.places.map { "\($0.place) \($0.day) \($0.used)/\($0.capacity)" } == expected.map { "\($0.0) \($0.1) \($0.2)/\($0.3)" })
            #expect(evaluation.places.allSatisfy { $0.used <= $0.capacity })
            let booked = try await pool.query("SELECT count(*) FROM benefit.appointment").single(Int.self)
            #expect(evaluation.total.served == booked && booked > 0)
            #expect(evaluation.money.isEmpty && evaluation.budget == nil)
            let due = evaluation.total.eligible
            #expect(evaluation.text().contains("due members booked  \(String(format: "%.1f%%", 100 * Double(booked) / Double(due)))"))
        }
    }

    @Test("a recuperation cycle's places per session match its allocations; the members left over are its waitlisted, with their reasons")
    func recuperationPlacesMatchAllocations() async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let pool = PostgresPool(configuration: configuration, maxConnections: 20)
            defer { pool.close() }
            try await RecuperationFixtures.insertTiedMembers(300, on: pool)
            let sites = """
                sites: [{ name: 沙家浜, sessions: [{ start: 2027-04-06, days: 5, capacity: 30 }, { start: 2027-04-13, days: 5, capacity: 20 }] },
                        { name: 尚湖, sessions: [{ start: 2027-05-11, days: 5, capacity: 25 }] }]
                """
            try await ProgramFixtures.apply(RecuperationFixtures.campaignYAML(name: "rest", parameters: "{ \(sites) }"), on: pool)
            let run = try await ProgramFixtures.runToEnd("rest", queue: RecuperationFixtures.queue, workers: 2, pool: pool)
            #expect(run.state == .succeeded)
            let evaluation = try await CampaignEvaluation.read(campaign: "rest", on: pool)
            let fill = try await RecuperationFixtures.fill("rest", on: pool).filter { $0.members > 0 }
            #expect(evaluation.places.map { "\($0.place) \($0.day) \($0.used)/\($0.capacity)" }.sorted()
                    == fill.map { "\($0.site) \($0.start) \($0.members)/\($0.capacity)" }.sorted())
            #expect(evaluation.places.map(\.used).reduce(0, +) == 75, "every place is taken")
            let waiting = try await RecuperationFixtures.waitlist("rest", on: pool)
            #expect(evaluation.total.served == 75 && evaluation.total.waitlisted == waiting.count)
            #expect(evaluation.reasons.map(\.members).reduce(0, +) == waiting.count)
        }
    }

    @Test("an unknown campaign, a campaign that never ran and an unknown cycle are refused in one line naming them")
    func unknownCampaignOrCycleIsNamed() async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let pool = PostgresPool(configuration: configuration, maxConnections: 4)
            defer { pool.close() }
            try await ProgramFixtures.apply(ReliefFixtures.campaignYAML(name: "winter", parameters: Self.relief), on: pool)
            await #expect(throws: CampaignEvaluation.Problem(description: "there is no campaign summer")) {
                try await CampaignEvaluation.read(campaign: "summer", on: pool)
            }
            await #expect(throws: CampaignEvaluation.Problem(description: "campaign winter has not run yet: no cycle to evaluate")) {
                try await CampaignEvaluation.read(campaign: "winter", on: pool)
            }
            try await ReliefFixtures.insertMixedMembers(50, on: pool)
            _ = try await ProgramFixtures.runToEnd("winter", queue: ReliefFixtures.queue, year: 2026, pool: pool)
            await #expect(throws: CampaignEvaluation.Problem(description: "campaign winter has no run in cycle 1999 (its cycles: 2026)")) {
                try await CampaignEvaluation.read(campaign: "winter", cycle: "1999", on: pool)
            }
        }
    }
}
