import BenefitCore
import BenefitQueue
import BenefitTestSupport
import BenefitTools
import BenefitWorkers
import Foundation
import PostgresClient
import Testing

/// The benchmark commands, run small: they work end to end and print what they promise.
@Suite("Bench commands")
struct BenchCommandTests {
    @Test("a probe with clock: true records when its handler started, on the machine's monotonic clock, in a worker process")
    func probeRecordsItsHandlersStart() async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let pool = PostgresPool(configuration: configuration, maxConnections: 2)
            defer { pool.close() }
            let queue = JobQueue(pool: pool)
            let environment = ["DATABASE_URL": try TestDatabase.url(of: configuration)]
            try await withProcessGroup { (processes: ProcessGroup) async throws in
                await processes.start("clock-worker", ["worker", "--queues", "clock", "--log-level", "warning"], environment: environment)
                let before = MonotonicClock.nanoseconds()
                let (id, _) = try await queue.enqueue(NewJob(kind: "probe", payload: #"{"clock": true}"#, queue: "clock"))
                #expect(try await eventually(timeout: .seconds(60)) { try await queue.state(of: id) == .succeeded })
                let after = MonotonicClock.nanoseconds()
                let started = try await pool.query("SELECT handler_started_ns FROM benefit.probe_effect WHERE job_id = \(id)")
                    .single(Int64.self)
                // Read in another process, after the enqueue began and before the job was seen done.
                #expect(started > before && started < after, "\(before) \(started) \(after)")
                // Without clock: true, no reading.
                let (plain, _) = try await queue.enqueue(NewJob(kind: "probe", queue: "clock"))
                #expect(try await eventually(timeout: .seconds(60)) { try await queue.state(of: plain) == .succeeded })
                #expect(try await pool.query("SELECT count(*) FROM benefit.probe_effect WHERE job_id = \(plain) AND handler_started_ns IS NULL")
                    .single(Int.self) == 1)
            }
        }
    }

    @Test("bench queue works through its jobs with real workers and prints both pickup figures")
    func benchQueuePrintsItsFigures() async throws {
        let server = try TestDatabase.server()
        let outcome = try await BenefitProcess.run(
            ["bench", "queue", "--jobs", "400", "--workers", "1", "--concurrency", "10", "--latency-samples", "3", "--json",
             "--log-level", "warning"],
            environment: ["DATABASE_URL": server.secretConnectionString])
        try #require(outcome.exitCode == 0, "\(outcome.standardError)")
        let report = try JSONDecoder().decode(QueueBenchmark.Report.self, from: Data(outcome.standardOutput.utf8))
        #expect(report.throughput.succeeded == 400)
        #expect(report.pickup.samples == 3)
        let handler = report.pickup.commitToHandler
        #expect(handler.p50 > 0 && handler.p50 <= handler.p90 && handler.p90 <= handler.p99 && handler.p99 <= handler.max)
        #expect(report.pickup.p50Milliseconds > 0)
        #expect(report.machine == BenchMachine.current())
    }

    @Test("bench claim times claims at each backlog, smallest first; a backlog too small for the rounds is a usage error")
    func benchClaimTimesEachBacklog() async throws {
        let environment = ["DATABASE_URL": try TestDatabase.server().secretConnectionString]
        let outcome = try await BenefitProcess.run(
            ["bench", "claim", "--backlog", "500", "--backlog", "200", "--rounds", "10", "--limit", "5", "--json", "--log-level", "warning"],
            environment: environment)
        try #require(outcome.exitCode == 0, "\(outcome.standardError)")
        let report = try JSONDecoder().decode(ClaimBenchmark.Report.self, from: Data(outcome.standardOutput.utf8))
        #expect(report.backlogs.map(\.queued) == [200, 500])
        #expect(report.backlogs.allSatisfy { $0.times.claimP50Milliseconds > 0 && $0.times.claimP50Milliseconds <= $0.times.claimP99Milliseconds })
        #expect(report.machine == BenchMachine.current())
        // As lines: the server and the machine first, then the table.
        let lines = try await BenefitProcess.run(
            ["bench", "claim", "--backlog", "100", "--rounds", "10", "--limit", "5", "--log-level", "warning"], environment: environment)
        try #require(lines.exitCode == 0, "\(lines.standardError)")
        let header = lines.standardOutput.split(separator: "\n").prefix(2).map(String.init)
        #expect(header.first?.hasPrefix("PostgreSQL ") == true, "\(lines.standardOutput)")
        #expect(header.last == "machine           \(BenchMachine.current().description)", "\(lines.standardOutput)")
        let small = try await BenefitProcess.run(["bench", "claim", "--backlog", "100", "--rounds", "100", "--limit", "10"], environment: environment)
        #expect(small.exitCode == 64)
        #expect(small.standardError.contains("--backlog: each backlog must hold the 1000 jobs"), "\(small.standardError)")
    }

    @Test("bench campaign runs a program over a small roster with real workers and reports its peaks of memory")
    func benchCampaignReportsItsPeaks() async throws {
        let outcome = try await BenefitProcess.run(
            ["bench", "campaign", "--program", "relief", "--members", "3000", "--workers", "1", "--batch-size", "500", "--json",
             "--log-level", "warning"],
            environment: ["DATABASE_URL": try TestDatabase.server().secretConnectionString])
        try #require(outcome.exitCode == 0, "\(outcome.standardError)")
        let report = try JSONDecoder().decode(CampaignBenchmark.Report.self, from: Data(outcome.standardOutput.utf8))
        #expect(report.members == 3_000 && report.eligible > 0 && report.served == report.eligible)
        // The roster's file and its import are timed apart.
        #expect(report.rosterFileSeconds > 0 && report.importSeconds > 0, "\(report.rosterFileSeconds) \(report.importSeconds)")
        // Every grant is a row of WAL, and the batches commit: neither can be nothing.
        #expect(report.walBytesPerMember > 50 && report.commitsPerThousandMembers > 0, "\(report.walBytesPerMember) \(report.commitsPerThousandMembers)")
        // Peaks in bytes: a Swift process holds some megabytes, and under a gigabyte here.
        #expect((4_000_000..<1_000_000_000).contains(report.importPeakBytes), "\(report.importPeakBytes)")
        #expect((4_000_000..<1_000_000_000).contains(report.workerPeakBytes), "\(report.workerPeakBytes)")
        #expect(report.machine == BenchMachine.current())
    }

    @Test("bench client times its four modes, each over the rows asked for, and names its server and machine first")
    func benchClientTimesItsModes() async throws {
        let environment = ["DATABASE_URL": try TestDatabase.server().secretConnectionString]
        let outcome = try await BenefitProcess.run(
            ["bench", "client", "--inserts", "30", "--copy-rows", "200", "--json", "--log-level", "warning"], environment: environment)
        try #require(outcome.exitCode == 0, "\(outcome.standardError)")
        let report = try JSONDecoder().decode(ClientBenchmark.Report.self, from: Data(outcome.standardOutput.utf8))
        #expect(report.figures.map(\.name) == ["COPY", "insert, autocommit", "insert, one transaction", "insert, pipelined"])
        #expect(report.figures.map(\.rows) == [200, 30, 30, 30])
        #expect(report.figures.allSatisfy { $0.seconds > 0 })
        #expect(report.machine == BenchMachine.current())
        let lines = try await BenefitProcess.run(["bench", "client", "--inserts", "10", "--copy-rows", "10"], environment: environment)
        try #require(lines.exitCode == 0, "\(lines.standardError)")
        let header = lines.standardOutput.split(separator: "\n").prefix(2).map(String.init)
        #expect(header.first?.hasPrefix("PostgreSQL ") == true, "\(lines.standardOutput)")
        #expect(header.last == "machine           \(BenchMachine.current().description)", "\(lines.standardOutput)")
    }

    @Test("bench console serves the console over a run of real workers and times its two pages, under its server and machine")
    func benchConsoleTimesItsPages() async throws {
        let environment = ["DATABASE_URL": try TestDatabase.server().secretConnectionString]
        let outcome = try await BenefitProcess.run(
            ["bench", "console", "--members", "2000", "--requests", "3", "--log-level", "warning"], environment: environment)
        try #require(outcome.exitCode == 0, "\(outcome.standardError)")
        let lines = outcome.standardOutput.split(separator: "\n").map(String.init)
        try #require(lines.count == 5, "\(outcome.standardOutput)")
        #expect(lines[0].hasPrefix("PostgreSQL "), "\(outcome.standardOutput)")
        #expect(lines[1] == "machine           \(BenchMachine.current().description)", "\(outcome.standardOutput)")
        // The table: its header, then the overview and the run's page, each answered with a page of its own.
        #expect(lines[2].hasPrefix("PAGE"), "\(outcome.standardOutput)")
        #expect(lines[3].hasPrefix("/ "), "\(outcome.standardOutput)")
        #expect(lines[4].range(of: #"^/runs/\d+ +[1-9]"#, options: .regularExpression) != nil, "\(outcome.standardOutput)")
    }
}
