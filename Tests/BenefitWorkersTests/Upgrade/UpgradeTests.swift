import BenefitMigrations
import BenefitQueue
import BenefitScheduler
import BenefitTestSupport
import BenefitWorkers
import Foundation
import PostgresClient
import Subprocess
import SystemPackage
import Testing

/// A database migrated and filled by the release before 0009 (Tests/Fixtures/upgrade-0008.sql,
/// made by Tests/Fixtures/make-upgrade-0008.sh) upgrades to today's schema.
@Suite("Upgrade from 0008")
struct UpgradeTests {
    /// The views docs/sql.md documents: those granted to administrators.
    static let documentedViews = [
        "run_history", "jobs", "job_attempts", "dead_jobs", "campaigns", "members",
        "grants", "waitlist", "budgets", "appointments", "allocations",
    ]

    @Test("every documented view answers the same rows and columns after the upgrade; the queue's table keeps no run or campaign column")
    func viewsAnswerTheSameAfterUpgrade() async throws {
        try await TestDatabase.withFresh { configuration in
            let connection = try await Self.loadFixture(into: configuration)
            // The list above is every view the release before had for administrators.
            let adminViews = try await connection.query("""
                SELECT table_name::text FROM information_schema.role_table_grants
                WHERE table_schema = 'benefit' AND grantee = 'benefit_admin' AND privilege_type = 'SELECT' ORDER BY 1
                """).decode(String.self)
            #expect(adminViews == Self.documentedViews.sorted())
            var before: [String: String] = [:]
            var columnsBefore: [String: [String]] = [:]
            for view in Self.documentedViews {
                before[view] = try await Self.snapshot(view, on: connection)
                columnsBefore[view] = try await Self.columns(of: view, on: connection)
            }
            #expect(try await connection.query("SELECT count(*) FROM benefit.run_history").single(Int.self) == 9)

            let applied = try await Migrator(migrations: try Migration.bundled()).migrate(on: connection)
            #expect(applied.first?.version == 9, "applied: \(applied.map(\.fileName))")

            // Views may gain columns (docs/sql.md): the columns they had answer the same.
            for view in Self.documentedViews {
                let added = try await Self.columns(of: view, on: connection).filter { columnsBefore[view]?.contains($0) == false }
                let after = try await Self.snapshot(view, columns: added, on: connection)
                #expect(after == before[view], "benefit.\(view) changed in the upgrade")
            }
            let jobColumns = try await connection.query("""
                SELECT column_name FROM information_schema.columns WHERE table_schema = 'benefit' AND table_name = 'job'
                """).decode(String.self)
            for gone in ["run_id", "campaign_id", "members", "result_amount"] {
                #expect(!jobColumns.contains(gone), "benefit.job still has \(gone)")
            }
        }
    }

