import BenefitTestSupport
import Foundation
import PostgresClient
import Testing

/// `benefit campaign backfill`, run as an operator runs it.
@Suite("Campaign backfill command")
struct CampaignBackfillCommandTests {
    static let week = ["--from", "2025-03-03T00:00:00+08:00", "--to", "2025-03-10T00:00+08:00"]

    /// A fresh database with a daily 09:00 Shanghai drill campaign `daily`, the environment that points `benefit` at it, and a pool.
    static func withDailyCampaign(overlap: String = "allow", _ body: ([String: String], PostgresPool) async throws -> Void) async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let pool = PostgresPool(configuration: configuration, maxConnections: 2)
            defer { pool.close() }
            try await CommandFixtures.apply(CampaignText.yaml(
                name: "daily", program: "drill", timezone: "Asia/Shanghai", overlap: overlap, parameters: "{ members: 5 }"), on: pool)
            try await body(["DATABASE_URL": try TestDatabase.url(of: configuration)], pool)
        }
    }

    /// Runs, jobs, and backfills in the audit trail.
    static func counts(_ pool: PostgresPool) async throws -> (runs: Int, jobs: Int, audit: Int) {
        try await pool.query("""
            SELECT (SELECT count(*) FROM benefit.run), (SELECT count(*) FROM benefit.job), (SELECT count(*) FROM benefit.audit_event WHERE action = 'campaign.backfill')
            """).single((Int, Int, Int).self)
    }

    @Test("--dry-run lists the week's seven fire times like preview and writes nothing; the backfill then creates them; again, none")
    func dryRunThenBackfill() async throws {
        try await Self.withDailyCampaign { environment, pool in
            let dry = try await BenefitProcess.run(["campaign", "backfill", "daily"] + Self.week + ["--dry-run"], environment: environment)
            #expect(dry.exitCode == 0, "\(dry.standardError)")
            let lines = dry.standardOutput.split(separator: "\n").map(String.init)
            try #require(lines.count == 8, "\(dry.standardOutput)")
            #expect(lines[0] == "2025-03-03 09:00 +08:00 (Mon)  2025-03-03 01:00:00Z  would be created, started")
            #expect(lines[6] == "2025-03-09 09:00 +08:00 (Sun)  2025-03-09 01:00:00Z  would be created, started")
            #expect(lines[7] == "dry run: 7 runs of daily would be created; nothing was written")
            #expect(try await Self.counts(pool) == (0, 0, 0))

            let real = try await BenefitProcess.run(["campaign", "backfill", "daily"] + Self.week + ["--reason", "scheduler host was down"], environment: environment)
            #expect(real.exitCode == 0, "\(real.standardError)")
            let created = real.standardOutput.split(separator: "\n").map(String.init)
            #expect(created.count == 8 && created.prefix(7).allSatisfy { $0.range(of: #"  run \d+ created, started$"#, options: .regularExpression) != nil }, "\(created)")
            #expect(created.last == "7 runs of daily created")
            #expect(try await Self.counts(pool) == (7, 7, 1))
            let (details, reason) = try await pool.query("SELECT details::text, reason FROM benefit.audit WHERE action = 'campaign.backfill'").single((String, String).self)
            #expect(details.contains(#""runs": 7"#) && details.contains(#""from": "2025-03-02T16:00:00Z""#), "\(details)")
            #expect(reason == "scheduler host was down")

            struct Fire: Decodable { let fireTime: Date; let local: String; let outcome: String; let run: Int? }
            let again = try await BenefitProcess.run(["campaign", "backfill", "daily"] + Self.week + ["--json"], environment: environment)
            #expect(again.exitCode == 0, "\(again.standardError)")
            let decoder = JSONDecoder()
            decoder.dateDecodingStrategy = .iso8601
            let fires = try decoder.decode([Fire].self, from: Data(again.standardOutput.utf8))
            #expect(fires.count == 7 && fires.allSatisfy { $0.outcome == "exists" && $0.run != nil && $0.local.hasSuffix("T09:00:00+08:00") })
            #expect(try await Self.counts(pool) == (7, 7, 1))
        }
    }

    @Test("two backfill processes of the same week at once: each fire time gets one run, and the runs the audit trail counts are those created")
    func concurrentProcesses() async throws {
        try await Self.withDailyCampaign { environment, pool in
            let outcomes = try await withThrowingTaskGroup(of: BenefitProcess.Outcome.self) { group in
                for _ in 0..<2 {
                    group.addTask { try await BenefitProcess.run(["campaign", "backfill", "daily"] + Self.week, environment: environment) }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(outcomes.allSatisfy { $0.exitCode == 0 }, "\(outcomes.map(\.standardError))")
            let createdLines = outcomes.flatMap { $0.standardOutput.split(separator: "\n") }.filter { $0.hasSuffix("created, started") }
            #expect(createdLines.count == 7)
            let fireTimes = try await pool.query("SELECT fire_time FROM benefit.run ORDER BY fire_time").decode(Date.self)
            let first = try Date("2025-03-03T01:00:00Z", strategy: .iso8601)
            #expect(fireTimes == (0..<7).map { first.addingTimeInterval(Double($0) * 86_400) })
            let audited = try await pool.query("SELECT coalesce(sum((details->>'runs')::int), 0) FROM benefit.audit WHERE action = 'campaign.backfill'").single(Int.self)
            #expect(audited == 7)
        }
    }

    @Test("a range reversed, empty, not yet over, or an instant without its offset is a usage error (exit 64) before any database is touched", arguments: [
        (["--from", "2025-03-10T00:00:00+08:00", "--to", "2025-03-03T00:00:00+08:00"], "Error: --to is before --from: the range runs backwards"),
        (["--from", "2025-03-10T00:00:00+08:00", "--to", "2025-03-10T00:00:00+08:00"], "Error: --from and --to are the same instant"),
        (["--from", "2025-03-10T00:00:00+08:00", "--to", "2999-01-01T00:00:00Z"], "Error: --to 2999-01-01T00:00:00Z is in the future"),
        (["--from", "2025-03-10T00:00:00", "--to", "2025-03-11T00:00:00Z"], "Error: The value '2025-03-10T00:00:00' is invalid for '--from <instant>': not an instant"),
        (["--from", "2025-03-10T00:00:00Z", "--to", "2025-03-11T00:00:00Z", "--max-runs", "0"], "Error: The value '0' is invalid for '--max-runs <max-runs>': out of range"),
    ])
    func usageErrors(arguments: [String], message: String) async throws {
        let unreachable = ["DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none?connect_timeout=1"]
        let outcome = try await BenefitProcess.run(["campaign", "backfill", "daily"] + arguments, environment: unreachable)
        #expect(outcome.exitCode == 64, "\(outcome.standardError)")
        #expect(outcome.standardError.hasPrefix(message), "\(outcome.standardError)")
    }

    @Test("a paused campaign, an unknown one, more runs than --max-runs: one line on stderr, exit 1, nothing written")
    func runtimeRefusals() async throws {
        try await Self.withDailyCampaign { environment, pool in
            for (arguments, message) in [
                (["campaign", "backfill", "nope"] + Self.week, "Error: there is no campaign nope\n"),
                (["campaign", "backfill", "daily", "--max-runs", "6"] + Self.week,
                 "Error: campaign daily has more than 6 fire times without a run in that range: narrow it, or allow more with --max-runs (at most 5000); nothing was created\n"),
            ] {
                let outcome = try await BenefitProcess.run(arguments, environment: environment)
                #expect(outcome.exitCode == 1 && outcome.standardError == message, "\(arguments): \(outcome.standardError)")
            }
            #expect(try await BenefitProcess.run(["campaign", "pause", "daily", "--reason", "audit"], environment: environment).exitCode == 0)
            let paused = try await BenefitProcess.run(["campaign", "backfill", "daily"] + Self.week, environment: environment)
            #expect(paused.exitCode == 1)
            #expect(paused.standardError == "Error: campaign daily is paused (audit): resume it before backfilling; a backfill creates no runs for a paused campaign\n")
            #expect(try await Self.counts(pool).runs == 0)
        }
    }
}
