import BenefitTestSupport
import BenefitWorkers
import Foundation
import PostgresClient
import Testing

/// The fund's balance, held by the database under concurrency.
@Suite("Hardship aid: the fund")
struct AidFundTests {
    @Test("8 reviewers approving at once while deposits come in and disbursement runs pay: the fund never goes below zero and adds up")
    func fundNeverNegativeUnderConcurrency() async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let owner = PostgresPool(configuration: configuration, maxConnections: 8)
            defer { owner.close() }
            try await AidFixtures.insertMembers(400, on: owner)
            try await ProgramFixtures.apply(AidFixtures.campaignYAML(batchSize: 5), on: owner)
            try await TestDatabase.withLogins(9, memberOf: .operator, on: configuration) { logins in
                let clerk = PostgresPool(configuration: logins[0], maxConnections: 1)
                defer { clerk.close() }
                // 160 applications of 300 to 900 yuan (one reviewer each, under the 5,000 threshold).
                let members = try await owner.query(
                    "SELECT member_id FROM benefit.member WHERE employment <> 'migrant' ORDER BY member_id LIMIT 160").decode(String.self)
                var ids: [Int] = []
                for (index, member) in members.enumerated() {
                    let draft = try AidApplicationDraft(
                        memberID: member, category: "illness", amount: Decimal(300 + 100 * (index % 7)), statement: "case \(index)")
                    ids.append(try await AidApplications.record(draft, by: "clerk@ops", on: clerk))
                }
                _ = try await AidFund.deposit(2_000, into: AidFixtures.fund, source: "opening", by: "treasurer@ops", on: owner)

                let belowZero = Counter()
                let runs = try await withThrowingTaskGroup(of: [Int]?.self) { watching in
                    // Samples the balance the whole time: it is never seen below zero.
                    watching.addTask {
                        while !Task.isCancelled {
                            let balance = try await owner.query("SELECT balance FROM benefit.aid_fund").single(Decimal.self)
                            if balance < 0 { belowZero.add() }
                            try? await Task.sleep(for: .milliseconds(5))
                        }
                        return nil
                    }
                    defer { watching.cancelAll() }
                    return try await ProgramFixtures.withWorkers(2, queue: AidFixtures.queue, pool: owner, concurrency: 2) {
                    try await withThrowingTaskGroup(of: [Int].self) { group in
                        // 8 reviewers, each approving its share of the applications at once.
                        for reviewer in 1...8 {
                            let login = logins[reviewer]
                            let share = ids.enumerated().filter { $0.offset % 8 == reviewer - 1 }.map(\.element)
                            group.addTask {
                                let pool = PostgresPool(configuration: login, maxConnections: 1)
                                defer { pool.close() }
                                for id in share {
                                    let amount = try await pool.query("SELECT requested FROM benefit.aid_application WHERE id = \(id)").single(Decimal.self)
                                    _ = try await AidApplications.review(id, .approve(amount), reason: "符合条件", by: "reviewer\(reviewer)@ops", on: pool)
                                }
                                return []
                            }
                        }
                        // Donations trickle in meanwhile.
                        group.addTask {
                            for round in 1...20 {
                                _ = try await AidFund.deposit(1_500, into: AidFixtures.fund, source: "donation \(round)", by: "treasurer@ops", on: owner)
                            }
                            return []
                        }
                        // Disbursement runs one after another, each paying what is approved and covered.
                        group.addTask {
                            var runIDs: [Int] = []
                            for day in 1...4 {
                                let runID = try await ProgramFixtures.trigger("hardship-aid", at: ProgramFixtures.fireTime(year: 2026, day: day), on: owner)
                                _ = try await ProgramFixtures.finish(runID, pool: owner)
                                runIDs.append(runID)
                            }
                            return runIDs
                        }
                        var runs: [Int] = []
                        for try await ids in group { runs += ids }
                        return runs
                    }
                    }
                }
                #expect(runs.count == 4)
                #expect(belowZero.current == 0, "the balance was seen below zero")

                let fund = try await AidFixtures.fundRow(on: owner)
                let payments = try await AidFixtures.payments(on: owner)
                let paid = payments.reduce(Decimal(0)) { $0 + $1.amount }
                #expect(fund.deposited == 32_000)
                #expect(fund.balance >= 0)
                #expect(fund.paid == paid && fund.balance == fund.deposited - paid)
                #expect(Set(payments.map(\.id)).count == payments.count)
                #expect(payments.count > 0)
                // Every payment is the approved amount, and paid awards are a prefix of approval order.
                let mismatched = try await owner.query("""
                    SELECT count(*) FROM benefit.aid_payment p JOIN benefit.aid_application a ON a.id = p.application_id
                    WHERE p.amount <> a.approved_amount
                    """).single(Int.self)
                #expect(mismatched == 0)
                let approved = try await owner.query("SELECT count(*) FROM benefit.aid_application WHERE state = 'approved'").single(Int.self)
                #expect(approved == 160)

                // No login can overdraw it by hand either: the owner inserting a payment larger than the balance is refused.
                let unpaid = try await owner.query("""
                    SELECT a.id, a.approved_amount FROM benefit.aid_application a
                    WHERE NOT EXISTS (SELECT 1 FROM benefit.aid_payment p WHERE p.application_id = a.id)
                    ORDER BY a.approved_amount DESC LIMIT 1
                    """).first((Int, Decimal).self)
                let (id, _) = try #require(unpaid)
                do {
                    try await owner.query("UPDATE benefit.aid_fund SET balance = 0, paid = deposited")
                    let refused = await AidApplicationTests.refusal {
                        try await owner.query("""
                            INSERT INTO benefit.aid_payment (application_id, fund, amount, campaign_id, run_id, job_id)
                            SELECT a.id, \(AidFixtures.fund), a.approved_amount, a.campaign_id, \(runs[0]), 0
                            FROM benefit.aid_application a WHERE a.id = \(id)
                            """)
                    }
                    #expect(refused.state == "23514" && refused.message.contains("aid_fund_not_overdrawn"), "\(refused)")
                }
            }
        }
    }

    @Test("8 writers paying awards at once by hand, as the owner, past what the fund holds: its CHECK refuses what would overdraw it")
    func concurrentPaymentsCannotOverdraw() async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let pool = PostgresPool(configuration: configuration, maxConnections: 8)
            defer { pool.close() }
            try await AidFixtures.insertMembers(20, on: pool)
            try await ProgramFixtures.apply(AidFixtures.campaignYAML(), on: pool)
            try await AidFixtures.insertApprovedAwards(8, on: pool)
            // A run to name: its plan is not used, the payments below are written by hand.
            let runID = try await ProgramFixtures.trigger("hardship-aid", at: ProgramFixtures.fireTime(year: 2026), on: pool)
            let amounts = AidFixtures.awardAmounts(8)  // 200 … 700, 100, 200: 3,000 in all
            _ = try await AidFund.deposit(1_000, into: AidFixtures.fund, source: "opening", by: "test@ops", on: pool)
            let paid = try await withThrowingTaskGroup(of: Decimal.self) { group in
                for seq in 1...8 {
                    group.addTask {
                        let connection = try await PostgresConnection.connect(to: configuration)
                        do {
                            try await connection.query("""
                                INSERT INTO benefit.aid_payment (application_id, fund, amount, campaign_id, run_id, job_id)
                                SELECT a.id, \(AidFixtures.fund), a.approved_amount, a.campaign_id, \(runID), 0
                                FROM benefit.aid_application a WHERE a.approval_seq = \(seq)
                                """)
                            return amounts[seq - 1]
                        } catch let error as PostgresError where error.message.contains("aid_fund_not_overdrawn") {
                            return 0
                        }
                    }
                }
                return try await group.reduce(Decimal(0), +)
            }
            let fund = try await AidFixtures.fundRow(on: pool)
            #expect(paid > 0 && paid <= 1_000)
            #expect(fund.paid == paid && fund.balance == 1_000 - paid && fund.balance >= 0)
            // Whatever order they ran in, what is left pays none of the refused awards.
            let refused = try await pool.query("""
                SELECT coalesce(min(a.approved_amount), 0) FROM benefit.aid_application a
                WHERE NOT EXISTS (SELECT 1 FROM benefit.aid_payment p WHERE p.application_id = a.id)
                """).single(Decimal.self)
            #expect(refused > fund.balance)
        }
    }

    @Test("deposits open the fund, add up and are audited; fund show reads them")
    func depositsAddUp() async throws {
        try await TestDatabase.withFreshLogin(memberOf: .operator) { configuration, login in
            #expect(try await AidFund.deposit(1000, into: "mutual-aid", source: "工会拨款", by: "wang@ops", on: login) == 1000)
            #expect(try await AidFund.deposit(Decimal(string: "250.50")!, into: "mutual-aid", source: "职工捐款", by: "wang@ops", on: login)
                == Decimal(string: "1250.50")!)
            let funds = try await AidFund.balances(on: login)
            #expect(funds.map(\.fund) == ["mutual-aid"] && funds[0].balance == Decimal(string: "1250.50")! && funds[0].paid == 0)
            let owner = PostgresPool(configuration: configuration, maxConnections: 1)
            defer { owner.close() }
            let audited = try await owner.query(
                "SELECT target, details->>'amount' FROM benefit.audit WHERE action = 'aid.deposit' ORDER BY audit_id").decode((String, String).self)
            #expect(audited.map(\.1) == ["1000.00", "250.50"] && audited.allSatisfy { $0.0 == "mutual-aid" })
        }
    }
}
