import BenefitCore
import BenefitTestSupport
import BenefitWorkers
import Foundation
import PostgresClient
import Testing

/// The console in a real browser: headless Chromium from Debian, driven by
/// Tests/Browser/console_flow.py (Playwright) against `benefit serve`, real worker
/// processes and a real run. Screenshots go to `.build/test-artefacts/console/`.
@Suite("Console in a browser")
struct ConsoleBrowserTests {
    /// The package's folder, from this file's place in it.
    private static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test("signed in, the overview's progress bar advances while two workers run a campaign; an operator pauses it with a reason, seen in the audit page; a viewer is refused; no JavaScript error, no failed request; screenshots at 1280×800 and 390×844")
    func overviewFollowsARun() async throws {
        let python = try #require(
            ProcessInfo.processInfo.environment["BENEFIT_BROWSER_PYTHON"],
            "BENEFIT_BROWSER_PYTHON is not set: run the tests with ops/test, which makes the browser's environment (ops/browser-env)")
        let artefacts = Self.packageRoot.appendingPathComponent(".build/test-artefacts/console")
        try FileManager.default.createDirectory(at: artefacts, withIntermediateDirectories: true)
        for size in ["1280x800", "390x844"] {
            for page in ["overview", "run", "member"] { try? FileManager.default.removeItem(at: artefacts.appendingPathComponent("\(page)-\(size).png")) }
        }

