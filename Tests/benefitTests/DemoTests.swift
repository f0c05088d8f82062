import BenefitCore
import BenefitScheduler
import BenefitTestSupport
import BenefitWorkers
import Foundation
import PostgresClient
import Testing

/// `benefit demo` as an operator runs it: a real process, its own worker and
/// scheduler processes, and a report checked against the database.
@Suite("Demo")
struct DemoTests {
    @Test("the demo runs to the end and every figure of its report matches the database")
    func reportMatchesTheDatabase() async throws {
        let server = try TestDatabase.server()
        let name = "demo_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16)
        let admin = try await PostgresConnection.connect(to: server)
        do {
            let reports = TemporaryFiles.path(named: "demo-reports")
            let outcome = try await BenefitProcess.run(
                ["demo", "--members", "10000", "--database", name, "--reports", reports, "--json", "--log-level", "warning"],
                environment: ["DATABASE_URL": server.secretConnectionString])
            try await Self.check(outcome, database: name, server: server)
            try Self.checkReports(outcome, in: reports)
            try await admin.query("DROP DATABASE \(identifier: name) WITH (FORCE)")
        } catch {
            _ = try? await admin.query("DROP DATABASE IF EXISTS \(identifier: name) WITH (FORCE)")
            throw error
        }
    }

    /// Checks the evaluation pages the demo wrote: one per campaign, in `folder`
    /// (mode 0700), each of mode 0600 and about its campaign.
    static func checkReports(_ outcome: BenefitProcess.Outcome, in folder: String) throws {
        let report = try JSONDecoder().decode(DemoReport.self, from: Data(outcome.standardOutput.utf8))
        let folder = URL(fileURLWithPath: folder).standardizedFileURL.path
        #expect(report.reports == report.campaigns.map { "\(folder)/\($0.campaign).html" })
        #expect((try FileManager.default.attributesOfItem(atPath: folder)[.posixPermissions] as? Int) == 0o700)
        for (campaign, path) in zip(report.campaigns, report.reports) {
            #expect((try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int) == 0o600)
            let page = try String(contentsOfFile: path, encoding: .utf8)
            #expect(page.hasPrefix("<!DOCTYPE html>") && page.contains(campaign.campaign) && page.contains("<svg"), "\(path)")
        }
        #expect(outcome.standardError.contains("wrote the evaluation report (效果评估) of each campaign's cycle: \(report.reports.count) pages"))
    }

    /// Checks the demo's report against its database.
    static func check(_ outcome: BenefitProcess.Outcome, database name: String, server: PostgresConfiguration) async throws {
        try #require(outcome.exitCode == 0, "stderr: \(outcome.standardError)")
        let report = try JSONDecoder().decode(DemoReport.self, from: Data(outcome.standardOutput.utf8))

        let pool = PostgresPool(configuration: server.with(database: name), maxConnections: 2)
        defer { pool.close() }
        #expect(report.database == name)
        #expect(report.members == 10_000)
        #expect(try await pool.query("SELECT count(*) FROM benefit.members").single(Int.self) == 10_000)
        let expected = try ExampleCampaigns.benefitPrograms().map(\.definition.name).sorted()
        #expect(report.campaigns.map(\.campaign).sorted() == expected)
        // Each program's checks below run: every program has a campaign in the demo.
        #expect(Set(report.campaigns.map(\.program))
            == [SeasonalReliefProgram.name, HealthCheckupProgram.name, RecuperationProgram.name, HardshipAidProgram.name,
                JobFairProgram.name])

