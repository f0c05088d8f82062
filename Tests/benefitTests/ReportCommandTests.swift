import BenefitCore
import BenefitScheduler
import BenefitTestSupport
import BenefitWorkers
import Foundation
import PostgresClient
import Testing

/// Two cycles of a winter relief campaign, run to the end, over a roster whose
/// org units include text a spreadsheet or a browser would take for code.
enum ReportFixtures {
    static let queue = "report"
    /// Org units from users' files: formulas, markup, a quote and a comma.
    static let trickyUnits = ["=HYPERLINK(\"evil.example\",\"x\")", "@SUM(A1)", "+1-1", "-cmd", "<script>alert(1)</script>", "机床厂, \"一车间\""]

    /// Makes the roster and the campaign, and runs cycles 2025 and 2026 to their end.
    static func twoCycles(on pool: PostgresPool) async throws {
        try await pool.query("""
            INSERT INTO benefit.member (member_id, name, org_unit, gender, birth_date, employment, hardship_tier)
            SELECT 'R' || lpad(g::text, 5, '0'), 'Member ' || g, (\(trickyUnits)::text[])[1 + g % 6],
                   CASE WHEN g % 2 = 0 THEN 'F' ELSE 'M' END, date '1960-01-01' + (g * 97 % 15000)::int,
                   (ARRAY['staff', 'retired', 'migrant', 'gig'])[1 + g % 4], 1 + g % 3
            FROM generate_series(1, 300) AS g
            """)
        try await CommandFixtures.apply(CampaignText.yaml(
            name: "winter", program: "seasonal-relief", timezone: "Asia/Shanghai", overlap: "allow", batchSize: 40, queue: queue,
            parameters: #"{ season: winter-warmth, amounts: { "1": 2000, "2": 1200, "3": 800 }, budget: 250000 }"#), on: pool)
        for year in [2025, 2026] {
            var day = DateComponents(year: year, month: 12, day: 1, hour: 9)
            day.timeZone = TimeZone(identifier: "Asia/Shanghai")
            let fireTime = Calendar(identifier: .gregorian).date(from: day)!
            let runID = try #require(try await CampaignStore.trigger("winter", at: fireTime, by: "tester@tests", on: pool))
            try await CommandFixtures.workToTheEnd(run: runID, queue: queue, on: pool)
            // The worker ran the jobs; the run itself is ended by a finisher's pass, as beside `benefit worker`.
            _ = try await RunFinisher(pool: pool, logger: TestDatabase.quietLogger).finish(runIDs: [runID])
            if year == 2025 {
                // Fifty newcomers for the next cycle.
                try await pool.query("""
                    INSERT INTO benefit.member (member_id, name, org_unit, gender, birth_date, employment, hardship_tier)
                    SELECT 'N' || g, 'Newcomer ' || g, '新成员', 'F', date '1999-05-05', 'gig', 1 FROM generate_series(1, 50) AS g
                    """)
            }
        }
        #expect(try await pool.query("SELECT count(*) FROM benefit.run_history WHERE state = 'succeeded'").single(Int.self) == 2)
    }
}

/// `benefit report campaign`: its formats, its file, its errors, its replica.
@Suite("Report command")
struct ReportCommandTests {
    @Test("as benefit_admin, text, CSV and HTML reports of the latest cycle: the CSV defuses formula cells, the HTML refers to nothing outside itself, --out makes a new 0600 file and refuses an existing one")
    func reportsInEveryFormat() async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let pool = PostgresPool(configuration: configuration, maxConnections: 4)
            defer { pool.close() }
            try await ReportFixtures.twoCycles(on: pool)
            let (served, waiting, granted) = try await pool.query("""
                SELECT (SELECT count(*) FROM benefit.grants WHERE cycle = '2026'),
                       (SELECT count(*) FROM benefit.waitlist WHERE cycle = '2026' AND served_at IS NULL),
                       (SELECT sum(amount) FROM benefit.grants WHERE cycle = '2026')
                """).single((Int, Int, Decimal).self)
            try await TestDatabase.withLogins([.admin], on: configuration) { logins in
                let admin = logins[.admin]!
                let text = try await CommandFixtures.succeed(["report", "campaign", "winter"], as: admin)
                #expect(text.contains("evaluation of winter (seasonal-relief), cycle 2026"), "\(text)")
                #expect(text.contains("served      \(served) "), "\(text)")
                #expect(text.contains("waitlisted  \(waiting)"), "\(text)")
                #expect(text.contains("COMPARED WITH  CYCLE 2026  CYCLE 2025"), "\(text)")
                #expect(text.contains("granted \(granted)"), "\(text)")

                let folder = try TemporaryFiles.folder(named: "reports")
                let csvPath = folder + "/winter.csv"
                let said = try await CommandFixtures.succeed(["report", "campaign", "winter", "--format", "csv", "--out", csvPath], as: admin)
                #expect(said.contains("wrote the csv evaluation of winter, cycle 2026, to \(csvPath)"))
                #expect(try FileManager.default.attributesOfItem(atPath: csvPath)[.posixPermissions] as? Int == 0o600)
                let csv = try String(contentsOfFile: csvPath, encoding: .utf8)
                let lines = csv.components(separatedBy: "\r\n").dropLast()
                #expect(lines.first == "section,dimension,group,measure,value")
                #expect(csv.contains(#"coverage,org unit,"'=HYPERLINK(""evil.example"",""x"")",eligible,"#), "\(csv)")
                #expect(csv.contains("coverage,org unit,'@SUM(A1),served,"))
                #expect(csv.contains("coverage,org unit,'+1-1,") && csv.contains("coverage,org unit,'-cmd,"))
                #expect(csv.contains(#"coverage,org unit,"机床厂, ""一车间""",eligible,"#))
                #expect(csv.contains("coverage,all,all,served,\(served)\r\n"))
                #expect(csv.contains("comparison,cycle,2025,eligible,"))
                // No cell, quoted or not, starts a formula.
                for line in lines {
                    #expect(line.firstMatch(of: /(^|,)"?[=+\-@]/) == nil, "\(line)")
                }

                let htmlPath = folder + "/winter.html"
                _ = try await CommandFixtures.succeed(["report", "campaign", "winter", "--cycle", "2026", "--format", "html", "--out", htmlPath], as: admin)
                let html = try String(contentsOfFile: htmlPath, encoding: .utf8)
                #expect(html.hasPrefix("<!DOCTYPE html>") && html.contains("@media print"))
                for external in ["http", "<script", "src=", "href=", "url(", "@import", "<link", "<iframe", "<object"] {
                    #expect(!html.lowercased().contains(external), "the report holds \(external)")
                }
                #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))

                // An existing file is refused, left as it was; so is a link.
                let again = try await CommandFixtures.run(["report", "campaign", "winter", "--out", csvPath], as: admin)
                #expect(again.exitCode == 1)
                #expect(again.standardError.contains("\(csvPath) already exists: refusing to overwrite it"), "\(again.standardError)")
                #expect(again.standardError.split(separator: "\n").count == 1)
                #expect(try String(contentsOfFile: csvPath, encoding: .utf8) == csv)
                let link = folder + "/link.txt"
                try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: folder + "/target.txt")
                #expect(try await CommandFixtures.run(["report", "campaign", "winter", "--out", link], as: admin).exitCode == 1)
                #expect(!FileManager.default.fileExists(atPath: folder + "/target.txt"))
            }
        }
    }

    @Test("an unknown campaign or cycle fails in one line naming it, exit 1, no file written; a bad format is a usage error, exit 64")
    func badInputIsNamed() async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let pool = PostgresPool(configuration: configuration, maxConnections: 4)
            defer { pool.close() }
            try await CommandFixtures.apply(CampaignText.yaml(
                name: "winter", program: "seasonal-relief", queue: ReportFixtures.queue,
                parameters: #"{ season: winter-warmth, amounts: { "1": 2000, "2": 1200, "3": 800 }, budget: 1000 }"#), on: pool)
            let out = TemporaryFiles.path(named: "never.txt")
            for (arguments, message) in [
                (["report", "campaign", "nope", "--out", out], "there is no campaign nope"),
                (["report", "campaign", "winter", "--out", out], "campaign winter has not run yet: no cycle to evaluate"),
            ] {
                let outcome = try await CommandFixtures.run(arguments, as: configuration)
                #expect(outcome.exitCode == 1, "\(arguments)")
                #expect(outcome.standardError.contains(message), "\(outcome.standardError)")
                #expect(outcome.standardError.split(separator: "\n").count == 1, "\(outcome.standardError)")
                #expect(!FileManager.default.fileExists(atPath: out))
            }
            try await pool.query("""
                INSERT INTO benefit.member (member_id, name, org_unit, gender, birth_date, employment, hardship_tier)
                VALUES ('X1', 'One', 'U', 'F', date '1980-01-01', 'staff', 1)
                """)
            let runID = try #require(try await CampaignStore.trigger("winter", at: Date(), by: "tester@tests", on: pool))
            try await CommandFixtures.workToTheEnd(run: runID, queue: ReportFixtures.queue, on: pool)
            let cycle = try await pool.query("SELECT cycle FROM benefit.run_history").single(String.self)
            let unknown = try await CommandFixtures.run(["report", "campaign", "winter", "--cycle", "1999", "--out", out], as: configuration)
            #expect(unknown.exitCode == 1)
            #expect(unknown.standardError.contains("campaign winter has no run in cycle 1999 (its cycles: \(cycle))"), "\(unknown.standardError)")
            #expect(!FileManager.default.fileExists(atPath: out))
            let format = try await CommandFixtures.run(["report", "campaign", "winter", "--format", "pdf", "--out", out], as: configuration)
            #expect(format.exitCode == 64)
            #expect(format.standardError.contains("pdf"), "\(format.standardError)")
            #expect(!FileManager.default.fileExists(atPath: out))
        }
    }

    @Test("with --read-url alone (nothing listens at --database-url) the report reads in a read-only session and prints the same")
    func readsFromTheReadURL() async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let pool = PostgresPool(configuration: configuration, maxConnections: 4)
            defer { pool.close() }
            try await ReportFixtures.twoCycles(on: pool)
            try await TestDatabase.withLogins([.admin], on: configuration) { logins in
                let admin = logins[.admin]!
                let expected = try await CommandFixtures.succeed(["report", "campaign", "winter", "--format", "csv"], as: admin)
                let nowhere = ["DATABASE_URL": "postgresql://postgres@127.0.0.1:1/postgres?connect_timeout=2"]
                let read = try await BenefitProcess.run(
                    ["report", "campaign", "winter", "--format", "csv", "--read-url", try TestDatabase.url(of: admin)], environment: nowhere)
                #expect(read.exitCode == 0, "\(read.standardError)")
                #expect(read.standardOutput == expected)
            }
        }
    }
}
