import BenefitMigrations
import BenefitQueue
import BenefitTestSupport
import Foundation
import PostgresClient
import Testing

/// Hosts upgraded one at a time (docs/operations.md, Upgrading hosts one at a
/// time): a `benefit worker` whose bundled migrations are behind the database's.
@Suite("Rolling upgrades")
struct RollingUpgradeTests {
    @Test("a worker one release behind starts on a schema that keeps it working; when a migration that does not lands, it finishes its job, exits with the line naming it, and does not start again")
    func workerBehindTheDatabase() async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let pool = PostgresPool(configuration: configuration, maxConnections: 2)
            defer { pool.close() }
            let queue = JobQueue(pool: pool)
            let newest = try #require(try Migration.bundled().last).version
            // The newer release's expanding migration: this release keeps working.
            try await pool.query("""
                INSERT INTO benefit.schema_migrations (version, name, checksum, applied_by, compatible_from)
                VALUES (\(newest + 1), 'expand_newer', repeat('ab', 32), 'newer@host', \(newest))
                """)
            let environment = ["DATABASE_URL": try TestDatabase.url(of: configuration)]
            let arguments = ["worker", "--queues", "upgrade", "--poll-interval", "100ms", "--process-heartbeat", "200ms"]
            try await withProcessGroup { (processes: ProcessGroup) async throws in
                let worker = await processes.start("upgrade-worker", arguments, environment: environment)
                // Long enough to be seen running, and still running when the contracting migration lands, on a loaded machine.
                let job = try await queue.enqueue(NewJob(kind: "probe", payload: #"{"ms": 8000}"#, queue: "upgrade")).id
                #expect(try await eventually { try await queue.state(of: job) == .running }, "\(worker.logTail())")
                #expect(worker.logTail().contains("a newer release migrated the database"))

                // The contracting migration lands while the job runs.
                let file = String(format: "%04d_contract_newer.sql", newest + 2)
                try await pool.query("""
                    INSERT INTO benefit.schema_migrations (version, name, checksum, applied_by)
                    VALUES (\(newest + 2), 'contract_newer', repeat('ab', 32), 'newer@host')
                    """)
                let code = await worker.waitForExit()
                #expect(code == 1)
                #expect(worker.logTail().contains("\(file), which this release"), "\(worker.logTail())")
                // It drained: the job it held finished, its effect written once.
                #expect(try await queue.state(of: job) == .succeeded)
                #expect(try await pool.query("SELECT count(*) FROM benefit.probe_effect WHERE job_id = \(job)").single(Int.self) == 1)

                // Restarted (systemd's Restart=always), it refuses at once with the same line.
                let again = try await BenefitProcess.run(arguments, environment: environment)
                #expect(again.exitCode == 1)
                #expect(again.standardError.contains("\(file), which this release"), "\(again.standardError)")
            }
        }
    }
}
