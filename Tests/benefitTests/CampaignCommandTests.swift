import BenefitTestSupport
import Foundation
import PostgresClient
import Testing

@Suite("Campaign and runs commands")
struct CampaignCommandTests {
    @Test("an invalid campaign file lists all its problems and writes nothing, not even the valid file beside it")
    func invalidFileWritesNothing() async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let environment = ["DATABASE_URL": try TestDatabase.url(of: configuration)]
            let good = try TemporaryFiles.write(CampaignText.yaml(name: "good", program: "drill", parameters: "{ members: 5 }"), named: "good.yaml")
            let bad = try TemporaryFiles.write("""
                name: Bad Name
                program: drill
                schedule:
                  timezone: Mars/Olympus
                  cron: "0 9 32 * *"
                  catchUp: sometimes
                execution:
                  batchsize: 10
                parameters:
                  members: -3
                  colour: blue
                """, named: "bad.yaml")
            let missing = FileManager.default.temporaryDirectory.appendingPathComponent("\(UUID().uuidString.prefix(8))-missing.yaml").path
            let latin1 = try TemporaryFiles.write("", named: "latin1.yaml")
            try (Data("name: caf".utf8) + [0xE9, 0x0A]).write(to: URL(fileURLWithPath: latin1))  // é in Latin-1
            let outcome = try await BenefitProcess.run(["campaign", "apply", good, bad, missing, latin1], environment: environment)
            #expect(outcome.exitCode == 1)
            let lines = outcome.standardError.split(separator: "\n").map(String.init)
            for fragment in ["name", "schedule.timezone", "schedule.cron", "field 3 (day of month)", "schedule.catchUp",
                             "execution.batchsize", "parameters.members", "parameters.colour", "nothing was applied",
                             "\(missing): cannot read: No such file or directory", "\(latin1): cannot read: not UTF-8 text"] {
                #expect(lines.contains { $0.contains(fragment) }, "missing \(fragment) in:\n\(outcome.standardError)")
            }
            #expect(lines.filter { $0.hasPrefix(bad) }.allSatisfy { $0.range(of: #"^.+:\d+: "#, options: .regularExpression) != nil })
            let pool = PostgresPool(configuration: configuration, maxConnections: 1)
            #expect(try await pool.query("SELECT count(*) FROM benefit.campaign").single(Int.self) == 0)
        }
    }

    @Test("applying the same file twice makes one revision; a change makes the second, kept with who applied it")
    func applyIsIdempotent() async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let environment = ["DATABASE_URL": try TestDatabase.url(of: configuration)]
            let file = try TemporaryFiles.write(CampaignText.yaml(name: "drill-a", program: "drill", parameters: "{ members: 5 }"), named: "a.yaml")
            let first = try await BenefitProcess.run(["campaign", "apply", file], environment: environment)
            #expect(first.exitCode == 0, "\(first.standardError)")
            #expect(first.standardOutput.contains("drill-a created"))
            let second = try await BenefitProcess.run(["campaign", "apply", file], environment: environment)
            #expect(second.standardOutput.contains("drill-a unchanged (revision 1)"))
            // Comments and key order are not changes.
            let reordered = try String(contentsOfFile: file, encoding: .utf8) + "\n# a comment\n"
            try reordered.write(toFile: file, atomically: true, encoding: .utf8)
            #expect(try await BenefitProcess.run(["campaign", "apply", file], environment: environment).standardOutput.contains("unchanged"))

            let changed = try TemporaryFiles.write(CampaignText.yaml(name: "drill-a", program: "drill", parameters: "{ members: 6 }"), named: "a2.yaml")
            let dry = try await BenefitProcess.run(["campaign", "apply", "--dry-run", changed], environment: environment)
            #expect(dry.standardOutput.contains("would be updated: revision 1 → 2"))
            let pool = PostgresPool(configuration: configuration, maxConnections: 1)
            #expect(try await pool.query("SELECT count(*) FROM benefit.campaign_revision").single(Int.self) == 1)
            let third = try await BenefitProcess.run(["campaign", "apply", changed], environment: environment)
            #expect(third.standardOutput.contains("updated: revision 1 → 2"))
            let revisions = try await pool.query("SELECT revision, applied_by FROM benefit.campaign_revision ORDER BY revision").decode((Int, String).self)
            #expect(revisions.map(\.0) == [1, 2])
            #expect(revisions.allSatisfy { $0.1.contains("@") })
        }
    }

    @Test("preview prints the next fire times in the schedule's zone, as lines or JSON; an unknown name is one line and exit 1")
    func preview() async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let environment = ["DATABASE_URL": try TestDatabase.url(of: configuration)]
            let file = try TemporaryFiles.write(CampaignText.yaml(
                name: "mornings", program: "drill", cron: "30 9 * * *", timezone: "Asia/Shanghai", parameters: "{ members: 5 }"),
                named: "mornings.yaml")
            #expect(try await BenefitProcess.run(["campaign", "apply", file], environment: environment).exitCode == 0)
            let started = Date()

            let lines = try await BenefitProcess.run(["campaign", "preview", "mornings", "--count", "3"], environment: environment)
            #expect(lines.exitCode == 0, "\(lines.standardError)")
            let printed = lines.standardOutput.split(separator: "\n")
            try #require(printed.count == 3)
            #expect(printed.allSatisfy { $0.hasSuffix("01:30:00Z") && $0.contains("09:30 +08:00") }, "\(printed)")

            struct FireTime: Decodable { let fireTime: Date; let local: String }
            let json = try await BenefitProcess.run(["campaign", "preview", "mornings", "--count", "3", "--json"], environment: environment)
            let decoder = JSONDecoder()
            decoder.dateDecodingStrategy = .iso8601
            let times = try decoder.decode([FireTime].self, from: Data(json.standardOutput.utf8))
            try #require(times.count == 3)
            #expect(times.allSatisfy { $0.local.hasSuffix("T09:30:00+08:00") })
            // The first is the next 01:30 UTC after now; then one a day.
            #expect(times[0].fireTime > started && times[0].fireTime <= started.addingTimeInterval(86_400))
            #expect(zip(times, times.dropFirst()).allSatisfy { $1.fireTime.timeIntervalSince($0.fireTime) == 86_400 })

            let unknown = try await BenefitProcess.run(["campaign", "preview", "nope"], environment: environment)
            #expect(unknown.exitCode == 1)
            #expect(unknown.standardError.split(separator: "\n").count == 1 && unknown.standardError.contains("no campaign nope"))
        }
    }

    @Test("preview of a lunar campaign past lunar 2100 prints the fire times the table knows, then refuses the rest in one line, exit 1")
    func previewPastTheLunarTable() async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let environment = ["DATABASE_URL": try TestDatabase.url(of: configuration)]
            let text = CampaignText.yaml(name: "spring", program: "drill", timezone: "Asia/Shanghai", parameters: "{ members: 5 }")
                .replacingOccurrences(of: #"cron: "0 9 * * *""#, with: #"lunar: "01-01 09:00""#)
            let file = try TemporaryFiles.write(text, named: "spring.yaml")
            let applied = try await BenefitProcess.run(["campaign", "apply", file], environment: environment)
            #expect(applied.exitCode == 0, "\(applied.standardError)")

            let preview = try await BenefitProcess.run(["campaign", "preview", "spring", "--count", "1000"], environment: environment)
            #expect(preview.exitCode == 1)
            let printed = preview.standardOutput.split(separator: "\n")
            // One Spring Festival a year, through 2100's; none after it is guessed.
            #expect(printed.count < 100 && printed.last?.hasPrefix("2100-02-09 09:00 +08:00") == true, "\(printed.suffix(3))")
            #expect(preview.standardError.split(separator: "\n").count == 1)
            #expect(preview.standardError.contains("lunar dates are known only for lunar years 1901–2100 (1901-02-19 to 2101-01-28)"),
                    "\(preview.standardError)")
            let few = try await BenefitProcess.run(["campaign", "preview", "spring", "--count", "2"], environment: environment)
            #expect(few.exitCode == 0 && few.standardError.isEmpty, "\(few.standardError)")
        }
    }

    @Test("jobs dead and jobs retry name a run or a job that does not exist: one line, exit 1")
    func missingRunOrJob() async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let environment = ["DATABASE_URL": try TestDatabase.url(of: configuration)]
            for (arguments, message) in [
                (["jobs", "dead", "--run", "99999"], "there is no run 99999"),
                (["jobs", "retry", "--run", "99999"], "there is no run 99999"),
                (["jobs", "retry", "99999"], "there is no job 99999"),
            ] {
                let outcome = try await BenefitProcess.run(arguments, environment: environment)
                #expect(outcome.exitCode == 1, "\(arguments)")
                #expect(outcome.standardError == "Error: \(message)\n", "\(arguments)")
            }
        }
    }

    @Test("runs watch exits 0 for a run that succeeds and non-zero for one that fails")
    func watchExitCodes() async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let environment = ["DATABASE_URL": try TestDatabase.url(of: configuration)]
            let good = try TemporaryFiles.write(CampaignText.yaml(name: "ok", program: "drill", batchSize: 100, parameters: "{ members: 1000 }"), named: "ok.yaml")
            let failing = try TemporaryFiles.write(CampaignText.yaml(name: "ko", program: "drill", batchSize: 100, parameters: "{ members: 1000, failRanks: [150] }"), named: "ko.yaml")
            #expect(try await BenefitProcess.run(["campaign", "apply", good, failing], environment: environment).exitCode == 0)
            try await withProcessGroup { (processes: ProcessGroup) async throws in
                let worker = await processes.start("watch-worker", ["worker", "--queues", "runs", "--log-level", "warning"], environment: environment)
                for (campaign, expected) in [("ok", true), ("ko", false)] {
                    let trigger = try await BenefitProcess.run(["campaign", "trigger", campaign], environment: environment)
                    let runID = try #require(trigger.standardOutput.split(separator: " ").dropFirst().first.flatMap { Int($0) })
                    let watch = try await BenefitProcess.run(["runs", "watch", String(runID), "--every", "100ms"], environment: environment)
                    #expect((watch.exitCode == 0) == expected, "\(campaign): exit \(String(describing: watch.exitCode))")
                    #expect(watch.standardOutput.contains(expected ? "succeeded" : "failed"))
                }
                #expect(await processes.terminate(worker) == 0)
            }
        }
    }
}
