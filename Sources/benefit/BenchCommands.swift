import ArgumentParser
import BenefitConsole
import BenefitCore
import BenefitTools
import BenefitWorkers
import Foundation
import PostgresClient
import Synchronization

struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure throughput against a real PostgreSQL and print the figures.",
        discussion: """
            Every report begins with the server's version and the machine (processors, \
            their model, memory): two machines of the same size can differ by half in \
            every figure, so compare figures only from one machine, taken in one sitting.
            """,
        subcommands: [Client.self, Queue.self, Claim.self, CampaignRun.self, ConsolePages.self, Prune.self]
    )

    /// The two lines every report begins with: the server's version and the
    /// machine, their labels padded to the width of the report's other labels.
    static func printServerAndMachine(_ serverVersion: String, _ machine: BenchMachine, labelWidth: Int = 17) {
        print("PostgreSQL".padding(toLength: labelWidth, withPad: " ", startingAt: 0), serverVersion)
        print("machine".padding(toLength: labelWidth, withPad: " ", startingAt: 0), machine.description)
    }

    struct Client: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "client",
            abstract: "Time COPY and single-row inserts (autocommit, one transaction, pipelined).",
            discussion: "Works in a temporary table: nothing is left behind.")

        @OptionGroup var connection: ConnectionOptions

        @Option(parsing: .unconditional, help: "Single-row inserts per mode. (default: 10000)", transform: OptionValues.wholeNumber(1...10_000_000))
        var inserts = 10_000

        @Option(parsing: .unconditional, help: "Rows loaded by COPY. (default: 100000)", transform: OptionValues.wholeNumber(1...100_000_000))
        var copyRows = 100_000

        @Flag(help: "Print one JSON object instead of a table.")
        var json = false

        func run() async throws {
            let (configuration, logger) = try await connection.configuration(label: "benefit.bench")
            let db = try await PostgresConnection.connect(to: configuration, logger: logger)
            var benchmark = ClientBenchmark()
            benchmark.inserts = inserts
            benchmark.copyRows = copyRows
            let report = try await benchmark.run(on: db)
            if json { return print(try TextTable.json(report)) }
            Bench.printServerAndMachine(report.serverVersion, report.machine)
            print(TextTable.render(
                header: ["WHAT", "ROWS", "SECONDS", "ROWS/S"],
                rows: report.figures.map { figure in
                    [figure.name, TextTable.grouped(figure.rows), String(format: "%.3f", figure.seconds),
                     TextTable.grouped(Int(figure.rowsPerSecond))]
                }))
        }
    }

    struct Queue: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "queue",
            abstract: "Time bulk enqueue, throughput with real worker processes, and pickup latency.",
            discussion: """
                Needs a role with CREATEDB: it works in a scratch database
                benefit_bench_<random> that it creates on the same server, migrates, and
                drops at the end (also on failure or Ctrl-C). Nothing else is touched.

                1. Enqueue: --jobs noop jobs on queue bench in one transaction (jobs/s).
                2. Throughput: --workers processes of this binary (benefit worker
                   --concurrency C) work through them; jobs/s over the window from the
                   first claim to the last completion, by the database's clock. Every
                   job must succeed.
                3. Pickup latency: once the drained jobs are vacuumed, with the
                   workers idle, --latency-samples single probe jobs, one at a time
                   (after 5 discarded), each 50 to 150 ms after the previous one's
                   handler ran. Two figures per job, p50, p90/p99 and max
                   in milliseconds: the peers' definition, from the enqueue's commit
                   returning here to the handler's first statement in the worker, both
                   read from the machine's monotonic clock (CLOCK_MONOTONIC); and the
                   database's, the claim's start minus the enqueue transaction's start
                   (so it includes the enqueue's own commit and ends at the claim).

                With --metrics, each worker serves /metrics on a free port of 127.0.0.1
                (--metrics-address): run once with and once without to see what the
                metrics cost.

                The workers get the database URL in DATABASE_URL only. Run it on a
                release build (swift build -c release).
                """)

        @OptionGroup var connection: ConnectionOptions

        @Option(parsing: .unconditional, help: "Jobs enqueued in bulk and worked through. (default: 50000)", transform: OptionValues.wholeNumber(1...10_000_000))
        var jobs = 50_000

        @OptionGroup var processes: WorkerProcessOptions

        @Option(parsing: .unconditional, help: "Jobs each worker runs at once. (default: 50)", transform: OptionValues.wholeNumber(1...1_000))
        var concurrency = 50

        @Option(
            parsing: .unconditional, help: "Single jobs whose pickup latency is measured. (default: 200)", transform: OptionValues.wholeNumber(1...100_000))
        var latencySamples = 200

        @Flag(help: "Start the workers with --metrics-address (a free port each).")
        var metrics = false

        @Flag(help: "Print one JSON object instead of lines.")
        var json = false

        func run() async throws {
            let (configuration, logger) = try await connection.configuration(label: "benefit.bench")
            var benchmark = QueueBenchmark()
            benchmark.metrics = metrics
            benchmark.jobs = jobs
            benchmark.workers = processes.workers
            benchmark.concurrency = concurrency
            benchmark.latencySamples = latencySamples
            let report = try await Interruptible.run { [benchmark] in
                try await benchmark.run(server: configuration, logger: logger)
            }
            if json { return print(try TextTable.json(report)) }
            let parameters = report.parameters
            let enqueue = report.enqueue
            let throughput = report.throughput
            let pickup = report.pickup
            Bench.printServerAndMachine(report.serverVersion, report.machine)
            print("parameters       ", "\(parameters.jobs) jobs, \(parameters.workers) worker\(parameters.workers == 1 ? "" : "s"), concurrency \(parameters.concurrency), \(parameters.latencySamples) latency samples, metrics \(parameters.metrics ? "on" : "off")")
            print("enqueue (bulk)   ", String(format: "%ld jobs in %.3f s: %.0f jobs/s", enqueue.jobs, enqueue.seconds, enqueue.jobsPerSecond))
            print("throughput       ", String(
                format: "%ld of %ld succeeded in %.3f s (first claim -> last completion): %.0f jobs/s",
                throughput.succeeded, parameters.jobs, throughput.windowSeconds, throughput.jobsPerSecond))
            let handler = pickup.commitToHandler
            print("pickup latency   ", String(
                format: "p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, max %.2f ms (%ld jobs on idle workers, enqueue commit -> handler, monotonic clock)",
                handler.p50, handler.p90, handler.p99, handler.max, pickup.samples))
            print("                 ", String(
                format: "p50 %.2f ms, p99 %.2f ms, max %.2f ms (enqueue transaction start -> claim, database clock)",
                pickup.p50Milliseconds, pickup.p99Milliseconds, pickup.maxMilliseconds))
        }
    }

    struct CampaignRun: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "campaign",
            abstract: "Time one program's campaign over a big roster, end to end, with real worker processes.",
            discussion: """
                Needs a role with CREATEDB: it works in a scratch database
                benefit_bench_campaign_<random>, created, migrated and dropped at the end
                (also on failure or Ctrl-C).

                1. Import: generates a roster of --members members, writes it as a CSV
                   file, and imports that file as `members import` does (checked, COPY,
                   merge); the two are timed apart.
                2. Run: applies a campaign of --program, triggers it at once (with
                   --analyze-first, after ANALYZE benefit.member, to compare: the import
                   already analyses), and lets --workers `benefit worker` processes run
                   it. Times, by the database's clock: the whole run (trigger to end),
                   planning (eligibility, allotment and fan-out into batch jobs), and the
                   batches (first claimed to last done).
                   relief: winter warmth for members in hardship, frontline workers and
                     parents of new students, with a budget that pays them all;
                   checkup: every member due, at two hospitals taking one member in a
                     hundred a day between them;
                   recuperation: ten sessions with places for one member in twenty; the
                     rest waitlisted.

                Prints the peak resident memory of this process once the import (which
                runs in it) is done, and of the largest worker process.

                Run it on a release build (swift build -c release).
                """)

        @OptionGroup var connection: ConnectionOptions

        @Option(help: "The program: relief, checkup or recuperation.")
        var program = CampaignBenchmark.Program.relief

        @Flag(help: "Run ANALYZE benefit.member between the import and the trigger.")
        var analyzeFirst = false

        @Option(parsing: .unconditional, help: "Members in the generated roster. (default: 1000000)", transform: OptionValues.wholeNumber(1...10_000_000))
        var members = 1_000_000

        @OptionGroup var processes: WorkerProcessOptions

        @Option(parsing: .unconditional, help: "Jobs each worker runs at once. (default: 4)", transform: OptionValues.wholeNumber(1...100))
        var concurrency = 4

        @Option(parsing: .unconditional, help: "Members per batch job. (default: 1000)", transform: OptionValues.wholeNumber(1...100_000))
        var batchSize = 1_000

        @Flag(help: "Print one JSON object instead of lines.")
        var json = false

        func run() async throws {
            let (configuration, logger) = try await connection.configuration(label: "benefit.bench")
            var benchmark = CampaignBenchmark()
            benchmark.program = program
            benchmark.analyzeFirst = analyzeFirst
            benchmark.members = members
            benchmark.workers = processes.workers
            benchmark.concurrency = concurrency
            benchmark.batchSize = batchSize
            let report = try await Interruptible.run { [benchmark] in
                try await benchmark.run(server: configuration, logger: logger)
            }
            if json { return print(try TextTable.json(report)) }
            Bench.printServerAndMachine(report.serverVersion, report.machine)
            print("parameters       ", "\(report.program.rawValue), \(TextTable.grouped(report.members)) members, \(report.workers) worker\(report.workers == 1 ? "" : "s"), concurrency \(report.concurrency), batches of \(report.batchSize)\(report.analyzedFirst ? ", ANALYZE before the trigger" : "")")
            print("roster file      ", String(format: "%.1f s (generated and written as CSV, before the import)", report.rosterFileSeconds))
            print("roster import    ", String(format: "%.1f s (%.0f members/s)", report.importSeconds, Double(report.members) / report.importSeconds))
            print("run              ", "\(TextTable.grouped(report.eligible)) eligible, \(TextTable.grouped(report.served)) served, \(TextTable.grouped(report.waitlisted)) waitlisted, \(report.amount) yuan, \(report.batches) batches")
            print("run time         ", String(
                format: "%.1f s trigger -> end (planning %.1f s, batches %.1f s): %.0f members/s",
                report.runSeconds, report.planningSeconds, report.batchSeconds, report.membersPerSecond))
            print("server writes    ", String(
                format: "%.0f bytes of WAL per member, %.1f commits per 1,000 members (trigger -> workers stopped)",
                report.walBytesPerMember, report.commitsPerThousandMembers))
            print("peak memory      ", String(
                format: "import %.0f MB (this process), largest worker %.0f MB (resident)",
                Double(report.importPeakBytes) / 1_048_576, Double(report.workerPeakBytes) / 1_048_576))
        }
    }

    struct ConsolePages: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "console",
            abstract: "Time the console's pages over a big run: the overview and the run's page.",
            discussion: """
                Runs `bench campaign` (a scratch database, a roster of --members members, a
                seasonal-relief run by real worker processes), then serves the console on
                it in this process and fetches the overview and the run's page --requests
                times each over HTTP (after one warm-up): milliseconds from the request to
                the last byte, p50, p95 and the slowest. The scratch database is dropped at
                the end. Run it on a release build (swift build -c release).
                """)

        @OptionGroup var connection: ConnectionOptions

        @Option(parsing: .unconditional, help: "Members in the generated roster. (default: 1000000)", transform: OptionValues.wholeNumber(1...10_000_000))
        var members = 1_000_000

        @Option(parsing: .unconditional, help: "Fetches of each page. (default: 20)", transform: OptionValues.wholeNumber(1...10_000))
        var requests = 20

        /// What `--json` prints: each page's times, with the server and machine they came from.
        struct Report: Codable {
            var serverVersion: String
            var machine: BenchMachine
            var pages: [PageTimer.Timing]
        }

        @Flag(help: "Print one JSON object instead of a table.")
        var json = false

        func run() async throws {
            let (configuration, logger) = try await connection.configuration(label: "benefit.bench")
            var benchmark = CampaignBenchmark()
            benchmark.members = members
            let timings = Mutex<[PageTimer.Timing]>([])
            let requests = requests
            benchmark.afterRun = { pool, runID in
                let measured = try await PageTimer.time(paths: ["/", "/runs/\(runID)"], requests: requests, pool: pool, logger: logger)
                timings.withLock { $0 = measured }
            }
            let campaign = try await Interruptible.run { [benchmark] in try await benchmark.run(server: configuration, logger: logger) }
            let report = Report(serverVersion: campaign.serverVersion, machine: campaign.machine, pages: timings.withLock { $0 })
            if json { return print(try TextTable.json(report)) }
            Bench.printServerAndMachine(report.serverVersion, report.machine)
            print(TextTable.render(
                header: ["PAGE", "BYTES", "P50 MS", "P95 MS", "MAX MS"],
                rows: report.pages.map { timing in
                    [timing.path, TextTable.grouped(timing.bytes), String(format: "%.1f", timing.percentile(0.5)),
                     String(format: "%.1f", timing.percentile(0.95)), String(format: "%.1f", timing.milliseconds.last ?? 0)]
                }))
        }
    }

    struct Claim: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "claim",
            abstract: "Time claims with a short and a long backlog: does a claim cost more with a million jobs queued?",
            discussion: """
                Needs a role with CREATEDB: it works in a scratch database
                benefit_bench_<random> that it creates, migrates and drops at the end.

                For each --backlog in turn (smallest first): that many available no-op
                jobs, then --rounds claims of --limit on one connection, each followed by
                the completion of what it claimed, timed apart: p50 and p99 in ms.
                Run it on a release build (swift build -c release).

                Example: benefit bench claim --backlog 10000 --backlog 1000000
                """)

        @OptionGroup var connection: ConnectionOptions

        @Option(
            parsing: .unconditionalSingleValue, help: "Jobs queued while claims are timed; repeat for more. (default: 10000 and 1000000)",
            transform: OptionValues.wholeNumber(100...10_000_000))
        var backlog: [Int] = []

        @Option(parsing: .unconditional, help: "Claim-and-complete rounds per backlog. (default: 1000)", transform: OptionValues.wholeNumber(10...100_000))
        var rounds = 1_000

        @Option(parsing: .unconditional, help: "Jobs per claim. (default: 10)", transform: OptionValues.wholeNumber(1...1_000))
        var limit = 10

        @Flag(help: "Print one JSON object instead of lines.")
        var json = false

        func validate() throws {
            if backlog.contains(where: { $0 < rounds * limit }) {
                throw ValidationError("--backlog: each backlog must hold the \(rounds * limit) jobs that --rounds claims of --limit take")
            }
        }

        func run() async throws {
            let (configuration, logger) = try await connection.configuration(label: "benefit.bench")
            var benchmark = ClaimBenchmark()
            if !backlog.isEmpty { benchmark.backlogs = backlog }
            benchmark.rounds = rounds
            benchmark.limit = limit
            let report = try await Interruptible.run { [benchmark] in try await benchmark.run(server: configuration, logger: logger) }
            if json { return print(try TextTable.json(report)) }
            Bench.printServerAndMachine(report.serverVersion, report.machine)
            print(TextTable.render(
                header: ["QUEUED", "CLAIM P50 MS", "CLAIM P99 MS", "COMPLETE P50 MS", "COMPLETE P99 MS"],
                rows: report.backlogs.map { backlog in
                    [TextTable.grouped(backlog.queued)] + [
                        backlog.times.claimP50Milliseconds, backlog.times.claimP99Milliseconds,
                        backlog.times.completeP50Milliseconds, backlog.times.completeP99Milliseconds,
                    ].map { String(format: "%.3f", $0) }
                }))
            print("(\(report.rounds) claims of \(report.limit) per backlog, each completed, on one connection)")
        }
    }

    struct Prune: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "prune",
            abstract: "Time the retention of a million finished jobs, and claims before and after.",
            discussion: """
                Needs a role with CREATEDB: it works in a scratch database
                benefit_bench_<random> that it creates, migrates and drops at the end.

                Writes --jobs finished batch jobs (1 % dead) that finished 130 to 100 days
                ago, one attempt each (the attempts fill those months' partitions), then
                prints:
                  - the sizes of benefit.job and benefit.job_attempt (with indexes);
                  - claims of 10 from 20,000 available jobs and the completions of those
                    10, --claim-rounds times on one connection: p50 and p99 in ms;
                  - the prune with a 90-day retention: the attempts' months dropped
                    whole, then the jobs deleted in chunks of --chunk, each timed;
                  - the sizes and claims again, and the sizes after VACUUM.
                Run it on a release build (swift build -c release).
                """)

        @OptionGroup var connection: ConnectionOptions

        @Option(parsing: .unconditional, help: "Finished jobs written and pruned. (default: 1000000)", transform: OptionValues.wholeNumber(1_000...10_000_000))
        var jobs = 1_000_000

        @Option(parsing: .unconditional, help: "Claim-and-complete rounds timed before and after. (default: 1000)", transform: OptionValues.wholeNumber(10...1_000))
        var claimRounds = 1_000

        @Option(parsing: .unconditional, help: "Jobs deleted per transaction. (default: 10000)", transform: OptionValues.wholeNumber(1...1_000_000))
        var chunk = 10_000

        @Flag(help: "Print one JSON object instead of lines.")
        var json = false

        func run() async throws {
            let (configuration, logger) = try await connection.configuration(label: "benefit.bench")
            var benchmark = PruneBenchmark()
            benchmark.jobs = jobs
            benchmark.claimRounds = claimRounds
            benchmark.chunk = chunk
            let report = try await Interruptible.run { [benchmark] in try await benchmark.run(server: configuration, logger: logger) }
            if json { return print(try TextTable.json(report)) }
            func size(_ sizes: PruneBenchmark.Sizes) -> String {
                String(format: "job %.0f MB, job_attempt %.0f MB in %ld partitions",
                       Double(sizes.jobBytes) / 1_048_576, Double(sizes.attemptBytes) / 1_048_576, sizes.partitions)
            }
            func claims(_ claims: ClaimTimes) -> String {
                String(format: "claim of 10 p50 %.3f ms, p99 %.3f ms; completion of 10 p50 %.3f ms, p99 %.3f ms",
                       claims.claimP50Milliseconds, claims.claimP99Milliseconds, claims.completeP50Milliseconds, claims.completeP99Milliseconds)
            }
            Bench.printServerAndMachine(report.serverVersion, report.machine, labelWidth: 18)
            print("history           ", "\(report.jobs) finished jobs, one attempt each")
            print("sizes before      ", size(report.before))
            print("claims before     ", claims(report.claimsBefore))
            print("drop partitions   ", String(format: "%ld attempts in %.3f s", report.attemptsDropped, report.dropSeconds),
                  "(\(report.partitionsDropped.joined(separator: ", ")))")
            print("delete jobs       ", String(format: "%ld jobs and %ld attempts in %.3f s", report.jobsDeleted, report.attemptsDeleted, report.deleteSeconds))
            print("sizes after       ", size(report.after))
            print("claims after      ", claims(report.claimsAfter))
            print("sizes after VACUUM", size(report.afterVacuum))
        }
    }
}

extension CampaignBenchmark.Program: ExpressibleByArgument {}
