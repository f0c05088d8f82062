import BenefitMigrations
import BenefitTestSupport
import Foundation
import PostgresClient
import Testing

/// Administrators on a hot standby (docs/operations.md, Administrators on a replica):
/// a real `pg_basebackup -R` standby of a cluster of the test's own, filled by real
/// runs of a real worker on the primary.
@Suite("Administrators on a replica")
struct ReplicaProcessTests {
    /// Every row of `sql`'s answer as JSON text, sorted: two servers' answers compare equal when their rows do.
    static func answer(_ sql: String, on connection: PostgresConnection) async throws -> String {
        let statement = sql.trimmingCharacters(in: .whitespacesAndNewlines).trimmingCharacters(in: CharacterSet(charactersIn: ";"))
        return try await connection.acting(as: .admin) { tx in
            try await tx.query(PostgresQuery(unsafeSQL: """
                SELECT coalesce(array_agg(to_jsonb(answer)::text ORDER BY to_jsonb(answer)::text), '{}')::text FROM (\(statement)) answer
                """)).single(String.self)
        }
    }

    /// The views docs/sql.md's tables list (`| \`benefit.NAME\` |`), before its Roles
    /// section, whose grant table names base tables too.
    static func documentedViews() throws -> [String] {
        let text = try DocumentedSQL.text()
        let views = text[..<(text.range(of: "\n## Roles")?.lowerBound ?? text.endIndex)]
        return views.split(separator: "\n").compactMap { line in
            guard line.hasPrefix("| `benefit.") else { return nil }
            return line.dropFirst(3).prefix { $0 != "`" }.description
        }
    }

    /// A command's output with the ages that follow the clock ("12s ago", JSON's
    /// `"silent_seconds":12.5`) blanked, and columns' padding collapsed, since a longer
    /// age widens its column.
    static func withoutAges(_ output: String) -> String {
        output.replacing(/\S+ ago/, with: "ago").replacing(/_seconds":[0-9.e+-]+/, with: "_seconds\":0").replacing(/\ +/, with: " ")
    }

