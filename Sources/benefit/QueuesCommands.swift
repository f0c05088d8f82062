import ArgumentParser
import BenefitAudit
import BenefitCore
import BenefitQueue
import BenefitTools
import Foundation

struct Queues: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List queues, pause one on every host, resume it.",
        discussion: """
            A paused queue's jobs are claimed by no worker on any host, from the pause's
            commit on (a worker's next claim, within one --poll-interval); jobs already
            running finish, and new jobs may still be enqueued: they wait. Resuming wakes
            the workers on the queue at once. Both are recorded in the audit trail
            (queue.pause with its reason, queue.resume).

            To hold one campaign's runs rather than a whole queue: benefit campaign pause
            NAME --reason TEXT --hold-runs.
            """,
        subcommands: [List.self, Pause.self, Resume.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Every queue known: its jobs due, running and dead, its workers, and whether it is paused, by whom, since when and why.",
            discussion: """
                Queues are known from their jobs (available, running or dead), from their
                pauses, and from the running workers that claim from them. WORKERS counts the
                running workers (not draining, not gone) that list the queue.

                \(RequiredRole.reader)
                """)

        @OptionGroup var connection: ConnectionOptions

        @Flag(help: "Print JSON instead of a table.")
        var json = false

        func run() async throws {
            let (pool, _) = try await connection.pool(label: "benefit.queues")
            let queues = try await QueueSummary.all(on: pool)
            if json { return print(try TextTable.json(queues)) }
            guard !queues.isEmpty else { return print("no queues: no job, no pause and no running worker names one") }
            print(TextTable.render(
                header: ["QUEUE", "STATE", "DUE", "SCHEDULED", "RUNNING", "DEAD", "WORKERS", "PAUSED"],
                rows: queues.map { summary in
                    let depth = summary.depth
                    return [depth.queue, summary.pause == nil ? "open" : "paused", TextTable.grouped(depth.available),
                            TextTable.grouped(depth.scheduled), TextTable.grouped(depth.running), TextTable.grouped(depth.dead),
                            String(summary.workers), QueueText.paused(summary.pause)]
                }))
        }
    }

    struct Pause: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Pause a queue: no worker on any host claims its jobs until it is resumed.",
            discussion: """
                Jobs running on it finish (the command says how many there are); jobs
                enqueued meanwhile wait. A queue with no jobs yet may be paused too.

                Example: benefit queues pause relief --reason "bank file under review"

                \(RequiredRole.operator)
                """)

        @OptionGroup var connection: ConnectionOptions

        @Argument(help: "The queue's name (as workers' --queues and campaigns' execution.queue name it).")
        var name: String

        @Option(help: "Why, for the record (shown by queues list, status and benefit audit list).")
        var reason: String

        func validate() throws {
            if let problem = NewJob.queueNameProblem(name) { throw ValidationError("NAME: \(problem)") }
            if let problem = AuditEntry.reasonProblem(reason, blank: "empty; say why the queue is paused") {
                throw ValidationError("--reason: \(problem)")
            }
        }

        func run() async throws {
            let (pool, _) = try await connection.pool(label: "benefit.queues")
            let queue = JobQueue(pool: pool)
            guard try await queue.pause(queue: name, reason: reason, by: OperatorIdentity.current) else {
                let pause = try await queue.pause(of: name)
                throw CommandFailure("queue \(name) is already paused" + (pause.map { " (\(QueueText.paused($0)))" } ?? ""))
            }
            let running = try await queue.runningJobs(queue: name)
            printEscaped("queue \(name) paused: no worker claims its jobs until benefit queues resume \(name)"
                + (running > 0 ? "; \(running) job\(running == 1 ? "" : "s") running on it will finish" : ""))
        }
    }

    struct Resume: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Resume a paused queue: its workers claim its jobs again at once.",
            discussion: RequiredRole.operator)

        @OptionGroup var connection: ConnectionOptions

        @Argument(help: "The queue's name.")
        var name: String

        @Option(help: "Why, for the record (shown by benefit audit list).")
        var reason: String?

        func validate() throws {
            if let problem = NewJob.queueNameProblem(name) { throw ValidationError("NAME: \(problem)") }
            if let reason, let problem = AuditEntry.reasonProblem(reason) { throw ValidationError("--reason: \(problem)") }
        }

        func run() async throws {
            let (pool, _) = try await connection.pool(label: "benefit.queues")
            guard try await JobQueue(pool: pool).resume(queue: name, reason: reason, by: OperatorIdentity.current) else {
                throw CommandFailure("queue \(name) is not paused (benefit queues list shows the paused ones)")
            }
            printEscaped("queue \(name) resumed")
        }
    }
}

/// How the command line words a queue's pause.
enum QueueText {
    /// `3m ago by alice@host-1: budget review`, or `-` when the queue is not paused.
    static func paused(_ pause: QueuePause?) -> String {
        guard let pause else { return "-" }
        return TextTable.cell("\(StatusScreen.seconds(pause.pausedSeconds)) ago by \(pause.pausedBy): \(pause.reason)", limit: 100)
    }
}