    @Test("runs in progress at the upgrade go on to their end on today's workers, each member served once")
    func runsInProgressFinishAfterUpgrade() async throws {
        try await TestDatabase.withFresh { configuration in
            let connection = try await Self.loadFixture(into: configuration)
            try await Migrator(migrations: try Migration.bundled()).migrate(on: connection)
            // The fixture's running batches are held by a worker killed with kill -9: let their leases run out.
            try await connection.query("UPDATE benefit.job SET lease_expires_at = now() - interval '1 second' WHERE state = 'running'")
            let unfinished = try await connection.query("""
                SELECT run_id, campaign FROM benefit.run_history WHERE state IN ('pending', 'running') ORDER BY run_id
                """).decode((Int, String).self)
            #expect(unfinished.map(\.1) == ["drill-running", "autumn-education"])

            let pool = PostgresPool(configuration: configuration, maxConnections: 12)
            defer { pool.close() }
            let finisher = RunFinisher(pool: pool, logger: TestDatabase.quietLogger)
            var workerConfiguration = Worker.Configuration.forTests(
                queues: ["drill-slow", "relief", "default"], name: "upgraded", concurrency: 4)
            workerConfiguration.observers = [finisher]
            let worker = Worker(
                pool: pool, registry: BenefitPrograms.registry(), configuration: workerConfiguration, logger: TestDatabase.quietLogger)
            let ended = try await withWorker(worker) {
                try await eventually(timeout: .seconds(60), every: .milliseconds(50)) {
                    try await finisher.finish()
                    return try await pool.query("""
                        SELECT count(*) FROM benefit.run WHERE id = ANY (\(unfinished.map(\.0))) AND state = 'succeeded'
                        """).single(Int.self) == 2
                }
            }
            #expect(ended, "the runs in progress did not finish")
            let summary = try #require(try await RunHistory.find(unfinished[0].0, on: pool))
            #expect(summary.batchesSucceeded == summary.batchesTotal)
            #expect(summary.membersDone == summary.membersTotal)
            // Each of the running run's members has exactly one drill effect, whichever release wrote it.
            let (effects, members) = try await pool.query("""
                SELECT count(*), count(DISTINCT member_id) FROM benefit.drill_effect WHERE run_id = \(unfinished[0].0)
                """).single((Int, Int).self)
            #expect(effects == summary.membersTotal)
            #expect(members == summary.membersTotal)
            // The relief run too: every member done, one grant or waitlist entry each.
            let relief = try #require(try await RunHistory.find(unfinished[1].0, on: pool))
            #expect(relief.batchesSucceeded == relief.batchesTotal)
            #expect(relief.membersDone == relief.membersTotal)
            let (served, distinct) = try await pool.query("""
                SELECT count(*), count(DISTINCT member_id) FROM (
                    SELECT member_id FROM benefit.grant WHERE run_id = \(unfinished[1].0)
                    UNION ALL
                    SELECT member_id FROM benefit.waitlist_entry WHERE run_id = \(unfinished[1].0)
                ) s
                """).single((Int, Int).self)
            #expect(served == relief.membersTotal && distinct == served, "\(served) effects, \(distinct) members, \(relief.membersTotal) in the run")
        }
    }

    /// Applies migrations 0001-0008 to an empty database and loads the fixture with psql,
    /// as its script checked it loads.
    static func loadFixture(into configuration: PostgresConfiguration) async throws -> PostgresConnection {
        let connection = try await PostgresConnection.connect(to: configuration)
        try await Migrator(migrations: try Migration.bundled().filter { $0.version <= 8 }).migrate(on: connection)
        let fixture = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/upgrade-0008.sql")
        let result = try await Subprocess.run(
            .name("psql"), arguments: ["-v", "ON_ERROR_STOP=1", "-q", "-X", "-f", fixture.path, try TestDatabase.url(of: configuration)],
            output: .discarded, error: .string(limit: 1 << 20))
        guard case .exited(0) = result.terminationStatus else {
            throw TestSetupError("psql could not load \(fixture.lastPathComponent): \(result.standardError)")
        }
        return connection
    }

    /// A view's columns with their types, and every row as JSON, in a fixed order;
    /// without the columns `leaving` out (those a later migration added).
    static func snapshot(_ view: String, columns leaving: [String] = [], on connection: PostgresConnection) async throws -> String {
        let columns = try await connection.query("""
            SELECT string_agg(column_name || ' ' || data_type, ', ' ORDER BY ordinal_position)
            FROM information_schema.columns
            WHERE table_schema = 'benefit' AND table_name = \(view) AND NOT column_name = ANY (\(leaving))
            """).single(String.self)
        let rows = try await connection.query("""
            SELECT coalesce(json_agg(to_jsonb(v) - \(leaving)::text[] ORDER BY (to_jsonb(v) - \(leaving)::text[])::text), '[]')::text
            FROM benefit.\(identifier: view) v
            """).single(String.self)
        return columns + "\n" + rows
    }

    /// A view's column names.
    static func columns(of view: String, on connection: PostgresConnection) async throws -> [String] {
        try await connection.query("""
            SELECT column_name::text FROM information_schema.columns WHERE table_schema = 'benefit' AND table_name = \(view)
            """).decode(String.self)
    }
}
