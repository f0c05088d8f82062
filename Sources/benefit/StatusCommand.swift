import ArgumentParser
import BenefitCore
import BenefitQueue
import BenefitScheduler
import BenefitTools
import Foundation

struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "One screen: processes by host, the leader, queues, runs in progress, dead jobs, warnings.",
        discussion: """
            Processes come from benefit.processes (alive, and those stopped or gone in
            the last day); queues show jobs due now, scheduled for later, running, dead
            in the last 24 hours, the oldest due job's wait, and a paused queue's
            pause (benefit queues); runs show their phase (queued, waiting for a worker
            to plan it, planning, running, held by campaign pause --hold-runs) and rate.

            Warnings: no scheduler leads; a queue that is not paused has jobs due and no
            running worker claims from it; a run that is not held has had no batch
            finish, or has waited to be planned, for --stalled-after.

            \(RequiredRole.reader)
            """)

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var read: ReadOptions

    @Flag(help: "Print JSON instead of text.")
    var json = false

    @Flag(help: "Redraw every --every until interrupted (on a terminal, in place).")
    var watch = false

    @Option(
        parsing: .unconditional, help: ArgumentHelp("How often --watch redraws. (default: 2s)", valueName: "duration"),
        transform: OptionValues.duration(.milliseconds(100)...(.seconds(3_600))))
    var every: Duration = .seconds(2)

    @Option(
        parsing: .unconditional,
        help: ArgumentHelp("A run with nothing done for this long is warned of. (default: 10m)", valueName: "duration"),
        transform: OptionValues.duration(.seconds(1)...(.seconds(86_400 * 30))))
    var stalledAfter: Duration = .seconds(600)

    func run() async throws {
        let (pool, _) = try await read.pool(label: "benefit.status", connection: connection)
        var thresholds = OperationsStatus.Thresholds()
        thresholds.stalledAfter = stalledAfter
        let terminal = isatty(STDOUT_FILENO) == 1
        while true {
            let status = try await OperationsStatus.read(on: pool, thresholds: thresholds)
            let screen = json ? try TextTable.json(status) : StatusScreen.render(status)
            if watch, terminal {
                // Home, clear the screen, draw.
                FileHandle.standardOutput.write(Data(("\u{1B}[H\u{1B}[2J" + screen + "\n").utf8))
            } else {
                print(screen)
            }
            guard watch else { return }
            fflush(nil)
            try await Task.sleep(for: every)
            if !terminal { print("") }
        }
    }
}

/// The text of `benefit status`.
enum StatusScreen {
    static func render(_ status: OperationsStatus) -> String {
        var lines: [String] = []
        lines += table(
            "PROCESSES (leader: \(status.leader ?? "none"))", empty: "no process has registered in the last day",
            header: ["HOST", "ROLE", "NAME", "PID", "STATE", "QUEUES", "SLOTS", "VERSION", "LAST HEARTBEAT"],
            rows: status.processes.map { process in
                [process.host, process.role.rawValue + (process.leader ? " (leader)" : ""), process.name, String(process.pid),
                 process.state.rawValue, process.queues.isEmpty ? "-" : process.queues.joined(separator: ","),
                 process.concurrency.map(String.init) ?? "-", process.version, seconds(process.silentSeconds) + " ago"]
            })
        lines += table(
            "\nQUEUES", empty: "no job is due, scheduled, running or recently dead, and no queue is paused",
            header: ["QUEUE", "DUE", "SCHEDULED", "RUNNING", "DEAD 24H", "OLDEST WAIT", "PAUSED"],
            rows: status.queueSummaries.map { summary in
                let queue = summary.depth
                return [queue.queue, TextTable.grouped(queue.available), TextTable.grouped(queue.scheduled), TextTable.grouped(queue.running),
                        TextTable.grouped(queue.deadLastDay), queue.oldestWaitSeconds.map(seconds) ?? "-", QueueText.paused(summary.pause)]
            })
        lines += table(
            "\nRUNS IN PROGRESS", empty: "none", header: ["RUN", "CAMPAIGN", "PHASE", "BATCHES", "MEMBERS", "RATE"],
            rows: status.runs.map { activity in
                let run = activity.run
                let batches = "\(run.batchesSucceeded + run.batchesDead)/\(run.batchesTotal)" + (run.batchesDead > 0 ? " (\(run.batchesDead) dead)" : "")
                let rate = activity.membersPerSecond > 0 ? "\(TextTable.grouped(Int(activity.membersPerSecond)))/s" : "-"
                return [String(run.runID), run.campaign, activity.phaseText, batches,
                        "\(TextTable.grouped(run.membersDone))/\(TextTable.grouped(run.membersTotal))", rate]
            })
        lines.append("\ndead jobs in the last 24 hours: \(status.deadLastDay)" + (status.deadLastDay > 0 ? " (benefit jobs dead)" : ""))
        if !status.warnings.isEmpty {
            lines.append("\nWARNINGS")
            lines += status.warnings.map { "! " + $0 }
        }
        // Names, hosts and campaigns come from the database: each line printed safe.
        return lines.joined(separator: "\n").split(separator: "\n", omittingEmptySubsequences: false)
            .map { PrintableText.escaping(String($0)) }.joined(separator: "\n")
    }

    /// A titled table, or the title and `empty` when there are no rows.
    private static func table(_ title: String, empty: String, header: [String], rows: [[String]]) -> [String] {
        [title, rows.isEmpty ? empty : TextTable.render(header: header, rows: rows)]
    }

    /// Whole seconds: "0s" under one, "2m5s" past a minute.
    static func seconds(_ value: Double) -> String {
        value < 1 ? "0s" : DurationText.format(.seconds(Int(value)))
    }
}
