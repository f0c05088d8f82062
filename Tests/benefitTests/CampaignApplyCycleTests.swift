import BenefitTestSupport
import BenefitWorkers
import Foundation
import PostgresClient
import Testing

/// `campaign apply` says when a changed parameter is one the campaign's current
/// cycle keeps, because its first run fixed it (a budget, a capacity).
@Suite("Campaign apply and the cycle's fixed parameters")
struct CampaignApplyCycleTests {
    static func relief(budget: Int, amount: Int = 2000) -> String {
        CampaignText.yaml(
            name: "winter-warmth", program: "seasonal-relief", batchSize: 100, queue: "apply-cycle",
            parameters: #"{ season: winter-warmth, amounts: { "1": \#(amount), "2": 1200, "3": 800 }, budget: \#(budget) }"#)
    }

    @Test("after a run fixed the cycle's budget, applying a new budget says the cycle keeps it and from when the change counts; the ledger is unchanged")
    func applyNamesTheCycleThatKeepsItsBudget() async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            func benefit(_ arguments: [String]) async throws -> String {
                try await CommandFixtures.succeed(arguments, as: configuration)
            }
            let roster = TemporaryFiles.path(named: "roster.csv")
            _ = try await benefit(["members", "generate", "--count", "2000", "--seed", "3", "--out", roster])
            _ = try await benefit(["members", "import", roster])
            let first = try TemporaryFiles.write(Self.relief(budget: 1_000_000), named: "winter.yaml")
            _ = try await benefit(["campaign", "apply", first])
            // No run yet: a new budget is just a new revision.
            let early = try TemporaryFiles.write(Self.relief(budget: 900_000), named: "winter-early.yaml")
            #expect(try await !benefit(["campaign", "apply", early]).contains("keeps"))
            _ = try await benefit(["campaign", "trigger", "winter-warmth"])

            let pool = PostgresPool(configuration: configuration, maxConnections: 4)
            defer { pool.close() }
            try await CommandFixtures.workToTheEnd(run: try await pool.query("SELECT max(id) FROM benefit.run").single(Int.self), queue: "apply-cycle", on: pool)
            let (cycle, budget) = try await pool.query("SELECT cycle, budget FROM benefit.budgets").single((String, Decimal).self)
            #expect(budget == 900_000)

            let smaller = try TemporaryFiles.write(Self.relief(budget: 900), named: "winter-smaller.yaml")
            let said = try await benefit(["campaign", "apply", smaller])
            #expect(said.contains("winter-warmth is updated: revision 2 → 3"), "\(said)")
            #expect(said.contains("""
                parameters.budget: cycle \(cycle) keeps the value its first run fixed; the change takes effect from the next cycle \
                (benefit campaign topup winter-warmth --cycle \(cycle) adds to the cycle itself)
                """), "\(said)")
            #expect(try await pool.query("SELECT budget FROM benefit.budgets").single(Decimal.self) == 900_000)

            // A parameter each run reads for itself: no such line.
            let amounts = try TemporaryFiles.write(Self.relief(budget: 900, amount: 2500), named: "winter-amounts.yaml")
            let plain = try await benefit(["campaign", "apply", amounts])
            #expect(plain.contains("revision 3 → 4") && !plain.contains("keeps"), "\(plain)")
        }
    }
}
