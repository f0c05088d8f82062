import BenefitCore
import BenefitMigrations
import BenefitScheduler
import BenefitTools
import Foundation
import Logging
import PostgresClient

/// `benefit demo`: the whole story, from nothing, on one PostgreSQL server.
///
/// 1. Creates the demo's own database afresh (``database``, default
///    `benefit_demo`) and migrates it; an existing database of that name is
///    dropped only when an earlier demo created it (``DemoDatabase``).
/// 2. Generates a roster of ``members`` members (seeded: the same roster every
///    time) and imports it as an operator would, through a CSV file, with the
///    register of its org units' districts (`members units`).
/// 3. Applies the example campaigns compiled into the binary (`ops/campaigns/`,
///    all but the fire drill).
/// 4. Starts ``workers`` `benefit worker` processes and one `benefit scheduler`
///    process of this binary, triggers every campaign once (a manual run, now),
///    and follows the runs until each has ended.
/// 5. Stops the processes (SIGTERM) and reads the report from the database's
///    views: what an administrator would see.
/// 6. Writes each campaign's evaluation report (效果评估) as an HTML page to
///    ``reportFolder``.
///
/// The database is left in place for the operator to explore in SQL.
public struct Demo: Sendable {
    /// Members in the generated roster. Default 50,000.
    public var members = 50_000
    /// The roster generator's seed.
    public var seed: UInt64 = 2027
    /// `benefit worker` processes. Default 2.
    public var workers = 2
    /// Jobs each worker runs at once.
    public var concurrency = 4
    /// The demo's database on the server, recreated on each run (only if a demo made it).
    public var database = "benefit_demo"
    /// Where each campaign's evaluation report goes (`CAMPAIGN.html`); made if absent.
    public var reportFolder = "benefit-demo-reports"
    /// How long the runs may take before the demo gives up.
    public var deadline: Duration = .seconds(600)
    /// The `benefit` binary to start as workers and scheduler; nil for this process's own.
    public var executablePath: String?

    /// What the demo is doing, for the command to show.
    public enum Event: Sendable {
        /// A step finished: what it did, and how long it took.
        case step(String, seconds: Double)
        /// The runs as they stand, each time the demo looks.
        case progress([RunSummary])
    }

    public init() {}

    /// Whether `name` suits the demo's database: lowercase letters, digits and
    /// `_`, starting with a letter or `_`, at most 63 bytes (a name that needs no
    /// quoting in psql or a URL).
    public static func isValidDatabaseName(_ name: String) -> Bool {
        guard let first = name.first, first == "_" || (first.isASCII && first.isLowercase), name.utf8.count <= 63 else { return false }
        return name.allSatisfy { $0 == "_" || ($0.isASCII && ($0.isLowercase || $0.isNumber)) }
    }