        try await TestDatabase.withFresh(migrated: true) { configuration in
            let pool = PostgresPool(configuration: configuration, maxConnections: 2)
            defer { pool.close() }
            // 40 batches of 50, each a third of a second, two at a time: long enough to watch.
            try await CommandFixtures.apply(CampaignText.yaml(
                name: "browser-drill", program: "drill", batchSize: 50, concurrency: 2, queue: "browser",
                parameters: "{ members: 2000, sleepMs: 300 }"), on: pool)
            let environment = ["DATABASE_URL": try TestDatabase.url(of: configuration)]
            let port = try PortProbe.freePort()
            // A member with a grant, for the member page: a winter-warmth run over a small roster, done first.
            _ = try await RosterImport.generated(count: 200, seed: 11, on: pool)
            try await CommandFixtures.apply(CampaignText.yaml(
                name: "browser-warmth", program: "seasonal-relief", batchSize: 4, queue: "browser-relief",
                parameters: #"{ season: winter-warmth, amounts: { "1": 2000, "2": 1200, "3": 800 }, budget: 30000 }"#), on: pool)
            // And a checkup run, for its heatmap of bookings per hospital and day.
            try await CommandFixtures.apply(CampaignText.yaml(
                name: "browser-checkup", program: "health-checkup", batchSize: 50, queue: "browser-relief",
                parameters: """
                    { interval: 1y, startDate: 2027-03-01, holidays: [2027-04-05],
                      hospitals: [{ name: 市第一人民医院, dailyCapacity: 9 }, { name: 中医附院, dailyCapacity: 4 }],
                      packages: [{ name: basic, ageBelow: 35 }, { name: extended }] }
                    """), on: pool)
            try await withProcessGroup { (processes: ProcessGroup) async throws in
                let reliefWorker = await processes.start(
                    "browser-relief-worker", ["worker", "--queues", "browser-relief", "--poll-interval", "100ms", "--log-level", "warning"],
                    environment: environment)
                for campaign in ["browser-warmth", "browser-checkup"] {
                    let trigger = try await BenefitProcess.run(["campaign", "trigger", campaign], environment: environment)
                    try #require(trigger.exitCode == 0, "\(trigger.standardError)")
                }
                try #require(try await eventually(timeout: .seconds(60)) {
                    try await pool.query("SELECT count(*) FROM benefit.run_history WHERE state = 'succeeded'").single(Int.self) == 2
                }, "\(reliefWorker.logTail())")
                #expect(await processes.terminate(reliefWorker) == 0)
            }
            let member = try await pool.query("SELECT member_id FROM benefit.grants ORDER BY member_id LIMIT 1").single(String.self)
            let resultRuns = try await pool.query("SELECT run_id FROM benefit.run_history ORDER BY campaign DESC").decode(Int.self)
            try await withProcessGroup { (processes: ProcessGroup) async throws in
                let console = await processes.start("browser-console", ["serve", "--address", "127.0.0.1:\(port)"], environment: environment)
                let trigger = try await BenefitProcess.run(["campaign", "trigger", "browser-drill"], environment: environment)
                try #require(trigger.exitCode == 0, "\(trigger.standardError)")
                let runID = try await pool.query(
                    "SELECT r.id FROM benefit.run r JOIN benefit.campaign c ON c.id = r.campaign_id WHERE c.name = 'browser-drill'").single(Int.self)
                let password = "browser-" + UUID().uuidString
                let added = try await BenefitProcess.run(
                    ["users", "add", "browser-operator", "--role", "operator"], environment: environment, standardInput: password + "\n")
                try #require(added.exitCode == 0, "\(added.standardError)")
                let viewerAdded = try await BenefitProcess.run(
                    ["users", "add", "browser-viewer", "--role", "viewer"], environment: environment, standardInput: password + "\n")
                try #require(viewerAdded.exitCode == 0, "\(viewerAdded.standardError)")
                // The browser opens the overview while the run waits for a worker; once it
                // shows the run (the flow writes a file), two workers start and run it.
                let watching = artefacts.appendingPathComponent("watching-run-\(runID)").path
                try? FileManager.default.removeItem(atPath: watching)
                async let running = BenefitProcess.run(
                    [Self.packageRoot.appendingPathComponent("Tests/Browser/console_flow.py").path,
                     "--url", "http://127.0.0.1:\(port)", "--run", String(runID), "--campaign", "browser-drill", "--member", member,
                     "--results", resultRuns.map(String.init).joined(separator: ","), "--out", artefacts.path],
                    environment: [
                        "CONSOLE_USER": "browser-operator", "CONSOLE_PASSWORD": password,
                        "CONSOLE_VIEWER": "browser-viewer", "CONSOLE_VIEWER_PASSWORD": password,
                    ], executable: python)
                let shown = try await eventually(timeout: .seconds(120)) { FileManager.default.fileExists(atPath: watching) }
                for name in ["browser-worker-a", "browser-worker-b"] {
                    await processes.start(name, ["worker", "--queues", "browser", "--poll-interval", "100ms", "--log-level", "warning"], environment: environment)
                }
                let flow = try await running
                try? FileManager.default.removeItem(atPath: watching)
                #expect(shown, "the browser never showed run \(runID)")
                #expect(flow.exitCode == 0, "\(flow.standardOutput)\(flow.standardError)\nconsole: \(console.logTail())")
                // What the browser did, as the database has it.
                #expect(try await pool.query("SELECT coalesce(paused_reason, '') FROM benefit.campaigns WHERE campaign = 'browser-drill'").single(String.self) == "预算复核 budget review")
                #expect(try await pool.query("SELECT count(*) FROM benefit.audit WHERE action = 'campaign.resume'").single(Int.self) == 0)
            }
        }
        for size in ["1280x800", "390x844"] {
            let memberShot = try FileManager.default.attributesOfItem(atPath: artefacts.appendingPathComponent("member-\(size).png").path)
            #expect((memberShot[.size] as? Int ?? 0) > 10_000, "member-\(size).png")
            let run = try FileManager.default.attributesOfItem(atPath: artefacts.appendingPathComponent("run-\(size).png").path)
            #expect((run[.size] as? Int ?? 0) > 10_000, "run-\(size).png")
            let shot = try FileManager.default.attributesOfItem(atPath: artefacts.appendingPathComponent("overview-\(size).png").path)
            #expect((shot[.size] as? Int ?? 0) > 10_000, "overview-\(size).png")
            for program in ["relief", "checkup"] {
                let results = try FileManager.default.attributesOfItem(atPath: artefacts.appendingPathComponent("\(program)-\(size).png").path)
                #expect((results[.size] as? Int ?? 0) > 10_000, "\(program)-\(size).png")
            }
        }
    }
}
