import ArgumentParser
import BenefitAudit
import BenefitCore
import BenefitQueue
import BenefitScheduler
import BenefitTools
import Foundation
import PostgresClient

struct Jobs: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Enqueue jobs, list dead ones, retry or cancel them, prune finished ones.",
        subcommands: [Enqueue.self, Dead.self, Retry.self, Cancel.self, Prune.self])

    struct Enqueue: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Put jobs on the queue.",
            discussion: """
                Kinds every worker runs: noop; sleep with {"ms": N}; probe with
                {"ms": N, "failAttempts": K, "permanent": true|false, "stubborn": true|false},
                which writes one row to benefit.probe_effect when it succeeds (for fire
                drills; a stubborn probe ignores the worker's stop and tries its commit
                anyway).

                A job is due at once unless --run-at or --in says when: no worker claims it
                before then (the database's clock decides), and it waits on its queue as an
                available job with no attempts. The command prints when it becomes due.

                With --timeout, a worker stops a handler that runs longer and gives its
                slot to the next job at once, even if the handler ignores the stop:
                what it still tries to commit is refused.

                Example: benefit jobs enqueue sleep --payload '{"ms": 200}' --count 100
                Example: benefit jobs enqueue noop --in 15m
                Example: benefit jobs enqueue noop --run-at 2026-12-20T09:00:00+08:00

                \(RequiredRole.operator)
                """)

        @OptionGroup var connection: ConnectionOptions

        @Argument(help: "The job kind (which handler runs it).")
        var kind: String

        @Option(help: "Arguments for the handler: a JSON object.")
        var payload = "{}"

        @Option(
            parsing: .unconditional, help: "How many identical jobs (bulk-loaded in one transaction). (default: 1)",
            transform: OptionValues.wholeNumber(1...10_000_000))
        var count = 1

        @Option(help: "Queue to put them on.")
        var queue = "default"

        @Option(parsing: .unconditional, help: "Lower runs first. (default: 0)", transform: OptionValues.wholeNumber(NewJob.priorities))
        var priority = 0

        @Option(parsing: .unconditional, help: "Tries before a job is dead. (default: 5)", transform: OptionValues.wholeNumber(NewJob.attemptLimits))
        var maxAttempts = 5

        @Option(
            parsing: .unconditional, help: ArgumentHelp("How long a claim lasts without a heartbeat. (default: 1m)", valueName: "duration"),
            transform: OptionValues.duration(NewJob.leaseDurations))
        var lease: Duration = .seconds(60)

        @Option(
            parsing: .unconditional,
            help: ArgumentHelp(
                "How long one attempt's handler may run; past it the handler is stopped, the attempt ends timed_out and the job retries under --max-attempts. (default: none)",
                valueName: "duration"),
            transform: OptionValues.duration(NewJob.timeouts))
        var timeout: Duration?

        @Option(help: "While a job with this key is available or running, return it instead of adding another.")
        var uniqueKey: String?

        @Option(
            parsing: .unconditional,
            help: ArgumentHelp(
                "Not claimed before this instant, written with its UTC offset (2026-12-20T09:00:00+08:00); one still to come.",
                valueName: "instant"),
            transform: OptionValues.instant)
        var runAt: Date?

        @Option(
            name: .customLong("in"), parsing: .unconditional,
            help: ArgumentHelp("Not claimed until this long from now: 90s, 15m, 2h, 1d (1s to 365d).", valueName: "duration"),
            transform: OptionValues.duration(Self.delays))
        var delay: Duration?

        /// How far ahead `--in` may put a job.
        static let delays = Duration.seconds(1)...Duration.seconds(365 * 86_400)

        private func job(runAt: Date?) -> NewJob {
            NewJob(
                kind: kind, payload: payload, queue: queue, priority: priority, runAt: runAt, maxAttempts: maxAttempts, lease: lease,
                uniqueKey: uniqueKey, timeout: timeout)
        }

        /// When the jobs become due, from `--run-at` or `--in`; `nil` for now.
        private func due(now: Date) -> Date? {
            runAt ?? delay.map { now.addingTimeInterval(Double($0.wholeMilliseconds) / 1_000) }
        }

        func validate() throws {
            if runAt != nil && delay != nil {
                throw ValidationError("--run-at and --in both say when the job is due; give one of them")
            }
            if let runAt, runAt <= Date() {
                throw ValidationError(
                    "--run-at: \(InstantText.format(runAt, in: .gmt)) has already passed (it is now \(InstantText.format(Date(), in: .gmt))); "
                    + "leave --run-at out to run the job now")
            }
            let job = job(runAt: nil)
            do {
                try job.validate(copies: count)
            } catch {
                let option = switch error.field {
                case .kind: "KIND"
                case .queue: "--queue"
                case .payload: "--payload"
                case .priority: "--priority"
                case .maxAttempts: "--max-attempts"
                case .lease: "--lease"
                case .timeout: "--timeout"
                case .uniqueKey: "--unique-key"
                case .count: "--count"
                case .backoff, .group, .concurrency: error.field.rawValue
                }
                throw ValidationError("\(option): \(error.message)")
            }
        }

        func run() async throws {
            let (pool, _) = try await connection.pool(label: "benefit.jobs")
            let due = due(now: Date())
            let when = due.map { ", due at \(InstantText.format($0, in: .gmt))" + (delay.map { " (in \(DurationText.format($0)))" } ?? "") } ?? ""
            switch try await JobQueue(pool: pool).enqueue(copies: count, of: job(runAt: due)) {
            case .one(let id): print("enqueued job \(id)\(when)")
            case .held(let id): print("job \(id) already holds unique key \(uniqueKey ?? "")")
            case .many(let added): print("enqueued \(added) jobs\(when)")
            }
        }
    }

    struct Dead: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List dead jobs (the dead-letter list), newest first.", discussion: RequiredRole.operator)

        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var read: ReadOptions

        @Option(parsing: .unconditional, help: "Only the dead jobs of this run.", transform: OptionValues.wholeNumber(1...Int.max))
        var run: Int?

        @Option(parsing: .unconditional, help: "Show at most this many. (default: 100)", transform: OptionValues.wholeNumber(1...Int.max))
        var limit = 100

        @Flag(help: "Print JSON instead of a table.")
        var json = false

        func run() async throws {
            let (pool, _) = try await read.pool(label: "benefit.jobs", connection: connection)
            let dead = try await DeadJobs.list(on: pool, runID: run, limit: limit)
            if dead.isEmpty, let run, try await RunHistory.find(run, on: pool) == nil {
                throw CommandFailure("there is no run \(run)")
            }
            if json {
                print(try TextTable.json(dead))
            } else if dead.isEmpty {
                print(run.map { "no dead jobs in run \($0)" } ?? "no dead jobs")
            } else {
                print(TextTable.render(
                    header: ["JOB", "RUN", "KIND", "ATTEMPTS", "DIED AT", "LAST ERROR"],
                    rows: dead.map { [String($0.jobID), $0.runID.map(String.init) ?? "", $0.kind, String($0.attempts), TextTable.instant($0.diedAt), TextTable.cell($0.lastError)] }))
            }
        }
    }

    struct Retry: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Put dead jobs back on the queue with fresh attempts.",
            discussion: "Give a job id, or --run RUN for every dead job of a run.\n\n\(RequiredRole.operator)")

        @OptionGroup var connection: ConnectionOptions

        @Argument(help: "The dead job to retry.")
        var job: Int?

        @Option(parsing: .unconditional, help: "Retry every dead job of this run.", transform: OptionValues.wholeNumber(1...Int.max))
        var run: Int?

        @Option(help: "Why, for the record (shown by benefit audit list).")
        var reason: String?

        func validate() throws {
            guard (job == nil) != (run == nil) else { throw ValidationError("give either a job id or --run RUN") }
            if let reason, let problem = AuditEntry.reasonProblem(reason) { throw ValidationError("--reason: \(problem)") }
        }

        func run() async throws {
            let (pool, _) = try await connection.pool(label: "benefit.jobs")
            if let run {
                guard let retried = try await RunControl.retryDead(runID: run, reason: reason, by: OperatorIdentity.current, on: pool) else {
                    throw CommandFailure("there is no run \(run)")
                }
                print("\(retried.count) dead jobs of run \(run) are available again")
            } else if let job {
                guard try await !RunControl.retryDead(jobID: job, reason: reason, by: OperatorIdentity.current, on: pool).isEmpty else {
                    let state = try await JobQueue(pool: pool).state(of: job)
                    throw CommandFailure(state.map { "job \(job) is \($0.rawValue), not dead" } ?? "there is no job \(job)")
                }
                print("job \(job) is available again")
            }
        }
    }

    struct Cancel: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Cancel a job that has not finished.",
            discussion: "A running job's worker is fenced out: whatever it has not committed is never committed.\n\n\(RequiredRole.operator)")

        @OptionGroup var connection: ConnectionOptions

        @Argument(help: "The job to cancel.")
        var job: Int

        @Option(help: "Why, for the record (shown by benefit audit list).")
        var reason: String

        func validate() throws {
            if let problem = AuditEntry.reasonProblem(reason) { throw ValidationError("--reason: \(problem)") }
        }

        func run() async throws {
            let (pool, _) = try await connection.pool(label: "benefit.jobs")
            let queue = JobQueue(pool: pool)
            guard try await queue.cancel(jobID: job, reason: reason, by: OperatorIdentity.current) else {
                let state = try await queue.state(of: job)
                throw CommandFailure(state.map { "job \(job) is already \($0.rawValue)" } ?? "there is no job \(job)")
            }
            print("job \(job) cancelled")
        }
    }

    struct Prune: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete finished jobs and their attempts older than a retention period.",
            discussion: """
                First drops the attempts' monthly partitions (UTC months) that ended more
                than --older-than ago: a whole month of attempts at once, not row by row
                (a month holding a job still running is kept). Then deletes jobs that
                succeeded, died or were cancelled more than --older-than ago (by the
                database's clock), with their remaining attempts, oldest first, in chunks
                of --chunk jobs, each its own short transaction, so workers claiming
                meanwhile never wait. A job that is available or running is never
                touched, and neither are effects (grants, appointments, allocations,
                waitlists): they stay, naming a job that is gone. Every run keeps its
                figures in benefit.run_history; the rows of benefit.jobs,
                benefit.job_attempts and benefit.dead_jobs for the pruned jobs are gone,
                and a pruned dead job can no longer be retried.

                Each chunk and each dropped partition records job.prune in the audit
                trail with what it deleted.
                --older-than is at least 1h, so a run still finishing never loses its
                jobs. With --dry-run, prints what would go and writes nothing. The leading `benefit scheduler --retention`
                does the same on a schedule (docs/operations.md, Retention).

                Example: benefit jobs prune --older-than 90d --dry-run
                Example: benefit jobs prune --older-than 90d

                \(RequiredRole.operator)
                """)

        @OptionGroup var connection: ConnectionOptions

        @Option(
            parsing: .unconditional,
            help: ArgumentHelp("Prune jobs that finished longer ago than this (e.g. 90d).", valueName: "duration"),
            transform: OptionValues.duration(JobQueue.shortestRetention...(.seconds(86_400 * 36_500))))
        var olderThan: Duration

        @Option(
            parsing: .unconditional, help: "Most jobs deleted per transaction. (default: 10000)",
            transform: OptionValues.wholeNumber(1...1_000_000))
        var chunk = 10_000

        @Flag(help: "Print what would be deleted; delete nothing.")
        var dryRun = false

        func run() async throws {
            let (pool, _) = try await connection.pool(label: "benefit.jobs")
            let result = try await JobQueue(pool: pool).prune(olderThan: olderThan, chunk: chunk, dryRun: dryRun, by: OperatorIdentity.current)
            print(Self.summary(result, dryRun: dryRun))
        }

        static func summary(_ result: PruneResult, dryRun: Bool) -> String {
            let before = result.finishedBefore.map { " finished before \(TimestampText.format($0))" } ?? ""
            let what = "\(result.jobs) jobs\(before) and \(result.attempts) attempts"
            var months = ""
            if !result.partitions.isEmpty {
                let attempts = result.partitions.reduce(0) { $0 + $1.attempts }
                let names = result.partitions.map(\.name).joined(separator: ", ")
                months = "\(result.partitions.count) attempt partitions (\(names)) holding \(attempts) attempts"
            }
            if dryRun {
                let partitions = months.isEmpty ? "" : "; \(months) would be dropped"
                return "dry run: \(what) would be deleted\(partitions); nothing was deleted"
            }
            return months.isEmpty ? "deleted \(what)" : "dropped \(months); deleted \(what)"
        }
    }
}
