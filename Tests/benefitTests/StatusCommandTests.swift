import BenefitCore
import BenefitQueue
import BenefitScheduler
import BenefitTestSupport
import Foundation
import PostgresClient
import Testing

/// `benefit status` and `runs watch` as an operator runs them, with the daemons in processes of their own.
@Suite("Status command")
struct StatusCommandTests {
    private static func status(_ environment: [String: String], _ arguments: [String] = []) async throws -> OperationsStatus {
        let outcome = try await BenefitProcess.run(["status", "--json"] + arguments, environment: environment)
        try #require(outcome.exitCode == 0, "\(outcome.standardError)")
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try decoder.decode(OperationsStatus.self, from: Data(outcome.standardOutput.utf8))
    }

    @Test("warns of no leader, an unclaimed queue and a run nobody plans; all clear once a scheduler and a worker run")
    func warningsClearWhenTheDaemonsRun() async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let pool = PostgresPool(configuration: configuration, maxConnections: 2)
            defer { pool.close() }
            try await CommandFixtures.apply(CampaignText.yaml(
                name: "status-drill", program: "drill", queue: "status-runs", parameters: "{ members: 3 }"), on: pool)
            let environment = ["DATABASE_URL": try TestDatabase.url(of: configuration)]
            let trigger = try await BenefitProcess.run(["campaign", "trigger", "status-drill"], environment: environment)
            #expect(trigger.exitCode == 0, "\(trigger.standardError)")
            try await JobQueue(pool: pool).enqueueBulk((0..<2).map { _ in NewJob(kind: "noop", queue: "status-orphan") })

            // The run's planning job waits for a worker: warned of once it has waited --stalled-after.
            var before: OperationsStatus?
            #expect(try await eventually(timeout: .seconds(30)) {
                before = try await Self.status(environment, ["--stalled-after", "1s"])
                return before?.warnings.contains { $0.contains("for a worker to plan it") } == true
            })
            let quiet = try #require(before)
            #expect(quiet.leader == nil)
            #expect(quiet.processes.isEmpty)
            #expect(quiet.warnings.contains { $0.hasPrefix("no scheduler leads") })
            #expect(quiet.warnings.contains("queue status-orphan has 2 jobs due and no running worker claims from it"))
            #expect(quiet.queues.first { $0.queue == "status-orphan" }?.available == 2)
            #expect(quiet.runs.map(\.phase) == [.waitingToPlan])

            try await withProcessGroup { (processes: ProcessGroup) async throws in
                let beat = ["--process-heartbeat", "100ms", "--log-level", "warning"]
                await processes.start("status-scheduler", ["scheduler", "--name", "status-scheduler", "--tick", "100ms"] + beat, environment: environment)
                await processes.start(
                    "status-worker", ["worker", "--name", "status-worker", "--queues", "status-runs,status-orphan", "--poll-interval", "100ms"] + beat,
                    environment: environment)
                var after: OperationsStatus?
                #expect(try await eventually(timeout: .seconds(60)) {
                    after = try await Self.status(environment)
                    return after?.warnings.isEmpty == true && after?.runs.isEmpty == true && after?.queues.allSatisfy { $0.available == 0 && $0.running == 0 } == true
                })
                let busy = try #require(after)
                #expect(busy.leader == "status-scheduler")
                #expect(Set(busy.processes.map(\.name)) == ["status-scheduler", "status-worker"])
                #expect(busy.processes.allSatisfy { $0.state == .running && $0.version == BenefitVersion.current })

                let text = try await BenefitProcess.run(["status"], environment: environment)
                #expect(text.exitCode == 0)
                #expect(text.standardOutput.contains("PROCESSES (leader: status-scheduler)"))
                #expect(text.standardOutput.contains("status-worker"))
                #expect(!text.standardOutput.contains("WARNINGS"))
            }
            #expect(try await pool.query("SELECT state FROM benefit.run").single(String.self) == "succeeded")
        }
    }

    @Test("a run being planned says so in status and runs watch, with how long")
    func planningIsShown() async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let pool = PostgresPool(configuration: configuration, maxConnections: 2)
            defer { pool.close() }
            try await CommandFixtures.apply(CampaignText.yaml(
                name: "status-plan", program: "drill", queue: "status-plan", parameters: "{ members: 3 }"), on: pool)
            let runID = try await CampaignStore.trigger("status-plan", at: Date(), by: "test@host", on: pool)
            // A worker has claimed the planning job and not committed it yet.
            let claimed = try await JobQueue(pool: pool).claim(queues: ["status-plan"], limit: 1, worker: WorkerIdentity(name: "planner"))
            #expect(claimed.map(\.kind) == ["campaign.plan"])
            let environment = ["DATABASE_URL": try TestDatabase.url(of: configuration)]

            let status = try await Self.status(environment)
            let activity = try #require(status.runs.first)
            #expect(activity.run.runID == runID)
            #expect(activity.phase == .planning)
            #expect(activity.phaseText.hasPrefix("planning for "))

            try await withProcessGroup { (processes: ProcessGroup) async throws in
                let watch = await processes.start("status-watch", ["runs", "watch", String(runID ?? 0)], environment: environment)
                #expect(try await eventually(timeout: .seconds(30)) { watch.output().contains("run \(runID ?? 0) pending: planning") })
                #expect(!watch.output().contains("batches 0/0"))
            }
        }
    }

    @Test("a running run with no batch finished for --stalled-after is warned of")
    func stalledRunIsWarnedOf() async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let pool = PostgresPool(configuration: configuration, maxConnections: 2)
            defer { pool.close() }
            try await CommandFixtures.apply(CampaignText.yaml(
                name: "status-stall", program: "drill", queue: "status-stall", parameters: "{ members: 3 }"), on: pool)
            let runID = try #require(try await CampaignStore.trigger("status-stall", at: Date(), by: "test@host", on: pool))
            // As if planned 20 minutes ago, with nothing done since (the owner may write what no role can).
            try await pool.query("""
                UPDATE benefit.run SET state = 'running', started_at = now() - interval '20 minutes', batches_total = 1, members_total = 3
                WHERE id = \(runID)
                """)
            let environment = ["DATABASE_URL": try TestDatabase.url(of: configuration)]
            let status = try await Self.status(environment, ["--stalled-after", "10m"])
            #expect(status.runs.map(\.phase) == [.running])
            #expect(status.warnings.contains("run \(runID) (status-stall) is not progressing: no batch finished for 20m"))
            let patient = try await Self.status(environment, ["--stalled-after", "30m"])
            #expect(!patient.warnings.contains { $0.contains("not progressing") })
        }
    }
}
