import BenefitScheduler
import BenefitTestSupport
import BenefitWorkers
import Foundation
import PostgresClient
import Testing

/// Disbursement runs with real `benefit worker` processes killed with kill -9.
@Suite("Hardship aid: disbursement under kill -9")
struct AidDisbursementProcessTests {
    static let awards = 400

    /// What the first 300 awards come to (the fund's opening deposit covers exactly them).
    static var coveredAmount: Decimal { AidFixtures.awardAmounts(awards).prefix(300).reduce(0, +) }

    @Test("workers killed with kill -9 again and again: every covered award is paid exactly once, the rest waitlisted, and a later run pays them once money arrives")
    func killedWorkersPayEachAwardOnce() async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let pool = PostgresPool(configuration: configuration, maxConnections: 8)
            defer { pool.close() }
            try await AidFixtures.insertMembers(600, on: pool)
            try await ProgramFixtures.apply(AidFixtures.campaignYAML(batchSize: 10, lease: "2s", maxAttempts: 20), on: pool)
            try await AidFixtures.insertApprovedAwards(Self.awards, on: pool)
            _ = try await AidFund.deposit(Self.coveredAmount, into: AidFixtures.fund, source: "opening", by: "test@ops", on: pool)
            let runID = try await ProgramFixtures.trigger("hardship-aid", at: ProgramFixtures.fireTime(year: 2026), on: pool)

            let (summary, kills) = try await ProgramFixtures.finishKillingWorkers(
                runID, queue: AidFixtures.queue, workers: 2, thresholds: [0, 5, 12, 20, 30],
                stall: "LOCK TABLE benefit.aid_payment IN EXCLUSIVE MODE", configuration: configuration, pool: pool)
            #expect(summary.state == .succeeded, "kills: \(kills)")
            #expect(summary.membersTotal == Self.awards && summary.membersDone == Self.awards, "kills: \(kills)")

            // The first 300 by approval order paid, each once and in full; the fund spent to zero.
            #expect(try await AidFixtures.paidSeqs(on: pool) == Array(1...300), "kills: \(kills)")
            let payments = try await AidFixtures.payments(on: pool)
            #expect(payments.count == 300 && Set(payments.map(\.id)).count == 300)
            let paid = payments.reduce(Decimal(0)) { $0 + $1.amount }
            #expect(paid == Self.coveredAmount)
            let fund = try await AidFixtures.fundRow(on: pool)
            #expect(fund.paid == paid && fund.balance == 0)
            #expect(summary.amountTotal == paid)
            // The other 100 wait, with the reason, in the documented waitlist.
            let waiting = try await pool.query("""
                SELECT count(*), count(DISTINCT member_id), min(reason) FROM benefit.waitlist
                WHERE program = 'hardship-aid' AND run_id = \(runID)
                """).single((Int, Int, String).self)
            #expect(waiting.0 == 100 && waiting.1 == 100, "kills: \(kills)")
            #expect(waiting.2.contains("fund mutual-aid cannot cover it"), "\(waiting.2)")
            // The kills interrupted work: some attempts lost their lease and were taken over.
            let expired = try await pool.query(
                "SELECT count(*) FROM benefit.job_attempts WHERE run_id = \(runID) AND outcome = 'lease_expired'").single(Int.self)
            #expect(expired >= 1, "kills: \(kills)")

            // Money arrives: the next run pays the 100 waiting, and never an award twice.
            let rest = AidFixtures.awardAmounts(Self.awards).dropFirst(300).reduce(0, +)
            _ = try await AidFund.deposit(rest + 50, into: AidFixtures.fund, source: "second drive", by: "test@ops", on: pool)
            let next = try await ProgramFixtures.runToEnd("hardship-aid", queue: AidFixtures.queue, day: 5, workers: 2, pool: pool)
            #expect(next.state == .succeeded && next.membersTotal == 100)
            #expect(try await AidFixtures.paidSeqs(on: pool) == Array(1...Self.awards))
            let after = try await AidFixtures.fundRow(on: pool)
            #expect(after.balance == 50 && after.paid == Self.coveredAmount + rest)
            #expect(try await pool.query("SELECT count(*) FROM benefit.aid_applications WHERE status = 'paid'").single(Int.self) == Self.awards)
        }
    }

    @Test("an award the fund cannot cover waits, and later awards wait behind it even when they would fit: approval order holds")
    func approvalOrderHoldsWhenTheFundRunsShort() async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let pool = PostgresPool(configuration: configuration, maxConnections: 4)
            defer { pool.close() }
            try await AidFixtures.insertMembers(20, on: pool)
            try await ProgramFixtures.apply(AidFixtures.campaignYAML(batchSize: 2), on: pool)
            // Amounts in approval order: 200, 300, 400, 500, 600, …
            try await AidFixtures.insertApprovedAwards(6, on: pool)
            // 200 + 300 = 500 fit in 650; 400 does not, and neither may 500 or 600 go before it.
            _ = try await AidFund.deposit(650, into: AidFixtures.fund, source: "opening", by: "test@ops", on: pool)
            // The workers log in with the worker role alone: it may do all a run needs.
            let run = try await TestDatabase.withLogins([.worker], on: configuration) { logins in
                let workerPool = PostgresPool(configuration: logins[.worker]!, maxConnections: 4)
                defer { workerPool.close() }
                return try await ProgramFixtures.runToEnd("hardship-aid", queue: AidFixtures.queue, workers: 2, pool: pool, workerPool: workerPool)
            }
            #expect(run.state == .succeeded)
            #expect(try await AidFixtures.paidSeqs(on: pool) == [1, 2])
            #expect(try await AidFixtures.fundRow(on: pool).balance == 150)
            let reasons = try await pool.query(
                "SELECT reason FROM benefit.aid_waitlist_entry ORDER BY rank").decode(String.self)
            #expect(reasons.count == 4)
            #expect(reasons.first == "fund mutual-aid cannot cover it: 150.00 yuan left after the awards approved before it, 400.00 needed")
            // The console's run page: money paid per category, and the awards waiting, first in approval order.
            let results = try #require(try await ProgramResults.read(runID: run.runID, program: HardshipAidProgram.name, on: pool))
            #expect(results.measure == .paidPerCategory && results.measure.isMoney)
            #expect(results.figures.map(\.label) == ["illness"] && results.figures.map(\.value) == [500])
            #expect(results.waitlisted == 4 && results.waiting.map(\.rank) == [3, 4, 5, 6])
            #expect(results.waiting.first?.reason.hasPrefix("application ") == true)
        }
    }
}