    /// Runs the demo against `server`'s server and returns its report.
    public func run(server: PostgresConfiguration, logger: Logger, events: @escaping @Sendable (Event) -> Void) async throws -> DemoReport {
        guard Self.isValidDatabaseName(database) else {
            throw DemoError("\"\(database)\" is not a plain database name (lowercase letters, digits and _, at most 63)")
        }
        let clock = ContinuousClock()
        let started = clock.now
        @discardableResult
        func step<T>(_ describe: (T) -> String, _ body: () async throws -> T) async throws -> T {
            let start = clock.now
            let value = try await body()
            events(.step(describe(value), seconds: (clock.now - start).seconds))
            return value
        }

        let configuration = try await step({ _ in "created database \(database) (\(server.with(database: database)))" }) {
            try await DemoDatabase.recreate(database, server: server)
        }
        let pool = PostgresPool(configuration: configuration, maxConnections: 4, logger: logger)
        defer { pool.close() }
        var quiet = logger
        quiet.logLevel = .warning
        let migrator = Migrator(migrations: try Migration.bundled(), logger: quiet)
        try await step({ (count: Int) in "migrated: \(count) migrations" }) {
            try await pool.withConnection { try await migrator.migrate(on: $0) }
            return try Migration.bundled().count
        }
        let imported = try await step({ "generated and imported a roster of \(TextTable.grouped($0.added)) members (seed \(seed))" }) {
            try await RosterImport.generated(count: members, seed: seed, on: pool)
        }
        try await step({ (units: OrgUnitRegister.Summary) in
            "imported the roster's org units with their districts: \(TextTable.grouped(units.added + units.updated + units.unchanged)) units"
        }) {
            try await OrgUnitRegister.generated(count: members, on: pool)
        }
        let campaigns = try ExampleCampaigns.benefitPrograms()
        try await step({ _ in "applied \(campaigns.count) example campaigns: \(campaigns.map(\.definition.name).joined(separator: ", "))" }) {
            try await CampaignStore.apply(campaigns, dryRun: false, by: OperatorIdentity.current, on: pool)
        }

        let aidRound = try await step({ (round: DemoAidRound.Summary?) in
            guard let round else { return "left out the hardship-aid round: acting as its clerk and two reviewers needs a superuser login" }
            return "hardship aid: \(round.recorded) applications recorded; \(round.approved) approved (\(round.approvedTwice) by two reviewers), "
                + "\(round.rejected) rejected, \(round.returned) sent back; \(NumberText.amount(round.deposited)) yuan donated to \(DemoAidRound.fund)"
        }) {
            try await DemoAidRound.run(on: configuration, pool: pool)
        }
        let triggered = campaigns.filter { aidRound != nil || $0.definition.program != HardshipAidProgram.name }

        let queues = Array(Set(campaigns.map(\.definition.execution.queue))).sorted()
        let children = ChildProcessGroup.Child.workers(workers, queues: queues, concurrency: concurrency) { "demo-worker-\($0)" }
            + [ChildProcessGroup.Child(label: "scheduler", name: "demo-scheduler", arguments: ["scheduler", "--log-level", "warning"])]
        let processes = try ChildProcessGroup(executablePath: executablePath, database: configuration)
        let names = triggered.map(\.definition.name)
        let deadline = deadline
        let runs = try await step({ (runs: [RunSummary]) in "ran \(runs.count) campaigns with \(workers) workers and a scheduler" }) {
            // The runs start once every daemon is up: it leads or claims, and a
            // SIGTERM at the end finds it ready to drain, however slow its start.
            try await processes.run(children, registeringOn: pool, startDeadline: deadline) {
                var runIDs: [Int] = []
                for name in names {
                    guard let runID = try await CampaignStore.trigger(name, at: Date(), by: OperatorIdentity.current, on: pool) else {
                        throw DemoError("campaign \(name) could not be triggered")
                    }
                    runIDs.append(runID)
                }
                return try await Self.follow(runIDs, on: pool, deadline: deadline, events: events)
            }
        }
        let reportFolder = reportFolder
        let reports = try await step({ (paths: [String]) in
            "wrote the evaluation report (效果评估) of each campaign's cycle: \(paths.count) pages in \(URL(fileURLWithPath: reportFolder).standardizedFileURL.path)"
        }) {
            try await DemoEvaluations.write(names, to: reportFolder, on: pool)
        }
        let parameters = Dictionary(uniqueKeysWithValues: campaigns.map { ($0.definition.name, $0.definition.parameters) })
        return try await DemoReport.load(
            runs: runs, parameters: parameters, members: imported.added, database: database, reports: reports,
            seconds: (clock.now - started).seconds, on: pool)
    }

    /// Polls the runs until every one has ended; returns their final summaries.
    private static func follow(
        _ runIDs: [Int], on pool: PostgresPool, deadline: Duration, events: @Sendable (Event) -> Void
    ) async throws -> [RunSummary] {
        let giveUp = ContinuousClock.now + deadline
        while true {
            let runs = try await RunHistory.find(runIDs, on: pool)
            guard runs.count == runIDs.count else { throw DemoError("runs \(runIDs) are no longer all there") }
            events(.progress(runs))
            if runs.allSatisfy(\.state.isFinal) { return runs }
            guard ContinuousClock.now < giveUp else {
                throw DemoError("the runs did not end within \(DurationText.format(deadline)): "
                    + runs.map { "\($0.campaign) \($0.state.rawValue)" }.joined(separator: ", "))
            }
            try await Task.sleep(for: .milliseconds(200))
        }
    }
}
