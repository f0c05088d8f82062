import BenefitCore
import BenefitQueue
import BenefitTestSupport
import Foundation
import PostgresClient
import Testing

/// The deployment docs/operations.md describes, with real processes and real
/// logins: operators' commands as a `benefit_operator` login, `benefit worker`
/// and `benefit scheduler` as a `benefit_worker` login, nothing as the owner.
@Suite("Least privilege: the commands under their roles")
struct LeastPrivilegeProcessTests {
    static let relief = #"{ season: winter-warmth, amounts: { "1": 2000, "2": 1200, "3": 800 }, budget: 48000 }"#

    /// Runs `benefit ARGUMENTS` as `login` and expects exit 0; returns its standard output.
    @discardableResult
    static func succeed(_ arguments: [String], as login: PostgresConfiguration) async throws -> String {
        let outcome = try await BenefitProcess.run(arguments, environment: ["DATABASE_URL": try TestDatabase.url(of: login)])
        #expect(outcome.exitCode == 0, "benefit \(arguments.joined(separator: " ")): \(outcome.standardError)")
        return outcome.standardOutput
    }

    @Test("operators set up, a scheduler and a worker logged in as benefit_worker alone run a relief campaign to the end")
    func workerLoginRunsACampaign() async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let owner = PostgresPool(configuration: configuration, maxConnections: 2)
            defer { owner.close() }
            try await TestDatabase.withLogins([.operator, .worker], on: configuration) { logins in
                let (operatorLogin, workerLogin) = (logins[.operator]!, logins[.worker]!)
                let roster = TemporaryFiles.path(named: "roster.csv"), units = TemporaryFiles.path(named: "units.csv")
                try await Self.succeed(
                    ["members", "generate", "--count", "400", "--seed", "7", "--out", roster, "--units-out", units], as: operatorLogin)
                try await Self.succeed(["members", "import", roster], as: operatorLogin)
                try await Self.succeed(["members", "units", units], as: operatorLogin)
                let campaign = try TemporaryFiles.write(CampaignText.yaml(
                    name: "winter-warmth", program: "seasonal-relief", cron: "0 9 * * *", batchSize: 50, parameters: Self.relief), named: "winter.yaml")
                try await Self.succeed(["campaign", "apply", campaign], as: operatorLogin)

                // The worker's credential applies nothing: one line, naming what it lacks.
                let another = try TemporaryFiles.write(CampaignText.yaml(name: "winter-extra", program: "seasonal-relief", parameters: Self.relief), named: "extra.yaml")
                let refused = try await BenefitProcess.run(
                    ["campaign", "apply", another], environment: ["DATABASE_URL": try TestDatabase.url(of: workerLogin)])
                #expect(refused.exitCode == 1)
                #expect(refused.standardError.contains("permission denied"), "\(refused.standardError)")
                #expect(refused.standardError.split(whereSeparator: \.isNewline).count == 1, "\(refused.standardError)")

                // The schedulers' clock, moved by the test: the 09:00 fire time has come.
                let clockFile = try TemporaryFiles.write("2030-06-01T09:00:30Z", named: "clock")
                try await owner.query("UPDATE benefit.campaign SET scheduled_through = timestamptz '2030-06-01 08:00:00+00'")
                let environment = ["DATABASE_URL": try TestDatabase.url(of: workerLogin)]
                let (state, workerPID) = try await withProcessGroup { (processes: ProcessGroup) async throws -> (String?, Int) in
                    let scheduler = await processes.start(
                        "lp-scheduler", ["scheduler", "--tick", "100ms", "--leader-lease", "2s", "--clock-file", clockFile], environment: environment)
                    let worker = await processes.start(
                        "lp-worker", ["worker", "--queues", "runs", "--concurrency", "4", "--poll-interval", "100ms"], environment: environment)
                    let ended = try await eventually(timeout: .seconds(90)) {
                        try await owner.query("SELECT count(*) FROM benefit.run WHERE state IN ('succeeded', 'failed', 'cancelled')").single(Int.self) == 1
                    }
                    #expect(ended, "scheduler: \(scheduler.logTail())\nworker: \(worker.logTail())")
                    // Both registered themselves, as the worker login.
                    #expect(try await owner.query(
                        "SELECT count(*) FROM benefit.processes WHERE state = 'running' AND db_user <> current_user").single(Int.self) == 2)
                    #expect(await processes.terminate(scheduler) == 0)
                    #expect(await processes.terminate(worker) == 0)
                    // Neither daemon met a refusal on the way.
                    for handle in [scheduler, worker] {
                        #expect(!handle.logTail(200).contains("permission denied"), "\(handle.name): \(handle.logTail())")
                    }
                    return (try await owner.query("SELECT state FROM benefit.run").first(String.self), Int(worker.processID ?? 0))
                }
                #expect(state == "succeeded")
                let (runs, fireTime, batches, attemptsByLogin) = try await owner.query("""
                    SELECT (SELECT count(*) FROM benefit.run), (SELECT min(fire_time) FROM benefit.run),
                           (SELECT max(batches_total) FROM benefit.run),
                           (SELECT count(*) FROM benefit.job_attempt WHERE outcome = 'succeeded' AND pid = \(workerPID))
                    """).single((Int, Date, Int, Int).self)
                #expect(runs == 1)
                #expect(fireTime == (try Date("2030-06-01T09:00:00Z", strategy: .iso8601)))
                // The planning job and every batch, all run by the worker login's process.
                #expect(batches >= 1 && attemptsByLogin == 1 + batches, "\(attemptsByLogin) attempts, \(batches) batches")
                let (budget, spent, granted, paid, both) = try await owner.query("""
                    SELECT b.budget, b.spent, (SELECT count(*) FROM benefit.grant), (SELECT coalesce(sum(amount), 0) FROM benefit.grant),
                           (SELECT count(*) FROM benefit.grant g JOIN benefit.waitlist_entry w USING (member_id))
                    FROM benefit.relief_budget b
                    """).single((Decimal, Decimal, Int, Decimal, Int).self)
                #expect(budget == 48_000)
                #expect(granted > 0 && granted < 400, "\(granted) grants")
                #expect(spent == paid && spent <= budget)
                #expect(both == 0)
            }
        }
    }

    @Test("a benefit_operator login alone applies, inspects, pauses, resumes, previews and triggers campaigns, and cancels and retries runs and jobs")
    func operatorCommandsWork() async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let owner = PostgresPool(configuration: configuration, maxConnections: 4)
            defer { owner.close() }
            try await TestDatabase.withLogins([.operator], on: configuration) { logins in
                let login = logins[.operator]!
                let campaign = try TemporaryFiles.write(CampaignText.yaml(
                    name: "fire-drill", program: "drill", cron: "0 9 * * *", batchSize: 10, parameters: "{ members: 30 }"), named: "drill.yaml")
                try await Self.succeed(["campaign", "apply", campaign], as: login)
                #expect(try await Self.succeed(["campaign", "list"], as: login).contains("fire-drill"))
                #expect(try await Self.succeed(["campaign", "show", "fire-drill"], as: login).contains("fire-drill"))
                #expect(try await Self.succeed(["campaign", "preview", "fire-drill"], as: login).contains("09:00"))
                try await Self.succeed(["campaign", "pause", "fire-drill", "--reason", "budget review"], as: login)
                #expect(try await owner.query("SELECT paused FROM benefit.campaign").single(Bool.self))
                try await Self.succeed(["campaign", "resume", "fire-drill"], as: login)
                #expect(try await owner.query("SELECT paused FROM benefit.campaign").single(Bool.self) == false)

                // A manual run: created with its planning job; then cancelled before any worker takes it.
                try await Self.succeed(["campaign", "trigger", "fire-drill"], as: login)
                let run = try await owner.query("SELECT id FROM benefit.run").single(Int.self)
                #expect(try await owner.query("SELECT count(*) FROM benefit.job WHERE group_key = \("run:\(run)")").single(Int.self) == 1)
                #expect(try await Self.succeed(["runs", "list"], as: login).contains("fire-drill"))
                #expect(try await Self.succeed(["runs", "show", "\(run)"], as: login).contains("fire-drill"))
                try await Self.succeed(["runs", "cancel", "\(run)", "--reason", "wrong cycle"], as: login)
                #expect(try await owner.query("SELECT cancel_requested FROM benefit.run").single(Bool.self))

                // Jobs: one to cancel, one that goes dead under a worker, retried.
                try await Self.succeed(["jobs", "enqueue", "probe", "--queue", "later"], as: login)
                try await Self.succeed(
                    ["jobs", "enqueue", "probe", "--queue", "op", "--max-attempts", "1", "--payload", #"{"failAttempts": 1, "permanent": true}"#],
                    as: login)
                let later = try await owner.query("SELECT id FROM benefit.job WHERE queue = 'later'").single(Int.self)
                try await Self.succeed(["jobs", "cancel", "\(later)", "--reason", "queued by mistake"], as: login)
                #expect(try await owner.query("SELECT state FROM benefit.job WHERE id = \(later)").single(String.self) == "cancelled")
                let worker = Worker(
                    pool: owner, registry: HandlerRegistry(DiagnosticHandlers.all),
                    configuration: .forTests(queues: ["op"], name: "op-worker"), logger: TestDatabase.quietLogger)
                let dead = try await withWorker(worker) {
                    try await eventually { try await owner.query("SELECT count(*) FROM benefit.job WHERE state = 'dead'").single(Int.self) == 1 }
                }
                #expect(dead)
                let deadJob = try await owner.query("SELECT id FROM benefit.job WHERE state = 'dead'").single(Int.self)
                #expect(try await Self.succeed(["jobs", "dead"], as: login).contains("\(deadJob)"))
                try await Self.succeed(["jobs", "retry", "\(deadJob)"], as: login)
                #expect(try await owner.query("SELECT state FROM benefit.job WHERE id = \(deadJob)").single(String.self) == "available")

                // The roster.
                let roster = TemporaryFiles.path(named: "roster.csv")
                try await Self.succeed(["members", "generate", "--count", "50", "--out", roster], as: login)
                try await Self.succeed(["members", "import", roster], as: login)
                #expect(try await owner.query("SELECT count(*) FROM benefit.member").single(Int.self) == 50)
                #expect(try await Self.succeed(["db", "status"], as: login).contains("0010_least_privilege"))
                #expect(try await Self.succeed(["status"], as: login).contains("QUEUES"))
            }
        }
    }

    @Test("benefit serve logged in as benefit_operator alone registers and serves its sign-in page")
    func consoleRunsAsAnOperator() async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            try await TestDatabase.withLogins([.operator], on: configuration) { logins in
                let port = try PortProbe.freePort()
                try await withProcessGroup { (processes: ProcessGroup) async throws in
                    let console = await processes.start(
                        "lp-console", ["serve", "--address", "127.0.0.1:\(port)"],
                        environment: ["DATABASE_URL": try TestDatabase.url(of: logins[.operator]!)])
                    #expect(try await eventually(timeout: .seconds(60)) {
                        let page = try? await HTTPProbe.get(port: port, path: "/login")
                        return page?.status == 200 && page?.body.contains("登录") == true
                    }, "\(console.logTail())")
                    let owner = PostgresPool(configuration: configuration, maxConnections: 1)
                    defer { owner.close() }
                    // Registering and serving start together: the row may follow the first page.
                    #expect(try await eventually {
                        try await owner.query("SELECT count(*) FROM benefit.processes WHERE role = 'console' AND state = 'running'").single(Int.self) == 1
                    })
                    #expect(await processes.terminate(console) == 0)
                    #expect(!console.logTail().contains("permission denied"), "\(console.logTail())")
                }
            }
        }
    }

    @Test("every command that touches the database names the role it needs in its --help", arguments: [
        (["campaign", "apply"], "benefit_operator"), (["campaign", "list"], "benefit_operator"), (["campaign", "show"], "benefit_operator"),
        (["campaign", "pause"], "benefit_operator"), (["campaign", "resume"], "benefit_operator"),
        (["campaign", "preview"], "benefit_operator"), (["campaign", "trigger"], "benefit_operator"),
        (["campaign", "backfill"], "benefit_operator"), (["campaign", "topup"], "benefit_operator"),
        (["aid", "apply"], "benefit_operator"), (["aid", "import"], "benefit_operator"), (["aid", "review"], "benefit_operator"),
        (["aid", "list"], "benefit_operator"), (["aid", "fund", "deposit"], "benefit_operator"), (["aid", "fund", "show"], "benefit_operator"),
        (["aid", "report"], "benefit_operator"),
        (["members", "import"], "benefit_operator"), (["members", "leave"], "benefit_operator"), (["members", "show"], "benefit_operator"),
        (["members", "units"], "benefit_operator"),
        (["runs", "list"], "benefit_operator"), (["runs", "show"], "benefit_operator"),
        (["runs", "watch"], "benefit_operator"), (["runs", "cancel"], "benefit_operator"), (["jobs", "enqueue"], "benefit_operator"),
        (["jobs", "dead"], "benefit_operator"), (["jobs", "retry"], "benefit_operator"), (["jobs", "cancel"], "benefit_operator"),
        (["jobs", "prune"], "benefit_operator"),
        (["audit", "list"], "benefit_operator"), (["worker"], "benefit_worker"), (["scheduler"], "benefit_worker"), (["db", "migrate"], "owner"),
        (["db", "status"], "benefit_operator"), (["status"], "benefit_operator"), (["serve"], "benefit_operator"),
        (["users", "add"], "benefit_operator"), (["users", "list"], "benefit_operator"), (["users", "disable"], "benefit_operator"),
        (["users", "passwd"], "benefit_operator"), (["queues", "list"], "benefit_operator"), (["queues", "pause"], "benefit_operator"),
        (["queues", "resume"], "benefit_operator"), (["report", "campaign"], "benefit_admin"),
    ])
    func helpNamesTheRole(_ command: [String], _ role: String) async throws {
        let help = try await BenefitProcess.run(command + ["--help"])
        #expect(help.exitCode == 0)
        let line = help.standardOutput.split(whereSeparator: \.isNewline).first { $0.contains("Database role:") }
        #expect(line?.contains(role) == true, "\(command): \(help.standardOutput)")
    }
}
