import BenefitQueue
import BenefitScheduler
import BenefitTestSupport
import Foundation
import PostgresClient
import Testing

/// `benefit queues pause|resume|list` as operators run them, against real
/// `benefit worker` processes and real logins.
@Suite("Queue pause: the commands and the workers")
struct QueuePauseProcessTests {
    private static func count(_ pool: PostgresPool, _ query: PostgresQuery) async throws -> Int {
        try await pool.query(query).single(Int.self)
    }

    /// Runs `benefit ARGUMENTS` and returns the outcome's exit code, standard output and standard error.
    private static func run(_ arguments: [String], _ environment: [String: String]) async throws -> BenefitProcess.Outcome {
        try await BenefitProcess.run(arguments, environment: environment)
    }

    @Test("pause seen by two worker processes: the queue's jobs stay available while both claim from another queue, the job running at the pause finishes, resume lets them all through")
    func pauseSeenByTwoWorkers() async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let pool = PostgresPool(configuration: configuration, maxConnections: 4)
            defer { pool.close() }
            let queue = JobQueue(pool: pool)
            let environment = ["DATABASE_URL": try TestDatabase.url(of: configuration)]
            func worker(_ name: String) -> [String] {
                ["worker", "--name", name, "--queues", "relief,beacon", "--concurrency", "2", "--poll-interval", "100ms", "--log-level", "warning"]
            }
            try await withProcessGroup { (processes: ProcessGroup) async throws in
                let first = await processes.start("pause-a", worker("pause-a"), environment: environment)
                let second = await processes.start("pause-b", worker("pause-b"), environment: environment)
                // A job that runs for seconds, claimed before the pause; its lease outlasts it
                // many times, so that a heartbeat late on a loaded machine cannot lose it.
                let long = try await queue.enqueue(NewJob(kind: "sleep", payload: #"{"ms": 6000}"#, queue: "relief", lease: .seconds(60))).id
                #expect(try await eventually { try await queue.state(of: long) == .running })

                let pause = try await Self.run(["queues", "pause", "relief", "--reason", "bank file under review"], environment)
                #expect(pause.exitCode == 0, "\(pause.standardError)")
                #expect(pause.standardOutput.contains("queue relief paused") && pause.standardOutput.contains("1 job running on it will finish"))

                // Jobs enqueued after the pause wait; then jobs on another queue both workers
                // serve, enqueued after them: every claim that takes one of these ran after
                // the paused jobs were due (and earlier in claim order), and passed them by.
                try await queue.enqueueBulk((0..<20).map { _ in NewJob(kind: "noop", queue: "relief") })
                try await queue.enqueueBulk((0..<20).map { _ in NewJob(kind: "sleep", payload: #"{"ms": 100}"#, queue: "beacon") })
                #expect(try await eventually(timeout: .seconds(60)) {
                    try await Self.count(pool, "SELECT count(*) FROM benefit.job WHERE queue = 'beacon' AND state = 'succeeded'") == 20
                })
                let beaconWorkers = try await pool.query("""
                    SELECT DISTINCT a.worker FROM benefit.job_attempt a JOIN benefit.job j ON j.id = a.job_id
                    WHERE j.queue = 'beacon' ORDER BY a.worker
                    """).decode(String.self)
                #expect(beaconWorkers == ["pause-a", "pause-b"], "both workers claimed after the pause")
                let (waiting, attempts) = try await pool.query("""
                    SELECT count(*) FILTER (WHERE j.state = 'available'),
                           (SELECT count(*) FROM benefit.job_attempt a JOIN benefit.job k ON k.id = a.job_id
                            WHERE k.queue = 'relief' AND k.id <> \(long))
                    FROM benefit.job j WHERE j.queue = 'relief' AND j.id <> \(long)
                    """).single((Int, Int).self)
                #expect(waiting == 20)
                #expect(attempts == 0, "no worker claimed a job of the paused queue")

                // The job running at the pause finished under it, by its first attempt.
                #expect(try await eventually { try await queue.state(of: long) == .succeeded })
                let (attemptsOfLong, acrossThePause) = try await pool.query("""
                    SELECT count(*), bool_and(a.started_at < p.paused_at AND a.finished_at > p.paused_at)
                    FROM benefit.job_attempt a, benefit.queue_pause p WHERE a.job_id = \(long) AND p.queue = 'relief'
                    """).single((Int, Bool).self)
                #expect(attemptsOfLong == 1 && acrossThePause)

                // queues list: the pause with who and why, and the two workers on it.
                let list = try await Self.run(["queues", "list", "--json"], environment)
                #expect(list.exitCode == 0, "\(list.standardError)")
                let decoder = JSONDecoder()
                decoder.dateDecodingStrategy = .iso8601
                let summaries = try decoder.decode([QueueSummary].self, from: Data(list.standardOutput.utf8))
                let relief = try #require(summaries.first { $0.queue == "relief" })
                #expect(relief.depth.available == 20 && relief.workers == 2)
                #expect(relief.pause?.reason == "bank file under review")
                #expect(relief.pause?.pausedBy.isEmpty == false)
                #expect(summaries.first { $0.queue == "beacon" }?.pause == nil)
                let table = try await Self.run(["queues", "list"], environment)
                #expect(table.standardOutput.contains("paused") && table.standardOutput.contains(": bank file under review"), "\(table.standardOutput)")

                let resume = try await Self.run(["queues", "resume", "relief"], environment)
                #expect(resume.exitCode == 0, "\(resume.standardError)")
                #expect(try await eventually(timeout: .seconds(60)) {
                    try await Self.count(pool, "SELECT count(*) FROM benefit.job WHERE queue = 'relief' AND state = 'succeeded'") == 21
                })
                #expect(await processes.terminate(first) == 0)
                #expect(await processes.terminate(second) == 0)
            }
            let actions = try await pool.query("SELECT action FROM benefit.audit ORDER BY audit_id").decode(String.self)
            #expect(actions == ["queue.pause", "queue.resume"])
        }
    }

    @Test("a worker login can neither pause nor resume a queue, nor hold or release a group, by hand-written SQL; an operator login pauses and resumes through the command")
    func onlyOperatorsPause() async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let owner = PostgresPool(configuration: configuration, maxConnections: 1)
            defer { owner.close() }
            try await TestDatabase.withLogins([.operator, .worker], on: configuration) { logins in
                let (operatorLogin, workerLogin) = (logins[.operator]!, logins[.worker]!)
                let asOperator = ["DATABASE_URL": try TestDatabase.url(of: operatorLogin)]
                let asWorker = ["DATABASE_URL": try TestDatabase.url(of: workerLogin)]

                let refused = try await Self.run(["queues", "pause", "relief", "--reason", "mine now"], asWorker)
                #expect(refused.exitCode == 1)
                #expect(refused.standardError.contains("permission denied"), "\(refused.standardError)")
                #expect(refused.standardError.split(whereSeparator: \.isNewline).count == 1, "\(refused.standardError)")

                let paused = try await Self.run(["queues", "pause", "relief", "--reason", "bank file under review"], asOperator)
                #expect(paused.exitCode == 0, "\(paused.standardError)")
                let worker = try await PostgresConnection.connect(to: workerLogin)
                for statement: PostgresQuery in [
                    "SELECT benefit.resume_queue('relief')",
                    "SELECT benefit.pause_queue('other', 'mine', 'me@host')",
                    "DELETE FROM benefit.queue_pause",
                    "UPDATE benefit.queue_pause SET reason = 'changed'",
                    "INSERT INTO benefit.queue_pause (queue, reason, paused_by) VALUES ('other', 'mine', 'me@host')",
                    "SELECT benefit.hold_job_groups(ARRAY['run:1'])",
                    "SELECT benefit.release_job_groups(ARRAY['run:1'])",
                    "INSERT INTO benefit.job_group_hold (group_key) VALUES ('run:1')",
                    "DELETE FROM benefit.job_group_hold",
                ] {
                    let error = await #expect(throws: PostgresError.self, "\(statement.sql)") { try await worker.query(statement) }
                    #expect(error?.sqlState == "42501", "\(statement.sql): \(error?.description ?? "")")
                }
                // Still paused, by the operator's login; workers may read that it is.
                #expect(try await worker.query("SELECT count(*) FROM benefit.paused_queues WHERE queue = 'relief'").single(Int.self) == 1)
                let pausedBy = try await owner.query("SELECT db_user FROM benefit.queue_pause").single(String.self)
                #expect(pausedBy == operatorLogin.parameter("user"))

                let resumed = try await Self.run(["queues", "resume", "relief", "--reason", "file checked"], asOperator)
                #expect(resumed.exitCode == 0, "\(resumed.standardError)")
                #expect(try await Self.count(owner, "SELECT count(*) FROM benefit.queue_pause") == 0)
                let audit = try await owner.query("SELECT action, db_user FROM benefit.audit ORDER BY audit_id").decode((String, String).self)
                #expect(audit.map(\.0) == ["queue.pause", "queue.resume"])
                #expect(audit.allSatisfy { $0.1 == operatorLogin.parameter("user") })
            }
        }
    }

    @Test("bad input is refused in one line naming what and where, and writes nothing; status shows a paused queue as paused, not as one no worker claims")
    func refusalsAndStatus() async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let pool = PostgresPool(configuration: configuration, maxConnections: 1)
            defer { pool.close() }
            let environment = ["DATABASE_URL": try TestDatabase.url(of: configuration)]
            for (arguments, code, message) in [
                (["queues", "pause", "relief"], Int32(64), "Error: Missing expected argument '--reason <reason>'"),
                (["queues", "pause", "relief", "--reason", " "], 64, "Error: --reason: empty; say why the queue is paused"),
                (["queues", "pause", "Relief!", "--reason", "why"], 64, "Error: NAME: \"Relief!\" is not a valid name"),
                (["queues", "resume", "relief"], 1, "Error: queue relief is not paused (benefit queues list shows the paused ones)"),
            ] {
                let outcome = try await Self.run(arguments, environment)
                #expect(outcome.exitCode == code, "\(arguments): \(outcome.standardError)")
                #expect(outcome.standardError.split(separator: "\n").first?.hasPrefix(message) == true, "\(arguments): \(outcome.standardError)")
            }
            let resumeError = try await Self.run(["queues", "resume", "relief"], environment).standardError
            #expect(resumeError.split(whereSeparator: \.isNewline).count == 1, "\(resumeError)")
            #expect(try await Self.count(pool, "SELECT (SELECT count(*) FROM benefit.queue_pause) + (SELECT count(*) FROM benefit.audit_event)") == 0)

            // Three jobs due on a queue no worker serves, paused: no warning that nobody claims them.
            try await JobQueue(pool: pool).enqueueBulk((0..<3).map { _ in NewJob(kind: "noop", queue: "relief") })
            #expect(try await Self.run(["queues", "pause", "relief", "--reason", "bank file under review"], environment).exitCode == 0)
            let again = try await Self.run(["queues", "pause", "relief", "--reason", "twice"], environment)
            #expect(again.exitCode == 1)
            #expect(again.standardError.hasPrefix("Error: queue relief is already paused (") && again.standardError.contains(": bank file under review)"))
            #expect(again.standardError.split(whereSeparator: \.isNewline).count == 1, "\(again.standardError)")

            let json = try await Self.run(["status", "--json"], environment)
            #expect(json.exitCode == 0, "\(json.standardError)")
            let decoder = JSONDecoder()
            decoder.dateDecodingStrategy = .iso8601
            let status = try decoder.decode(OperationsStatus.self, from: Data(json.standardOutput.utf8))
            #expect(status.pausedQueues.map(\.queue) == ["relief"])
            #expect(status.pausedQueues.first?.reason == "bank file under review")
            #expect(status.queues.first { $0.queue == "relief" }?.available == 3)
            #expect(!status.warnings.contains { $0.contains("relief") }, "\(status.warnings)")
            let text = try await Self.run(["status"], environment)
            #expect(text.standardOutput.contains("PAUSED") && text.standardOutput.contains("ago by"), "\(text.standardOutput)")
            #expect(text.standardOutput.contains(": bank file under review"))

            // Resumed, the queue with nobody on it is warned of again.
            #expect(try await Self.run(["queues", "resume", "relief"], environment).exitCode == 0)
            let after = try await Self.run(["status", "--json"], environment)
            #expect(after.standardOutput.contains("queue relief has 3 jobs due and no running worker claims from it"))
        }
    }
}
