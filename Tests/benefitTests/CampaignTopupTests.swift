import BenefitTestSupport
import BenefitWorkers
import Foundation
import PostgresClient
import Testing

/// `campaign topup`: more money for a relief cycle its first run fixed, and the
/// cycle's next run granting the waitlist in rank order (migrations/0023_budget_topup.sql).
@Suite("Campaign top-up")
struct CampaignTopupTests {
    static let amounts: [Int: Decimal] = [1: 2000, 2: 1200, 3: 800]
    static let campaign = CampaignText.yaml(
        name: "winter-warmth", program: "seasonal-relief", overlap: "allow", batchSize: 40, queue: "topup",
        parameters: #"{ season: winter-warmth, amounts: { "1": 2000, "2": 1200, "3": 800 }, budget: 30000 }"#)

    @Test("a top-up raises the cycle's budget, audited; the next run grants waitlisted members in rank order as far as it goes, each once, marking them served")
    func topUpPaysTheWaitlistInRankOrder() async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            func benefit(_ arguments: [String], exit: Int32 = 0) async throws -> (out: String, err: String) {
                let outcome = try await CommandFixtures.run(arguments, as: configuration)
                #expect(outcome.exitCode == exit, "benefit \(arguments.joined(separator: " ")): \(outcome.standardError)")
                return (outcome.standardOutput, outcome.standardError)
            }
            let roster = TemporaryFiles.path(named: "roster.csv")
            _ = try await benefit(["members", "generate", "--count", "3000", "--seed", "5", "--out", roster])
            _ = try await benefit(["members", "import", roster])
            _ = try await benefit(["campaign", "apply", try TemporaryFiles.write(Self.campaign, named: "winter.yaml")])

            let pool = PostgresPool(configuration: configuration, maxConnections: 4)
            defer { pool.close() }
            /// Triggers a run and works its jobs to the end; returns its id.
            func runOnce() async throws -> Int {
                _ = try await benefit(["campaign", "trigger", "winter-warmth"])
                let run = try await pool.query("SELECT max(id) FROM benefit.run").single(Int.self)
                try await CommandFixtures.workToTheEnd(run: run, queue: "topup", on: pool)
                return run
            }

            let first = try await runOnce()
            let (cycle, budget, spent) = try await pool.query("SELECT cycle, budget, spent FROM benefit.budgets").single((String, Decimal, Decimal).self)
            #expect(budget == 30_000)
            let waiting = try await pool.query("""
                SELECT w.member_id, m.hardship_tier FROM benefit.waitlist w JOIN benefit.members m USING (member_id)
                WHERE w.run_id = \(first) ORDER BY w.rank
                """).decode((String, Int?).self)
            #expect(waiting.count > 10, "the first run must leave a waitlist to serve")

            // Refused, nothing written: below what is spent; a cycle no run opened; zero.
            let below = try await benefit(["campaign", "topup", "winter-warmth", "--cycle", cycle, "--amount", "-29999", "--reason", "cut"], exit: 1)
            #expect(below.err.contains("may not go below what its grants have spent"), "\(below.err)")
            let unknown = try await benefit(["campaign", "topup", "winter-warmth", "--cycle", "1999", "--amount", "100", "--reason", "x"], exit: 1)
            #expect(unknown.err.contains("cycle 1999 of campaign winter-warmth has no budget yet"), "\(unknown.err)")
            _ = try await benefit(["campaign", "topup", "winter-warmth", "--cycle", cycle, "--amount", "0", "--reason", "x"], exit: 64)
            #expect(try await pool.query("SELECT budget FROM benefit.budgets").single(Decimal.self) == 30_000)

            let extra: Decimal = 9_000
            let said = try await benefit(["campaign", "topup", "winter-warmth", "--cycle", cycle, "--amount", "9000", "--reason", "市总工会追加拨款"])
            #expect(said.out.contains("cycle \(cycle): budget 30000 → 39000 (spent \(spent), \(39_000 - spent) free)"), "\(said.out)")
            #expect(said.out.contains("\(waiting.count) members are waitlisted"), "\(said.out)")
            let audit = try await pool.query("""
                SELECT target, reason, details->>'cycle', details->>'amount' FROM benefit.audit WHERE action = 'campaign.topup'
                """).decode((String, String?, String, String).self)
            #expect(audit.count == 1 && audit.first?.0 == "winter-warmth" && audit.first?.1 == "市总工会追加拨款")
            #expect(audit.first?.2 == cycle && audit.first?.3 == "9000")

            // What the next run must grant: the waitlist in rank order, each who still fits.
            var free = budget + extra - spent
            var expected: [String] = []
            for (member, tier) in waiting {
                let amount = Self.amounts[tier ?? 0] ?? 0
                if amount > 0, amount <= free {
                    expected.append(member)
                    free -= amount
                }
            }
            #expect(!expected.isEmpty && expected.count < waiting.count)

            let second = try await runOnce()
            let granted = try await pool.query("SELECT member_id FROM benefit.grants WHERE run_id = \(second) ORDER BY member_id")
                .decode(String.self)
            #expect(granted == expected.sorted())
            let served = try await pool.query("""
                SELECT member_id FROM benefit.waitlist WHERE run_id = \(first) AND served_run_id = \(second) AND served_at IS NOT NULL
                ORDER BY member_id
                """).decode(String.self)
            #expect(served == expected.sorted())
            #expect(try await pool.query("""
                SELECT count(*) FROM benefit.waitlist WHERE run_id = \(first) AND served_at IS NULL
                """).single(Int.self) == waiting.count - expected.count)
            // Nobody twice; the ledger is the grants' sum and within the budget.
            let (grants, members, total) = try await pool.query("SELECT count(*), count(DISTINCT member_id), sum(amount) FROM benefit.grants")
                .single((Int, Int, Decimal).self)
            #expect(grants == members)
            let ledger = try await pool.query("SELECT budget, spent FROM benefit.budgets").single((Decimal, Decimal).self)
            #expect(ledger.0 == 39_000 && ledger.1 == total && total <= 39_000)
        }
    }

    static let recuperation = CampaignText.yaml(
        name: "spring-rest", program: "recuperation", overlap: "allow", batchSize: 40, queue: "topup",
        parameters: """
            { employment: [staff], sites: [{ name: 沙家浜, sessions: [{ start: 2027-04-06, days: 5, capacity: 20 }] }], seed: 3 }
            """)

    @Test("a session added to a recuperation cycle, audited, goes to its waitlist in rank order at the next run, after the places cancels gave back")
    func addedSessionServesTheWaitlistInRankOrder() async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            func benefit(_ arguments: [String], exit: Int32 = 0) async throws -> (out: String, err: String) {
                let outcome = try await CommandFixtures.run(arguments, as: configuration)
                #expect(outcome.exitCode == exit, "benefit \(arguments.joined(separator: " ")): \(outcome.standardError)")
                return (outcome.standardOutput, outcome.standardError)
            }
            let roster = TemporaryFiles.path(named: "roster.csv")
            _ = try await benefit(["members", "generate", "--count", "400", "--seed", "5", "--out", roster])
            _ = try await benefit(["members", "import", roster])
            _ = try await benefit(["campaign", "apply", try TemporaryFiles.write(Self.recuperation, named: "rest.yaml")])
            let pool = PostgresPool(configuration: configuration, maxConnections: 4)
            defer { pool.close() }
            func runOnce() async throws -> Int {
                _ = try await benefit(["campaign", "trigger", "spring-rest"])
                let run = try await pool.query("SELECT max(id) FROM benefit.run").single(Int.self)
                try await CommandFixtures.workToTheEnd(run: run, queue: "topup", on: pool)
                return run
            }

            let first = try await runOnce()
            let cycle = try await pool.query("SELECT DISTINCT cycle FROM benefit.allocations").single(String.self)
            let waiting = try await pool.query("""
                SELECT member_id FROM benefit.waitlist WHERE run_id = \(first) ORDER BY rank
                """).decode(String.self)
            #expect(waiting.count > 20, "the first run must leave a waitlist to serve")
            let placed = try await pool.query("SELECT member_id FROM benefit.allocations ORDER BY rank").decode(String.self)
            #expect(placed.count == 20)

            // Usage errors (64) and refusals (1) write nothing.
            let session = ["--site", "尚湖", "--start", "2027-05-18", "--days", "5", "--capacity", "15"]
            for arguments in [
                ["--site", "尚湖", "--reason", "x"], ["--amount", "100"] + session + ["--reason", "x"], ["--reason", "x"],
                session.dropLast(2) + ["--capacity", "0", "--reason", "x"],
            ] {
                _ = try await benefit(["campaign", "topup", "spring-rest", "--cycle", cycle] + arguments, exit: 64)
            }
            let unopened = try await benefit(["campaign", "topup", "spring-rest", "--cycle", "1999"] + session + ["--reason", "x"], exit: 1)
            #expect(unopened.err.contains("cycle 1999 of campaign spring-rest has no sessions yet"), "\(unopened.err)")
            let twice = try await benefit(
                ["campaign", "topup", "spring-rest", "--cycle", cycle, "--site", "沙家浜", "--start", "2027-04-06", "--days", "3",
                 "--capacity", "5", "--reason", "x"], exit: 1)
            #expect(twice.err.contains("already has a session at 沙家浜 starting 2027-04-06"), "\(twice.err)")
            let money = try await benefit(["campaign", "topup", "spring-rest", "--cycle", cycle, "--amount", "100", "--reason", "x"], exit: 1)
            #expect(money.err.contains("campaign spring-rest runs recuperation, which has no budget to top up"), "\(money.err)")
            #expect(try await pool.query("SELECT count(*) FROM benefit.recuperation_session").single(Int.self) == 1)
            #expect(try await pool.query("SELECT count(*) FROM benefit.audit WHERE action = 'campaign.topup'").single(Int.self) == 0)

            // One place given back, one session of 15 added: the next run places the waitlist's first 16 by rank.
            _ = try await benefit(["places", "cancel", placed[3], "--campaign", "spring-rest", "--reason", "病假"])
            let said = try await benefit(["campaign", "topup", "spring-rest", "--cycle", cycle] + session + ["--reason", "基地追加一期"])
            #expect(said.out.contains(
                "cycle \(cycle): session 2 added at 尚湖 from 2027-05-18, 5 days, 15 places (now 35 places in 2 sessions, 16 free)"), "\(said.out)")
            #expect(said.out.contains("\(waiting.count) members are waitlisted"), "\(said.out)")
            let audit = try await pool.query("""
                SELECT reason, details->>'cycle', details->>'site', details->>'session_start', details->>'capacity'
                FROM benefit.audit WHERE action = 'campaign.topup'
                """).decode((String?, String, String, String, String).self)
            #expect(audit.count == 1 && audit.first?.0 == "基地追加一期" && audit.first?.1 == cycle)
            #expect(audit.first?.2 == "尚湖" && audit.first?.3 == "2027-05-18" && audit.first?.4 == "15")

            let second = try await runOnce()
            let secondPlaces = try await pool.query("""
                SELECT member_id, site FROM benefit.allocations WHERE run_id = \(second) ORDER BY rank
                """).decode((String, String).self)
            #expect(secondPlaces.map(\.0) == Array(waiting.prefix(16)))
            #expect(secondPlaces.map(\.1) == ["沙家浜"] + Array(repeating: "尚湖", count: 15))
            #expect(try await pool.query("""
                SELECT member_id FROM benefit.waitlist WHERE run_id = \(first) AND served_run_id = \(second) ORDER BY rank
                """).decode(String.self) == Array(waiting.prefix(16)))
            // Never over capacity, nobody placed twice.
            let (live, members, full) = try await pool.query("""
                SELECT count(*), count(DISTINCT member_id),
                       (SELECT count(*) FROM benefit.recuperation_session WHERE places_taken = capacity)
                FROM benefit.allocations WHERE cancelled_at IS NULL
                """).single((Int, Int, Int).self)
            #expect(live == 35 && members == 35 && full == 2)
        }
    }
}
