import BenefitCore
import BenefitTestSupport
import Foundation
import PostgresClient
import Testing

@Suite("Pruning finished jobs from the command line")
struct JobPruneProcessTests {
    /// `count` probes run to success by a worker process, then dated `daysAgo` days back.
    static func finishedProbes(_ count: Int, daysAgo: Int, pool: PostgresPool, environment: [String: String]) async throws {
        let enqueue = try await BenefitProcess.run(
            ["jobs", "enqueue", "probe", "--queue", "old", "--count", "\(count)"], environment: environment)
        #expect(enqueue.exitCode == 0, "\(enqueue.standardError)")
        try await withProcessGroup { (processes: ProcessGroup) async throws in
            let worker = await processes.start("w", ["worker", "--queues", "old", "--name", "w", "--log-level", "warning"], environment: environment)
            #expect(try await eventually {
                try await pool.query("SELECT count(*) FROM benefit.job WHERE state = 'succeeded'").single(Int.self) == count
            })
            #expect(await processes.terminate(worker) == 0)
        }
        try await pool.query("UPDATE benefit.job SET finished_at = finished_at - \(daysAgo)::integer * interval '1 day'")
    }

    @Test("jobs prune as benefit_operator: a dry run counts and keeps, a prune deletes and says what; a bad duration is a usage error")
    func operatorPrunes() async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let pool = PostgresPool(configuration: configuration, maxConnections: 4)
            try await TestDatabase.withLogins([.operator, .worker], on: configuration) { logins in
                let operatorEnvironment = ["DATABASE_URL": try TestDatabase.url(of: logins[.operator]!)]
                try await Self.finishedProbes(3, daysAgo: 100, pool: pool, environment: ["DATABASE_URL": try TestDatabase.url(of: logins[.worker]!)])

                let dry = try await BenefitProcess.run(["jobs", "prune", "--older-than", "90d", "--dry-run"], environment: operatorEnvironment)
                #expect(dry.exitCode == 0, "\(dry.standardError)")
                #expect(dry.standardOutput.hasPrefix("dry run: 3 jobs finished before "))
                #expect(dry.standardOutput.contains("and 3 attempts would be deleted; nothing was deleted"))
                #expect(try await pool.query("SELECT count(*) FROM benefit.job").single(Int.self) == 3)

                let pruned = try await BenefitProcess.run(["jobs", "prune", "--older-than", "90d", "--chunk", "2"], environment: operatorEnvironment)
                #expect(pruned.exitCode == 0, "\(pruned.standardError)")
                #expect(pruned.standardOutput.hasPrefix("deleted 3 jobs finished before "))
                #expect(try await pool.query("SELECT count(*) FROM benefit.job").single(Int.self) == 0)
                #expect(try await pool.query("SELECT count(*) FROM benefit.probe_effect").single(Int.self) == 3)
                #expect(try await pool.query("SELECT count(*) FROM benefit.audit_event WHERE action = 'job.prune'").single(Int.self) == 2)

                let bad = try await BenefitProcess.run(["jobs", "prune", "--older-than", "5m"], environment: operatorEnvironment)
                #expect(bad.exitCode == 64)
                #expect(bad.standardError.contains("--older-than"))
            }
        }
    }

    @Test("benefit scheduler --retention, as benefit_worker: the leader prunes jobs finished before the retention, and keeps the rest")
    func schedulerLeaderPrunes() async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let pool = PostgresPool(configuration: configuration, maxConnections: 4)
            try await TestDatabase.withLogins([.worker], on: configuration) { logins in
                let environment = ["DATABASE_URL": try TestDatabase.url(of: logins[.worker]!)]
                try await Self.finishedProbes(4, daysAgo: 3, pool: pool, environment: environment)
                // One finished just now: younger than the retention, it stays.
                try await pool.query("UPDATE benefit.job SET finished_at = now() WHERE id = (SELECT min(id) FROM benefit.job)")
                try await withProcessGroup { (processes: ProcessGroup) async throws in
                    let arguments = ["scheduler", "--name", "s", "--tick", "100ms", "--leader-lease", "2s",
                                     "--retention", "2d", "--retention-interval", "1s", "--log-level", "warning"]
                    let scheduler = await processes.start("s", arguments, environment: environment)
                    #expect(try await eventually(timeout: .seconds(30)) {
                        try await pool.query("SELECT count(*) FROM benefit.job").single(Int.self) == 1
                    })
                    #expect(await processes.terminate(scheduler) == 0)
                }
                #expect(try await pool.query("SELECT count(*) FROM benefit.job_attempt").single(Int.self) == 1)
                #expect(try await pool.query("SELECT count(*) FROM benefit.probe_effect").single(Int.self) == 4)
            }
        }
    }
}
