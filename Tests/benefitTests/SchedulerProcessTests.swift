import BenefitCore
import BenefitTestSupport
import Foundation
import PostgresClient
import Testing

@Suite("Scheduler processes")
struct SchedulerProcessTests {
    /// Moves the schedulers' clock: written to a temporary file and renamed, so a reader never sees half a time.
    static func setClock(_ path: String, _ date: Date) throws {
        let temporary = path + ".next"
        try ISO8601DateFormatter().string(from: date).write(toFile: temporary, atomically: false, encoding: .utf8)
        _ = rename(temporary, path)
    }

    @Test("three schedulers across 50 fire times, the leader killed with kill -9 twice: one run per fire time, none missing")
    func leaderKilledTwiceLosesAndDoublesNothing() async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let pool = PostgresPool(configuration: configuration, maxConnections: 4)
            try await CommandFixtures.apply(CampaignText.yaml(
                name: "every-minute", program: "drill", cron: "* * * * *", catchUp: "all", overlap: "allow",
                parameters: "{ members: 1 }"), on: pool)
            let start = try Date("2030-06-01T08:00:30Z", strategy: .iso8601)
            try await pool.query("UPDATE benefit.campaign SET scheduled_through = \(start)")
            let clockFile = FileManager.default.temporaryDirectory.appendingPathComponent("benefit-clock-\(UUID().uuidString)").path
            defer { try? FileManager.default.removeItem(atPath: clockFile) }
            try Self.setClock(clockFile, start)

            let environment = ["DATABASE_URL": try TestDatabase.url(of: configuration)]
            func arguments(_ name: String) -> [String] {
                ["scheduler", "--name", name, "--tick", "100ms", "--leader-lease", "1s", "--clock-file", clockFile, "--log-level", "warning"]
            }
            let runCount: PostgresQuery = "SELECT count(*) FROM benefit.run"
            try await withProcessGroup { (processes: ProcessGroup) async throws in
                var handles: [String: ProcessGroup.Handle] = [:]
                for name in ["sched-a", "sched-b", "sched-c"] {
                    handles[name] = await processes.start(name, arguments(name), environment: environment)
                }
                var kills = 0
                for minute in 1...50 {
                    if minute == 15 || minute == 35 {
                        // Kill whoever leads now, and start a replacement (a new process, a new name).
                        let leader = try #require(try await pool.query("SELECT holder FROM benefit.scheduler_lease").first(String.self))
                        await processes.kill9(try #require(handles.removeValue(forKey: leader)))
                        let replacement = "sched-\(minute)"
                        handles[replacement] = await processes.start(replacement, arguments(replacement), environment: environment)
                        kills += 1
                    }
                    try Self.setClock(clockFile, start.addingTimeInterval(Double(minute) * 60))
                    let created = try await eventually(timeout: .seconds(30)) {
                        try await pool.query(runCount).single(Int.self) >= minute
                    }
                    #expect(created, "no run for minute \(minute)")
                    if !created { break }
                }
                #expect(kills == 2)
                // Give the survivors a few more ticks to do anything wrong.
                let leaderTerm = try await pool.query("SELECT term FROM benefit.scheduler_lease").single(Int.self)
                #expect(leaderTerm >= 3, "leadership changed hands at least twice")
                for handle in handles.values { #expect(await processes.terminate(handle) == 0) }
            }
            let fireTimes = try await pool.query("SELECT fire_time FROM benefit.run ORDER BY fire_time").decode(Date.self)
            let expected = (1...50).map { start.addingTimeInterval(Double($0) * 60 - 30) }
            #expect(fireTimes == expected)
        }
    }
}