    @Test("on a standby the documented views and docs/sql.md's queries answer as on the primary, the read-only commands print the same with --read-url alone, and a write is refused")
    func standbyAnswersAsThePrimary() async throws {
        try await ThrowawayCluster.with { primary in
            let pool = PostgresPool(configuration: primary.configuration, maxConnections: 2)
            defer { pool.close() }
            try await pool.withConnection { try await Migrator(migrations: try Migration.bundled()).migrate(on: $0) }
            let environment = ["DATABASE_URL": primary.configuration.secretConnectionString]
            let good = try TemporaryFiles.write(CampaignText.yaml(name: "ok", program: "drill", batchSize: 100, parameters: "{ members: 300 }"), named: "ok.yaml")
            let failing = try TemporaryFiles.write(
                CampaignText.yaml(name: "ko", program: "drill", batchSize: 100, parameters: "{ members: 300, failRanks: [150] }"), named: "ko.yaml")
            #expect(try await BenefitProcess.run(["campaign", "apply", good, failing], environment: environment).exitCode == 0)
            var runIDs: [Int] = []
            try await withProcessGroup { (processes: ProcessGroup) async throws in
                let worker = await processes.start("replica-worker", ["worker", "--queues", "runs", "--log-level", "warning"], environment: environment)
                for campaign in ["ok", "ko"] {
                    let trigger = try await BenefitProcess.run(["campaign", "trigger", campaign], environment: environment)
                    let runID = try #require(trigger.standardOutput.split(separator: " ").dropFirst().first.flatMap { Int($0) })
                    runIDs.append(runID)
                    _ = try await BenefitProcess.run(["runs", "watch", String(runID), "--every", "100ms"], environment: environment)
                }
                #expect(await processes.terminate(worker) == 0)
            }
            #expect(try await pool.query("SELECT count(*) FROM benefit.run WHERE state IN ('succeeded', 'failed')").single(Int.self) == 2)
            #expect(try await pool.query("SELECT count(*) FROM benefit.job WHERE state = 'dead'").single(Int.self) >= 1)

            // A paused queue, for benefit.paused_queues, status and the audit trail.
            #expect(try await BenefitProcess.run(["queues", "pause", "runs", "--reason", "bank file under review"], environment: environment).exitCode == 0)
            // An operator's login, made on the primary: logins replicate, so it signs in on the standby too.
            try await pool.query("CREATE ROLE replica_ops LOGIN IN ROLE benefit_operator")

            try await primary.withStandby { standby in
                try await primary.waitForReplay(on: standby)
                let onPrimary = try await PostgresConnection.connect(to: primary.configuration)
                let onStandby = try await PostgresConnection.connect(to: standby.configuration)
                #expect(try await onStandby.query("SELECT pg_is_in_recovery()").single(Bool.self), "the standby is one")

                let views = try Self.documentedViews()
                #expect(views.count >= 9, "\(views)")
                for view in views {
                    let sql = "SELECT * FROM \(view)"
                    let answer = try await Self.answer(sql, on: onStandby)
                    #expect(answer == (try await Self.answer(sql, on: onPrimary)), "\(view) differs on the standby")
                }
                let history = try await Self.answer("SELECT state FROM benefit.run_history", on: onStandby)
                #expect(history.contains("succeeded") && history.contains("failed"), "\(history)")

                let queries = try DocumentedSQL.queries()
                #expect(queries.count >= 10)
                var answered = 0
                for query in queries {
                    // Unchanged, as an administrator pastes it.
                    let rows = try await onStandby.acting(as: .admin) { try await $0.query(PostgresQuery(unsafeSQL: query)).count }
                    let primaryRows = try await onPrimary.acting(as: .admin) { try await $0.query(PostgresQuery(unsafeSQL: query)).count }
                    #expect(rows == primaryRows, "rows differ on the standby:\n\(query)")
                    if rows > 0 { answered += 1 }
                    // A column computed from the clock (now() - last_heartbeat_at) differs from one second to the next.
                    guard query.firstMatch(of: /now\(\) - (?!interval)/) == nil else { continue }
                    let answer = try await Self.answer(query, on: onStandby)
                    #expect(answer == (try await Self.answer(query, on: onPrimary)), "answers differ on the standby:\n\(query)")
                }

                // Runs, dead jobs, attempts, processes, the paused queue and the audit trail have answers, not only empty ones.
                #expect(answered >= 6, "only \(answered) of docs/sql.md's queries found rows")

                // Nothing listens where --database-url points: the commands read from --read-url alone.
                let nowhere = ["DATABASE_URL": "postgresql://postgres@127.0.0.1:1/postgres?connect_timeout=2"]
                let standbyURL = standby.configuration.with(user: "replica_ops").secretConnectionString
                for arguments in [
                    ["runs", "list"], ["runs", "show", String(runIDs[1])], ["campaign", "list"], ["campaign", "show", "ok"],
                    ["jobs", "dead"], ["jobs", "dead", "--run", String(runIDs[1])], ["audit", "list"], ["status"], ["status", "--json"],
                    ["report", "campaign", "ok"], ["report", "campaign", "ok", "--format", "csv"],
                ] {
                    let expected = try await BenefitProcess.run(arguments, environment: environment)
                    #expect(expected.exitCode == 0, "\(arguments): \(expected.standardError)")
                    let read = try await BenefitProcess.run(arguments + ["--read-url", standbyURL], environment: nowhere)
                    #expect(read.exitCode == 0, "\(arguments) --read-url: \(read.standardError)")
                    #expect(Self.withoutAges(read.standardOutput) == Self.withoutAges(expected.standardOutput), "\(arguments) --read-url")
                    let fromEnvironment = try await BenefitProcess.run(arguments, environment: nowhere.merging(["BENEFIT_READ_URL": standbyURL]) { $1 })
                    #expect(Self.withoutAges(fromEnvironment.standardOutput) == Self.withoutAges(expected.standardOutput), "\(arguments) $BENEFIT_READ_URL")
                }
                #expect(try await BenefitProcess.run(["runs", "list"], environment: environment).standardOutput.contains("failed"))

                // A write sent to the standby is refused, in one line that says why.
                let pause = try await BenefitProcess.run(
                    ["campaign", "pause", "ok", "--reason", "audit", "--database-url", standbyURL], environment: nowhere)
                #expect(pause.exitCode == 1)
                #expect(pause.standardError.contains("read-only transaction"), "\(pause.standardError)")
                #expect(pause.standardError.split(separator: "\n").count == 1, "\(pause.standardError)")
            }
        }
    }

    @Test("a session opened for --read-url refuses writes on a primary too")
    func readURLSessionsRefuseWrites() async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            var readOnly = configuration
            readOnly.readOnly = true
            let connection = try await PostgresConnection.connect(to: readOnly)
            let error = await #expect(throws: PostgresError.self) {
                try await connection.query("UPDATE benefit.campaign SET paused = true")
            }
            #expect(error?.sqlState == "25006", "\(String(describing: error))")
            #expect(try await connection.query("SELECT count(*) FROM benefit.campaign").single(Int.self) == 0)
        }
    }
}
