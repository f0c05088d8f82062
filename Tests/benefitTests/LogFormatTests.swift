import BenefitQueue
import BenefitTestSupport
import Foundation
import PostgresClient
import Testing

/// `--log-format json` and `$BENEFIT_LOG_FORMAT`, on a worker that runs jobs.
@Suite("Log format")
struct LogFormatTests {
    @Test("a worker's JSON log: every line one object, job lines with their job, worker and lease; no password")
    func workerLogsJSON() async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let pool = PostgresPool(configuration: configuration, maxConnections: 2)
            defer { pool.close() }
            try await JobQueue(pool: pool).enqueueBulk((0..<20).map { _ in NewJob(kind: "noop", queue: "json-logs") })
            // The password is not needed (the test cluster trusts local logins); it must not be logged all the same.
            let base = try TestDatabase.url(of: configuration)
            let password = "password=never-logged-7c1e"
            let url = base.hasPrefix("postgres") ? base + (base.contains("?") ? "&" : "?") + password : base + " " + password
            let lines = try await withProcessGroup { (processes: ProcessGroup) async throws -> [String] in
                let worker = await processes.start(
                    "json-worker", ["worker", "--queues", "json-logs", "--name", "json-worker", "--log-level", "debug"],
                    environment: ["DATABASE_URL": url, "BENEFIT_LOG_FORMAT": "json"])
                #expect(try await eventually(timeout: .seconds(60)) {
                    try await pool.query("SELECT count(*) FROM benefit.job WHERE state = 'succeeded'").single(Int.self) == 20
                })
                #expect(await processes.terminate(worker) == 0)
                return (try String(contentsOfFile: worker.logPath, encoding: .utf8)).split(separator: "\n").map(String.init)
            }
            #expect(lines.count >= 22, "started, 20 jobs, stopped")
            var jobLines = 0
            for line in lines {
                #expect(!line.contains("never-logged-7c1e"))
                let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "\(line)")
                #expect(object["time"] is String && object["level"] is String && object["logger"] is String && object["message"] is String, "\(line)")
                if object["message"] as? String == "job succeeded" {
                    jobLines += 1
                    #expect(object["worker"] as? String == "json-worker")
                    #expect(object["job_id"] != nil && object["lease"] != nil && object["kind"] as? String == "noop", "\(line)")
                }
            }
            #expect(jobLines == 20)
        }
    }

    @Test("a log format that does not exist: one line, exit 64, from the option or the environment")
    func unknownFormatIsRefused() async throws {
        let option = try await BenefitProcess.run(["db", "status", "--log-format", "xml"])
        #expect(option.exitCode == 64)
        #expect(option.standardError.contains("xml"))
        let environment = try await BenefitProcess.run(["db", "status"], environment: ["BENEFIT_LOG_FORMAT": "xml"])
        #expect(environment.exitCode == 64)
        #expect(environment.standardError.contains("$BENEFIT_LOG_FORMAT: \"xml\" is not a log format (text, json)"), "\(environment.standardError)")
    }
}
