import BenefitAudit
import BenefitQueue
import BenefitScheduler
import BenefitTestSupport
import Foundation
import PostgresClient
import Testing

/// `benefit campaign pause --hold-runs` on a real run, with a real worker process.
@Suite("Held runs: campaign pause --hold-runs")
struct HeldRunProcessTests {
    private static func count(_ pool: PostgresPool, _ query: PostgresQuery) async throws -> Int {
        try await pool.query(query).single(Int.self)
    }

    @Test("a held run's remaining batches wait while the worker claims elsewhere; status and runs watch show it held; resume finishes it with every member served once")
    func holdRunsWaitsUntilResume() async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let pool = PostgresPool(configuration: configuration, maxConnections: 4)
            defer { pool.close() }
            // 16 members in 8 batches of 2, each batch 700 ms: seconds of work for one slot.
            try await CommandFixtures.apply(CampaignText.yaml(
                name: "held-drill", program: "drill", batchSize: 2, queue: "held-runs", parameters: "{ members: 16, sleepMs: 700 }"), on: pool)
            let environment = ["DATABASE_URL": try TestDatabase.url(of: configuration)]
            let runID = try #require(try await CampaignStore.trigger("held-drill", at: Date(), by: "test@host", on: pool))
            let group = "run:\(runID)"
            let batches: PostgresQuery = "SELECT count(*) FROM benefit.run_batch WHERE run_id = \(runID) AND done_at IS NOT NULL"
            let groupAttempts: PostgresQuery = """
                SELECT count(*) FROM benefit.job_attempt a JOIN benefit.job j ON j.id = a.job_id WHERE j.group_key = \(group)
                """
            try await withProcessGroup { (processes: ProcessGroup) async throws in
                let worker = await processes.start(
                    "held-worker",
                    ["worker", "--name", "held-worker", "--queues", "held-runs,beacon", "--concurrency", "1", "--poll-interval", "100ms",
                     "--log-level", "warning"],
                    environment: environment)
                #expect(try await eventually(timeout: .seconds(60)) { try await Self.count(pool, batches) >= 1 })

                // No batch can commit its effects while this lock is held, so the pause
                // comes before the run ends however slowly the command starts.
                let stall = try await PostgresConnection.connect(to: configuration)
                try await stall.query("BEGIN")
                try await stall.query("LOCK TABLE benefit.drill_effect IN EXCLUSIVE MODE")
                let pause = try await BenefitProcess.run(
                    ["campaign", "pause", "held-drill", "--reason", "recount the list", "--hold-runs"], environment: environment)
                try await stall.query("COMMIT")
                #expect(pause.exitCode == 0, "\(pause.standardError)")
                #expect(pause.standardOutput.contains("runs held until it is resumed: \(runID)"), "\(pause.standardOutput)")

                // The batch running at the pause ends; then nothing more of the run starts.
                #expect(try await eventually(timeout: .seconds(30)) {
                    try await Self.count(pool, "SELECT count(*) FROM benefit.job WHERE group_key = \(group) AND state = 'running'") == 0
                })
                let (done, attempts) = (try await Self.count(pool, batches), try await Self.count(pool, groupAttempts))
                #expect(done < 8, "the run finished before the pause came")
                // A job on the worker's other queue, enqueued after that: the claim that takes
                // it comes after the held batches were due, ahead of it in claim order.
                let beacon = try await JobQueue(pool: pool).enqueue(NewJob(kind: "noop", queue: "beacon")).id
                #expect(try await eventually(timeout: .seconds(30)) { try await JobQueue(pool: pool).state(of: beacon) == .succeeded })
                #expect(try await Self.count(pool, batches) == done)
                #expect(try await Self.count(pool, groupAttempts) == attempts, "no held batch was claimed")
                #expect(try await Self.count(pool, "SELECT count(*) FROM benefit.job WHERE group_key = \(group) AND state = 'available'") == 8 - done)

                // Status: the run is held and, however long since its last batch, not warned of.
                #expect(try await eventually {
                    try await pool.query("SELECT now() - max(done_at) > interval '1 second' FROM benefit.run_batch WHERE run_id = \(runID)").single(Bool.self)
                })
                let json = try await BenefitProcess.run(["status", "--json", "--stalled-after", "1s"], environment: environment)
                let decoder = JSONDecoder()
                decoder.dateDecodingStrategy = .iso8601
                let status = try decoder.decode(OperationsStatus.self, from: Data(json.standardOutput.utf8))
                #expect(status.runs.map(\.phase) == [.held])
                #expect(status.runs.first?.phaseText.hasPrefix("held for ") == true)
                #expect(!status.warnings.contains { $0.contains("not progressing") }, "\(status.warnings)")
                let watch = await processes.start("held-watch", ["runs", "watch", String(runID), "--every", "100ms"], environment: environment)
                #expect(try await eventually { watch.output().contains("run \(runID) held: batches \(done) succeeded") }, "\(watch.output())")

                let resume = try await BenefitProcess.run(["campaign", "resume", "held-drill"], environment: environment)
                #expect(resume.exitCode == 0, "\(resume.standardError)")
                #expect(resume.standardOutput.contains("held runs go on: \(runID)"))
                #expect(await watch.waitForExit() == 0, "runs watch ends 0 with the run succeeded")
                #expect(watch.output().contains("run \(runID) succeeded: batches 8 succeeded, 0 dead of 8"), "\(watch.output())")
                #expect(await processes.terminate(worker) == 0)
            }
            // The same results as a run never held: every member once, every batch by one attempt.
            let (state, membersDone, effects, members) = try await pool.query("""
                SELECT r.state, r.members_done, (SELECT count(*) FROM benefit.drill_effect),
                       (SELECT count(DISTINCT member_id) FROM benefit.drill_effect)
                FROM benefit.run_history r WHERE r.run_id = \(runID)
                """).single((String, Int, Int, Int).self)
            #expect(state == "succeeded")
            #expect(membersDone == 16 && effects == 16 && members == 16)
            #expect(try await Self.count(pool, "SELECT count(*) FROM benefit.job WHERE group_key = \(group) AND attempt <> 1") == 0)
            #expect(try await JobQueue(pool: pool).heldGroups().isEmpty)

            let events = try await AuditTrail.events(AuditFilter(target: "held-drill"), on: pool).reversed().filter { $0.action != .campaignApply }
            #expect(events.map(\.action) == [.campaignTrigger, .campaignPause, .campaignResume])
            #expect(events.dropFirst().first?.details == ["heldRuns": 1, "runs": .text(String(runID))])
            #expect(events.last?.details == ["releasedRuns": 1, "runs": .text(String(runID))])
        }
    }
}
