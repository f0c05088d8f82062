import ArgumentParser
import BenefitAudit
import BenefitCore
import BenefitScheduler
import BenefitTools
import Foundation

extension RunState: ExpressibleByArgument {}

struct Runs: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List runs, show one, watch its progress, cancel it.",
        subcommands: [List.self, Show.self, Watch.self, Cancel.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List runs, newest first.", discussion: RequiredRole.operator)

        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var read: ReadOptions

        @Option(help: "Only this campaign's runs.")
        var campaign: String?

        @Option(help: "Only runs in this state.")
        var state: RunState?

        @Option(parsing: .unconditional, help: "Show at most this many. (default: 50)", transform: OptionValues.wholeNumber(1...Int.max))
        var limit = 50

        @Flag(help: "Print JSON instead of a table.")
        var json = false

        func run() async throws {
            let (pool, _) = try await read.pool(label: "benefit.runs", connection: connection)
            let runs = try await RunHistory.list(on: pool, campaign: campaign, state: state, limit: limit)
            if json { return print(try TextTable.json(runs)) }
            guard !runs.isEmpty else { return print("no runs") }
            print(TextTable.render(
                header: ["RUN", "CAMPAIGN", "FIRE TIME", "TRIGGER", "STATE", "BATCHES", "MEMBERS", "AMOUNT"],
                rows: runs.map { run in
                    [String(run.runID), run.campaign, TextTable.instant(run.fireTime), run.trigger, run.state.rawValue,
                     "\(run.batchesSucceeded)/\(run.batchesTotal)" + (run.batchesDead > 0 ? " (\(run.batchesDead) dead)" : ""),
                     "\(run.membersDone)/\(run.membersTotal)", "\(run.amountTotal)"]
                }))
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one run and its dead batches.", discussion: RequiredRole.operator)

        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var read: ReadOptions

        @Argument(help: "The run's id.")
        var run: Int

        @Flag(help: "Print JSON instead of text.")
        var json = false

        func run() async throws {
            let (pool, _) = try await read.pool(label: "benefit.runs", connection: connection)
            guard let summary = try await RunHistory.find(run, on: pool) else { throw CommandFailure("there is no run \(run)") }
            let dead = try await DeadJobs.list(on: pool, runID: run, limit: 20)
            if json {
                struct Shown: Encodable { let run: RunSummary; let deadJobs: [DeadJobSummary] }
                return print(try TextTable.json(Shown(run: summary, deadJobs: dead)))
            }
            printEscaped("run \(summary.runID) of \(summary.campaign) (\(summary.program)), cycle \(summary.cycle)")
            printEscaped("fire time  \(TextTable.instant(summary.fireTime)) (\(summary.trigger))")
            printEscaped("state      \(summary.state.rawValue)")
            printEscaped("started    \(TextTable.instant(summary.startedAt))")
            printEscaped("finished   \(TextTable.instant(summary.finishedAt))")
            printEscaped("batches    \(summary.batchesSucceeded) succeeded, \(summary.batchesDead) dead, of \(summary.batchesTotal)")
            printEscaped("members    \(summary.membersDone) of \(summary.membersTotal)")
            printEscaped("amount     \(summary.amountTotal)")
            if !dead.isEmpty {
                print("\ndead batches (retry with: benefit jobs retry --run \(summary.runID)):")
                for job in dead { printEscaped("  job \(job.jobID), \(job.attempts) attempts: \(TextTable.cell(job.lastError, limit: 120))") }
            }
        }
    }

    struct Watch: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Follow a run until it ends: a progress bar on a terminal, plain lines otherwise.",
            discussion: """
                Exits 0 when the run succeeds, 1 when it fails or is cancelled. A run held by
                campaign pause --hold-runs shows as held where it stopped, and goes on being
                watched until its campaign is resumed and it ends.

                \(RequiredRole.operator)
                """)

        @OptionGroup var connection: ConnectionOptions

        @Argument(help: "The run's id.")
        var run: Int

        @Option(
            parsing: .unconditional, help: ArgumentHelp("How often to look. (default: 500ms)", valueName: "duration"),
            transform: OptionValues.duration(.milliseconds(50)...(.seconds(3_600))))
        var every: Duration = .milliseconds(500)

        func run() async throws {
            let (pool, _) = try await connection.pool(label: "benefit.runs")
            let terminal = isatty(STDOUT_FILENO) == 1
            var progress = RunProgress()
            var lastPlain = ""
            while true {
                guard let summary = try await RunHistory.find(run, on: pool) else { throw CommandFailure("there is no run \(run)") }
                let activity = summary.state.isFinal ? nil : try await RunHistory.activity(on: pool, runIDs: [run]).first
                // Before its batches are on the queue, a run says what it waits for (planning a large run takes a while).
                let waiting = summary.state == .pending ? activity : nil
                // A held run (campaign pause --hold-runs) shows where it stopped, as held, without a rate.
                let held = activity?.phase == .held
                let (rate, remaining) = held ? (0, nil) : progress.rate(for: summary)
                if terminal {
                    // Redraw the one line in place: carriage return, clear line, text.
                    let line = waiting.map { "run \(run) \($0.phaseText)" } ?? RunProgress.line(summary, perSecond: rate, remaining: remaining, held: held)
                    FileHandle.standardOutput.write(Data(("\r\u{1B}[2K" + line).utf8))
                } else {
                    let line = waiting.map { "run \(run) pending: \($0.phase.rawValue.replacingOccurrences(of: "_", with: " "))" }
                        ?? RunProgress.plainLine(summary, held: held)
                    if line != lastPlain {
                        print(line)
                        // A pipe is block-buffered: each line goes out as it comes (`runs watch 12 | tee log`).
                        fflush(nil)
                        lastPlain = line
                    }
                }
                if summary.state.isFinal {
                    if terminal { print("") }
                    if summary.state != .succeeded { throw ExitCode.failure }
                    return
                }
                try await Task.sleep(for: every)
            }
        }
    }

    struct Cancel: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Cancel a run: no new batch starts; it is marked cancelled when running batches end.", discussion: RequiredRole.operator)

        @OptionGroup var connection: ConnectionOptions

        @Argument(help: "The run's id.")
        var run: Int

        @Option(help: "Why, for the record (shown by benefit audit list).")
        var reason: String

        func validate() throws {
            if let problem = AuditEntry.reasonProblem(reason) { throw ValidationError("--reason: \(problem)") }
        }

        func run() async throws {
            let (pool, logger) = try await connection.pool(label: "benefit.runs")
            guard let cancellation = try await RunControl.cancel(runID: run, reason: reason, by: OperatorIdentity.current, on: pool, logger: logger) else {
                throw CommandFailure("there is no run \(run)")
            }
            guard cancellation.requested else { throw CommandFailure("run \(run) is already \(cancellation.stateBefore.rawValue)") }
            print("run \(run): cancel requested; \(cancellation.stoppedJobs) batches will not start")
        }
    }
}