        for campaign in report.campaigns {
            let run = try #require(try await RunHistory.find(campaign.runID, on: pool))
            #expect(run.campaign == campaign.campaign)
            #expect(campaign.state == "succeeded" && run.state == .succeeded, "\(campaign.campaign): \(campaign.state)")
            #expect(campaign.eligible == run.membersTotal)
            // Everyone the run took on was served or waitlisted, once.
            #expect(campaign.served + campaign.waitlisted == run.membersTotal, "\(campaign.campaign)")
            #expect(campaign.waitlisted == (try await pool.query(
                "SELECT count(*) FROM benefit.waitlist WHERE campaign = \(campaign.campaign)").single(Int.self)))
            #expect(campaign.served == (try await Self.effects(of: campaign, on: pool)), "\(campaign.campaign)")
            if campaign.program == SeasonalReliefProgram.name {
                let (spent, budget) = try await pool.query("""
                    SELECT (SELECT coalesce(sum(amount), 0) FROM benefit.grants WHERE campaign = \(campaign.campaign)),
                           (SELECT budget FROM benefit.budgets WHERE campaign = \(campaign.campaign))
                    """).single((Decimal, Decimal).self)
                #expect(campaign.amount == spent)
                #expect(campaign.amount == run.amountTotal)
                #expect(campaign.budget == budget)
                #expect(spent <= budget)
            }
            if campaign.program == HealthCheckupProgram.name {
                // Places: every appointment; capacity: each (hospital, day) booked, at the
                // daily capacity the campaign file gives that hospital (or van, in mode: vans),
                // never exceeded.
                let listed = try ExampleCampaigns.benefitPrograms().first { $0.definition.name == campaign.campaign }?.definition.parameters
                let resources = listed?["hospitals"]?.arrayValue ?? listed?["vans"]?.arrayValue ?? []
                var dailyCapacity: [String: Int] = [:]
                for hospital in resources {
                    if let name = hospital["name"]?.stringValue, let seats = hospital["dailyCapacity"]?.numberValue {
                        dailyCapacity[name] = NSDecimalNumber(decimal: seats).intValue
                    }
                }
                let days = try await pool.query("""
                    SELECT hospital, count(*) FROM benefit.appointments WHERE campaign = \(campaign.campaign)
                    GROUP BY hospital, appointment_date
                    """).decode((String, Int).self)
                #expect(Set(days.map(\.0)) == Set(dailyCapacity.keys) && dailyCapacity.count == resources.count && resources.count >= 2)
                #expect(campaign.places == days.reduce(0) { $0 + $1.1 })
                #expect(campaign.capacity == days.reduce(0) { $0 + (dailyCapacity[$1.0] ?? 0) })
                #expect(days.allSatisfy { $0.1 <= dailyCapacity[$0.0] ?? 0 })
                #expect((campaign.places ?? 0) > 0)
            }
            if campaign.program == HardshipAidProgram.name {
                // The demo's aid round: a clerk and two reviewers (each their own login), a
                // donation smaller than the awards; the run pays in approval order while the
                // fund covers it, each award once and in full, and waitlists the rest.
                let (recorders, reviewers) = try await pool.query("""
                    SELECT count(DISTINCT recorded_by), count(DISTINCT decided_by) FROM benefit.aid_applications
                    """).single((Int, Int).self)
                #expect(recorders == 1 && reviewers == 2)
                let (paid, payments, awards, deposited) = try await pool.query("""
                    SELECT (SELECT coalesce(sum(amount), 0) FROM benefit.aid_payments),
                           (SELECT count(DISTINCT application_id) FROM benefit.aid_payments),
                           (SELECT count(*) FROM benefit.aid_applications WHERE approved_amount IS NOT NULL),
                           (SELECT deposited FROM benefit.aid_funds)
                    """).single((Decimal, Int, Int, Decimal).self)
                #expect(campaign.amount == paid && campaign.budget == deposited && paid <= deposited)
                #expect(campaign.served == payments && payments > 0 && campaign.waitlisted > 0)
                #expect(campaign.served + campaign.waitlisted == awards)
            }
            if campaign.program == JobFairProgram.name {
                // Places: every member invited to a fair of their district; capacity: every fair's, never exceeded.
                let fairs = try await pool.query("""
                    SELECT capacity, places_filled FROM benefit.job_fairs WHERE campaign = \(campaign.campaign)
                    """).decode((Int, Int).self)
                #expect(campaign.capacity == fairs.reduce(0) { $0 + $1.0 })
                #expect(campaign.places == fairs.reduce(0) { $0 + $1.1 })
                #expect(fairs.allSatisfy { $0.1 <= $0.0 } && (campaign.places ?? 0) > 0)
                #expect(try await pool.query("""
                    SELECT count(*) FROM benefit.fair_places p JOIN benefit.members m USING (member_id)
                    JOIN benefit.org_units u ON u.org_unit = m.org_unit WHERE p.campaign = \(campaign.campaign) AND u.district <> p.district
                    """).single(Int.self) == 0, "every member goes to a fair of their own district")
            }
            if campaign.program == RecuperationProgram.name {
                // Places: every allocation; capacity: every session's, from the sessions the campaign file lists.
                let sessions = try await pool.query("""
                    SELECT site, session_start, count(*), max(session_capacity) FROM benefit.allocations
                    WHERE campaign = \(campaign.campaign) GROUP BY site, session_start
                    """).decode((String, CalendarDate, Int, Int).self)
                #expect(campaign.places == sessions.reduce(0) { $0 + $1.2 })
                #expect(sessions.allSatisfy { $0.2 <= $0.3 })
                let listed = try ExampleCampaigns.benefitPrograms().first { $0.definition.name == campaign.campaign }?.definition.parameters
                let capacities = (listed?["sites"]?.arrayValue ?? []).flatMap { $0["sessions"]?.arrayValue ?? [] }.compactMap { $0["capacity"]?.numberValue }
                #expect(campaign.capacity.map { Decimal($0) } == capacities.reduce(0, +))
                // The example round has fewer places than eligible members: every place is filled, the rest wait.
                #expect(campaign.places == campaign.capacity)
                #expect(campaign.waitlisted > 0)
            }
        }
        // The jobs ran in the demo's worker processes, and its scheduler led.
        let workers = try await pool.query("SELECT DISTINCT worker FROM benefit.job_attempts ORDER BY 1").decode(String.self)
        #expect(!workers.isEmpty && Set(workers).isSubset(of: ["demo-worker-1", "demo-worker-2"]), "\(workers)")
        #expect(try await pool.query("SELECT holder FROM benefit.scheduler_lease").decode(String.self) == ["demo-scheduler"])
    }

    @Test("demo --serve keeps the console up on the demo's database after the report, until SIGTERM")
    func serveKeepsTheConsoleUp() async throws {
        let server = try TestDatabase.server()
        let name = "demo_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16)
        let admin = try await PostgresConnection.connect(to: server)
        defer { Task { _ = try? await admin.query("DROP DATABASE IF EXISTS \(identifier: name) WITH (FORCE)") } }
        let port = try PortProbe.freePort()
        try await withProcessGroup { (processes: ProcessGroup) async throws in
            let home = TemporaryFiles.path(named: "demo-home")
            let demo = await processes.start(
                "demo-serve", ["demo", "--members", "300", "--database", name, "--reports", home + "-reports", "--serve", "--address", "127.0.0.1:\(port)",
                 "--log-level", "warning"],
                environment: ["DATABASE_URL": server.secretConnectionString, "BENEFIT_HOME": home])
            #expect(try await eventually(timeout: .seconds(180)) { (try? await HTTPProbe.get(port: port, path: "/healthz"))?.status == 200 },
                    "\(demo.logTail())")
            #expect(try await HTTPProbe.get(port: port, path: "/login").status == 200)
            #expect(demo.output().contains("winter-warmth"), "the report came first")
            #expect(demo.logTail().contains("http://127.0.0.1:\(port)/"))
            // An operator account: its name printed, its password only in a file of mode 0600.
            let passwordFile = home + "/console-password"
            #expect(demo.logTail().contains("sign in as demo-operator-") && demo.logTail().contains(passwordFile))
            let attributes = try FileManager.default.attributesOfItem(atPath: passwordFile)
            #expect((attributes[.posixPermissions] as? Int) == 0o600)
            let password = try String(contentsOfFile: passwordFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(password.count >= 40)
            #expect(!demo.output().contains(password) && !demo.logTail(200).contains(password))
            let admin = try await PostgresConnection.connect(to: server.with(database: name))
            #expect(try await admin.query("SELECT role FROM benefit.console_user").decode(String.self) == ["operator"])
            #expect(await processes.terminate(demo) == 0)
        }
    }

    @Test("a bad database name is one line on stderr, a non-zero exit, and nothing created")
    func badDatabaseName() async throws {
        let server = try TestDatabase.server()
        let outcome = try await BenefitProcess.run(
            ["demo", "--database", "Not-A-Name"], environment: ["DATABASE_URL": server.secretConnectionString])
        #expect(outcome.exitCode == 1)
        #expect(outcome.standardError.contains("--database: \"Not-A-Name\" is not a plain database name"))
        #expect(outcome.standardError.split(separator: "\n").count == 1, "\(outcome.standardError)")
        let admin = try await PostgresConnection.connect(to: server)
        #expect(try await admin.query("SELECT count(*) FROM pg_database WHERE datname = 'Not-A-Name'").single(Int.self) == 0)
    }

    @Test("demo --database naming a database it did not create is refused in one line naming it, exits non-zero, and drops nothing")
    func foreignDatabaseIsNotDropped() async throws {
        try await TestDatabase.withName(prefix: "kept") { name, server in
            let admin = try await PostgresConnection.connect(to: server)
            try await admin.query("CREATE DATABASE \(identifier: name)")
            let database = try await PostgresConnection.connect(to: server.with(database: name))
            try await database.query("CREATE TABLE ledger (entry text)")
            try await database.query("INSERT INTO ledger VALUES ('one year of grants')")

            let outcome = try await BenefitProcess.run(
                ["demo", "--database", name, "--members", "100", "--log-level", "warning"],
                environment: ["DATABASE_URL": server.secretConnectionString])
            #expect(outcome.exitCode == 1)
            #expect(outcome.standardError.contains("database \(name) already exists and was not created by benefit demo"), "\(outcome.standardError)")
            #expect(outcome.standardError.split(separator: "\n").count == 1, "\(outcome.standardError)")
            #expect(try await database.query("SELECT entry FROM ledger").decode(String.self) == ["one year of grants"])
        }
    }

    /// The rows of the campaign's effects view: what its members were given.
    static func effects(of campaign: DemoReport.Campaign, on pool: PostgresPool) async throws -> Int {
        switch campaign.program {
        case SeasonalReliefProgram.name:
            try await pool.query("SELECT count(*) FROM benefit.grants WHERE campaign = \(campaign.campaign)").single(Int.self)
        case HealthCheckupProgram.name:
            try await pool.query("SELECT count(*) FROM benefit.appointments WHERE campaign = \(campaign.campaign)").single(Int.self)
        case RecuperationProgram.name:
            try await pool.query("SELECT count(*) FROM benefit.allocations WHERE campaign = \(campaign.campaign)").single(Int.self)
        case JobFairProgram.name:
            try await pool.query("SELECT count(*) FROM benefit.fair_places WHERE campaign = \(campaign.campaign)").single(Int.self)
        case HardshipAidProgram.name:
            try await pool.query("SELECT count(*) FROM benefit.aid_payments WHERE campaign = \(campaign.campaign)").single(Int.self)
        default:
            throw TestSetupError("no effects view known for program \(campaign.program)")
        }
    }
}
