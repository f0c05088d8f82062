import BenefitTestSupport
import BenefitWorkers
import Foundation
import PostgresClient
import Testing

/// `benefit aid`: what operators type, what it prints, how it exits.
@Suite("benefit aid")
struct AidCommandTests {
    static let campaign = """
        name: hardship-aid
        program: hardship-aid
        schedule:
          timezone: Asia/Shanghai
          cron: "0 9 5 * *"
          catchUp: none
        execution: { queue: aid, batchSize: 10, lease: 10s, backoff: { initial: 100ms, max: 1s } }
        cycle: monthly
        parameters:
          fund: mutual-aid
          employment: [staff, retired]
          categories: { illness: 20000, education: 8000 }
          yearlyCap: 30000
          dualReviewAbove: 5000
        """

    /// A fresh database with members A00001 (staff), A00002 (retired), A00003 (migrant)
    /// and the campaign; `body` gets the environments of two operator logins and a
    /// worker login, and the owner's pool.
    static func withDatabase(
        _ body: (_ clerk: [String: String], _ reviewer: [String: String], _ worker: [String: String], _ owner: PostgresPool) async throws -> Void
    ) async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let owner = PostgresPool(configuration: configuration, maxConnections: 2)
            defer { owner.close() }
            try await owner.query("""
                INSERT INTO benefit.member (member_id, name, org_unit, gender, birth_date, employment)
                VALUES ('A00001', '王芳', '机车车间', 'F', '1975-03-01', 'staff'),
                       ('A00002', '李强', '退休办', 'M', '1955-07-09', 'retired'),
                       ('A00003', '赵敏', '物流部', 'F', '1990-11-20', 'migrant')
                """)
            try await CommandFixtures.apply(Self.campaign, on: owner)
            try await TestDatabase.withLogins(2, memberOf: .operator, on: configuration) { operators in
                try await TestDatabase.withLogins([.worker], on: configuration) { workers in
                    try await body(
                        ["DATABASE_URL": try TestDatabase.url(of: operators[0])], ["DATABASE_URL": try TestDatabase.url(of: operators[1])],
                        ["DATABASE_URL": try TestDatabase.url(of: workers[.worker]!)], owner)
                }
            }
        }
    }

    /// Reads what `--json` prints (dates in ISO 8601).
    static func decode<Value: Decodable>(_ type: Value.Type, _ text: String) throws -> Value {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try decoder.decode(type, from: Data(text.utf8))
    }

    static func count(_ table: String, _ pool: PostgresPool) async throws -> Int {
        try await pool.query("SELECT count(*) FROM \(identifier: "benefit").\(identifier: table)").single(Int.self)
    }

    @Test("usage mistakes exit 64 naming the option; nothing reaches the database")
    func usageMistakesExit64() async throws {
        let unreachable = ["DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none?connect_timeout=1"]
        for (arguments, fragment) in [
            (["aid", "apply", "--category", "illness", "--amount", "100", "--statement", "x"], "--member"),
            (["aid", "apply", "--member", "A1", "--category", "illness", "--amount", "12.345", "--statement", "x"], "--amount"),
            (["aid", "apply", "--member", "A1", "--category", "Illness", "--amount", "10", "--statement", "x"], "--category"),
            (["aid", "apply", "--member", "A1", "--category", "illness", "--amount", "10", "--statement", " "], "--statement"),
            (["aid", "review", "1", "--approve", "--reason", "ok"], "--approve needs --amount"),
            (["aid", "review", "1", "--approve", "--reject", "--amount", "5", "--reason", "ok"], "exactly one of"),
            (["aid", "review", "1", "--reject", "--reason", ""], "--reason"),
            (["aid", "list", "--state", "lost"], "--state"),
            (["aid", "fund", "deposit", "-5", "--fund", "f", "--source", "s"], "amount"),
            (["aid", "report"], "--year"),
        ] {
            let outcome = try await BenefitProcess.run(arguments, environment: unreachable)
            #expect(outcome.exitCode == 64, "\(arguments): \(outcome.standardError)")
            let first = outcome.standardError.split(separator: "\n").first.map(String.init) ?? ""
            #expect(first.hasPrefix("Error: ") && first.contains(fragment), "\(arguments): \(outcome.standardError)")
        }
    }

    @Test("a round from the command line: apply, review by another login, deposit, a worker pays, list, fund show and report")
    func aRoundFromTheCommandLine() async throws {
        try await Self.withDatabase { clerk, reviewer, workerLogin, owner in
            let applied = try await BenefitProcess.run(
                ["aid", "apply", "--member", "A00002", "--category", "illness", "--amount", "3000", "--statement", "住院",
                 "--evidence", "发票-118.pdf", "--evidence", "诊断证明"], environment: clerk)
            #expect(applied.exitCode == 0, "\(applied.standardError)")
            #expect(applied.standardOutput == "application 1 recorded for A00002: illness, 3000 yuan; pending review\n")

            // The clerk cannot review it: one line, exit 1.
            let own = try await BenefitProcess.run(["aid", "review", "1", "--approve", "--amount", "3000", "--reason", "ok"], environment: clerk)
            #expect(own.exitCode == 1)
            #expect(own.standardError.hasPrefix("Error: application 1 was recorded by ") && own.standardError.filter { $0 == "\n" }.count == 1,
                    "\(own.standardError)")
            // A migrant worker does not qualify: refused with the reason.
            let migrant = try await BenefitProcess.run(
                ["aid", "apply", "--member", "A00003", "--category", "illness", "--amount", "100", "--statement", "x"], environment: clerk)
            #expect(migrant.exitCode == 1 && migrant.standardError == "Error: member A00003 is migrant; this campaign takes staff, retired\n",
                    "\(migrant.standardError)")

            let approved = try await BenefitProcess.run(
                ["aid", "review", "1", "--approve", "--amount", "3000", "--reason", "材料齐全"], environment: reviewer)
            #expect(approved.exitCode == 0 && approved.standardOutput == "application 1: approved, 3000 yuan; a run of its campaign pays it\n",
                    "\(approved.standardError)")
            let listed = try await BenefitProcess.run(["aid", "list", "--state", "approved", "--json"], environment: reviewer)
            let rows = try Self.decode([AidApplicationRow].self, listed.standardOutput)
            #expect(rows.map(\.id) == [1] && rows[0].status == .approved && rows[0].approvedAmount == 3000)

            let deposited = try await BenefitProcess.run(
                ["aid", "fund", "deposit", "5000", "--fund", "mutual-aid", "--source", "职工捐款"], environment: clerk)
            #expect(deposited.standardOutput == "fund mutual-aid: 5000 yuan deposited; balance 5000 yuan\n", "\(deposited.standardError)")

            // A disbursement run, paid by a real worker process.
            let triggered = try await BenefitProcess.run(["campaign", "trigger", "hardship-aid"], environment: clerk)
            #expect(triggered.exitCode == 0, "\(triggered.standardError)")
            try await withProcessGroup { processes in
                let worker = await processes.start("aid-worker", ["worker", "--queues", "aid", "--poll-interval", "100ms"], environment: workerLogin)
                let paid = try await eventually(timeout: .seconds(120), every: .milliseconds(100)) {
                    try await Self.count("aid_payment", owner) == 1
                }
                #expect(paid, "the worker did not pay: \(worker.logTail())")
                _ = await processes.terminate(worker)
            }
            let funds = try await BenefitProcess.run(["aid", "fund", "show", "--json"], environment: reviewer)
            let balances = try Self.decode([AidFund.Balance].self, funds.standardOutput)
            #expect(balances.map(\.balance) == [2000] && balances.map(\.paid) == [3000])

            let year = Calendar(identifier: .gregorian).component(.year, from: Date())
            let report = try await BenefitProcess.run(["aid", "report", "--year", "\(year)", "--json"], environment: reviewer)
            let figures = try Self.decode(AidReport.self, report.standardOutput)
            #expect(figures.total.people == 1 && figures.total.amount == 3000)
            #expect(figures.byService.map(\.group) == ["retired"] && figures.byOrgUnit.map(\.group) == ["退休办"])
            let text = try await BenefitProcess.run(["aid", "report", "--year", "\(year)"], environment: reviewer)
            #expect(text.standardOutput.hasPrefix("hardship aid paid in \(year): 1 people, 1 payments, 3000 yuan\n"), "\(text.standardOutput)")
        }
    }

    @Test("import: problems at FILE:LINE: COLUMN on stderr, one summary line, exit 1, nothing written")
    func importReportsLinesAndWritesNothing() async throws {
        try await Self.withDatabase { clerk, _, _, owner in
            let path = try TemporaryFiles.write("""
                member_id,category,amount,statement,evidence
                A00001,illness,800,门诊,
                A00002,illness,eight hundred,门诊,
                A00009,illness,100,门诊,
                """, named: "aid-import.csv")
            let bad = try await BenefitProcess.run(["aid", "import", path], environment: clerk)
            #expect(bad.exitCode == 1)
            #expect(bad.standardError == """
                \(path):3: amount: "eight hundred" is not an amount: positive yuan with at most 2 decimals, such as 1200 or 800.50
                Error: 1 problem in \(path); nothing was imported

                """, "\(bad.standardError)")
            let refused = try TemporaryFiles.write("member_id,category,amount,statement,evidence\nA00001,illness,800,门诊,\nA00009,illness,100,门诊,\n", named: "aid-refused.csv")
            let unknown = try await BenefitProcess.run(["aid", "import", refused], environment: clerk)
            #expect(unknown.exitCode == 1)
            #expect(unknown.standardError.hasPrefix("\(refused):3: member_id: member A00009 is not on the roster\n"), "\(unknown.standardError)")
            #expect(try await Self.count("aid_application", owner) == 0)

            let good = try TemporaryFiles.write("member_id,category,amount,statement,evidence\nA00001,illness,800,门诊,\nA00002,education,1500,学费,通知书.pdf\n", named: "aid-good.csv")
            let imported = try await BenefitProcess.run(["aid", "import", good], environment: clerk)
            // The numbers the refused imports drew are not reused: the two get the next ones.
            let ids = try await owner.query("SELECT min(id), max(id) FROM benefit.aid_application").single((Int, Int).self)
            #expect(imported.exitCode == 0, "\(imported.standardError)")
            #expect(imported.standardOutput == "\(good): 2 applications recorded (\(ids.0)–\(ids.1)); pending review\n")
            #expect(try await Self.count("aid_application", owner) == 2)
        }
    }
}
