import ArgumentParser
import BenefitAccounts
import BenefitCore
import BenefitConsole
import BenefitQueue
import BenefitTelemetry
import BenefitTools
import BenefitWorkers
import Foundation
import Logging
import PostgresClient
import ServiceLifecycle

struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run the whole story from nothing: a roster, the example campaigns, workers, a report.",
        discussion: """
            On the embedded PostgreSQL (or the server of --database-url / $DATABASE_URL):

            1. creates the database --database (default benefit_demo) afresh
               (the role needs CREATEDB) and migrates it; an older one is dropped
               only if an earlier demo created it, and any other database of that
               name is refused, with nothing dropped;
            2. generates a roster of --members members and imports it, with the
               register of its org units' districts;
            3. applies the example campaigns (ops/campaigns, compiled into this
               binary): winter warmth, summer cooling, autumn education aid, the
               yearly health checkup, the spring recuperation round, the spring
               job fairs by district and the hardship-aid round;
            4. starts --workers `benefit worker` processes and a `benefit scheduler`,
               triggers every campaign once, and shows the runs' progress;
            5. stops them and reports, per campaign, the members served and
               waitlisted, money granted against the budget, places filled against
               capacity, and the time taken; then the SQL to explore further;
            6. writes each campaign's evaluation report (效果评估, as `benefit report
               campaign NAME --format html` gives it) to --reports, one page per
               campaign, and ends with their paths.

            The database is left in place: connect to it as the report says. With
            --serve the operators' console then serves the demo's database at --address
            until SIGINT (Ctrl-C) or SIGTERM.
            """)

    @OptionGroup var connection: ConnectionOptions

    @Option(parsing: .unconditional, help: "Members in the generated roster. (default: 50000)", transform: OptionValues.wholeNumber(1...10_000_000))
    var members = 50_000

    @Option(parsing: .unconditional, help: "Seed of the roster generator (the same seed, the same roster). (default: 2027)", transform: OptionValues.seed)
    var seed: UInt64 = 2027

    @OptionGroup var processes: WorkerProcessOptions

    @Option(parsing: .unconditional, help: "Jobs each worker runs at once. (default: 4)", transform: OptionValues.wholeNumber(1...100))
    var concurrency = 4

    @Option(help: "The demo's database on the server (created afresh; only an earlier demo's is dropped).")
    var database = "benefit_demo"

    @Option(help: ArgumentHelp(
        "The folder for the campaigns' evaluation reports (made with mode 0700 if absent; CAMPAIGN.html files are replaced).",
        valueName: "folder"))
    var reports = "benefit-demo-reports"

    @Flag(help: "Print only the report, as one JSON object (steps go to stderr).")
    var json = false

    @Flag(help: "After the report, serve the operators' console on the demo's database until stopped.")
    var serve = false

    @Option(
        help: ArgumentHelp("Where --serve listens. (default: 127.0.0.1:8080)", valueName: "host:port"),
        transform: { text in
            do { return try ListenAddress(parsing: text) } catch { throw OptionValueError("\(error)") }
        })
    var address = ListenAddress(host: "127.0.0.1", port: 8080)

    func validate() throws {
        if reports.isEmpty { throw ValidationError("--reports: the folder's name is empty") }
    }

    func run() async throws {
        guard Demo.isValidDatabaseName(database) else {
            throw CommandFailure("--database: \"\(database)\" is not a plain database name (lowercase letters, digits and _, at most 63)")
        }
        let (server, logger) = try await connection.configuration(label: "benefit.demo")
        var demo = Demo()
        demo.members = members
        demo.seed = seed
        demo.workers = processes.workers
        demo.concurrency = concurrency
        demo.database = database
        demo.reportFolder = reports
        let display = DemoDisplay(json: json)
        // A signal stops the demo's worker and scheduler processes before it exits.
        let report = try await Interruptible.run { [demo] in
            try await demo.run(server: server, logger: logger) { display.show($0) }
        }
        if json {
            print(try TextTable.json(report))
        } else {
            print("")
            print(DemoDisplay.table(report))
            print("")
            print(DemoDisplay.nextSteps(report, server: server.with(database: database), embedded: connection.usesEmbedded))
        }
        guard serve else { return }
        // The report goes out now, not when the console stops (stdout to a file or pipe is buffered).
        fflush(nil)
        try await serveConsole(on: server.with(database: database), logger: logger)
    }

    /// The console on the demo's database, until SIGINT or SIGTERM.
    private func serveConsole(on database: PostgresConfiguration, logger: Logger) async throws {
        let pool = PostgresPool(configuration: database, maxConnections: 8, logger: logger)
        let console = try Console(pool: pool, logger: logger)
        // An operator account for the demo: the name printed, the password in a file
        // only this user can read (never on the terminal).
        let password = SessionToken.random()
        let home = EmbeddedPostgres.defaultRoot()
        try FileGuard.makeFolder(home.path, mode: 0o700)
        let passwordFile = home.appendingPathComponent("console-password").path
        try FileGuard.replace(passwordFile, mode: 0o600, contents: Data((password + "\n").utf8))
        let user = "demo-operator-" + String(SessionToken.random().lowercased().filter(\.isLetter).prefix(6))
        try await ConsoleUsers.add(name: user, role: .operator, password: password, by: OperatorIdentity.current, on: pool)
        let registration = ProcessRegistration(
            pool: pool, process: ProcessDescription(role: .console, identity: WorkerIdentity()), logger: logger)
        printToStandardError([
            "", "the console: http://\(address)/ (Ctrl-C to stop)",
            "sign in as \(user), with the password in \(passwordFile)",
        ])
        let group = ServiceGroup(
            services: [registration, ConsoleServer(console: console, host: address.host, port: address.port)],
            gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        try await group.run()
    }
}
