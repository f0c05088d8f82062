import BenefitQueue
import BenefitScheduler
import BenefitWorkers
import Foundation
import Hummingbird

/// `/`: processes by host, the leader, queues (paused ones marked, with who,
/// since when and why), runs in progress with live
/// progress bars and rates, dead jobs, warnings (what `benefit status` shows).
/// `/events/overview` streams the runs' progress (Server-Sent Events).
enum OverviewPage {
    static func register(on router: Router<ConsoleContext>, console: Console) {
        router.get("/") { _, context in
            async let status = OperationsStatus.read(on: console.pool)
            async let runsPerDay = RunHistory.runsPerDay(days: 30, on: console.pool)
            async let amounts = RunHistory.amountPerCycle(limit: 12, on: console.pool)
            async let bookings = ProgramResults.bookingsPerDay(days: 60, on: console.pool)
            let language = context.language
            var model = model(try await status, language)
            model["runsChart"] = BarChart(
                title: Strings.label("runsPerDay", language),
                bars: try await runsPerDay.map { .init(label: String($0.day.dropFirst(5)), value: Double($0.runs), text: language.count($0.runs)) }
            ).model
            model["moneyChart"] = BarChart(
                title: Strings.label("moneyPerCycle", language),
                bars: try await amounts.map {
                    .init(label: "\($0.campaign) \($0.cycle)", value: NSDecimalNumber(decimal: $0.amount).doubleValue, text: language.money($0.amount, short: true))
                }
            ).model
            model["bookingsChart"] = BarChart(
                title: Strings.label("bookingsPerDay", language),
                bars: try await bookings.map { .init(label: language.shortDay($0.day), value: Double($0.bookings), text: language.count($0.bookings)) }
            ).model
            return console.assets.page("overview", title: Strings.label("overview", language), context: context, path: "/", model: model)
        }
        router.get("/events/overview") { _, context in
            let language = context.language
            return console.events { try await runsEvent(OperationsStatus.read(on: console.pool), language) }
        }
    }

    static func model(_ status: OperationsStatus, _ language: Language) -> [String: Any] {
        [
            "warnings": status.problems.map { warning($0, language) },
            "leader": status.leader ?? Strings.label("noLeader", language),
            "hasProcesses": !status.processes.isEmpty,
            "processes": status.processes.map { process in
                [
                    "host": process.host, "role": Strings.label("role_" + process.role.rawValue, language), "leader": process.leader,
                    "name": process.name, "state": Strings.label("state_" + process.state.rawValue, language),
                    "stateKey": process.state.rawValue,
                    "queues": process.queues.isEmpty ? "—" : process.queues.joined(separator: ", "),
                    "slots": process.concurrency.map(String.init) ?? "—", "version": process.version,
                    "heartbeat": language.seconds(process.silentSeconds) + Strings.label("ago", language),
                ] as [String: Any]
            },
            "hasQueues": !status.queueSummaries.isEmpty,
            "queues": status.queueSummaries.map { summary in
                let queue = summary.depth
                return [
                    "name": queue.queue, "due": language.count(queue.available), "scheduled": language.count(queue.scheduled),
                    "running": language.count(queue.running), "dead": language.count(queue.deadLastDay),
                    "oldestWait": queue.oldestWaitSeconds.map(language.seconds) ?? "—",
                    // A section when paused (who, since when, why), false when not.
                    "paused": summary.pause.map { pause -> Any in
                        [
                            "since": language.seconds(pause.pausedSeconds) + Strings.label("ago", language), "by": pause.pausedBy,
                            "reason": pause.reason,
                        ]
                    } ?? false,
                ] as [String: Any]
            },
            "runs": status.runs.map { run(for: $0, language) },
            "deadLastDay": language.count(status.deadLastDay),
        ]
    }

    /// A warning in the page's language.
    static func warning(_ warning: OperationsStatus.Warning, _ language: Language) -> String {
        guard language == .zh else { return warning.text }
        switch warning {
        case .noLeader: return "没有主调度器：在启动调度器（benefit scheduler）之前，任何活动都不会按时触发"
        case let .unclaimedQueue(queue, due): return "队列 \(queue) 有 \(language.count(due)) 个待处理任务，但没有运行中的工作进程处理它"
        case let .stalledRun(runID, campaign, seconds):
            return "运行 \(runID)（\(campaign)）没有进展：已有 \(language.seconds(seconds)) 没有批次完成"
        case let .unplannedRun(runID, campaign, seconds):
            return "运行 \(runID)（\(campaign)）已等待工作进程规划 \(language.seconds(seconds))"
        }
    }

    /// One run's card: what the page draws and the stream redraws.
    static func run(for activity: RunActivity, _ language: Language) -> [String: Any] {
        let run = activity.run
        let done = run.batchesSucceeded + run.batchesDead
        let percent = run.batchesTotal == 0 ? 0 : done * 100 / run.batchesTotal
        let phase = Strings.label("phase_" + activity.phase.rawValue, language) + " " + language.seconds(activity.phaseSeconds)
        let rate = activity.membersPerSecond > 0 ? language.count(Int(activity.membersPerSecond)) + Strings.label("perSecond", language) : "—"
        return [
            "id": run.runID, "campaign": run.campaign, "percent": percent, "phase": phase,
            "batches": "\(language.count(done))/\(language.count(run.batchesTotal))",
            "members": "\(language.count(run.membersDone))/\(language.count(run.membersTotal))", "rate": rate,
        ]
    }

    /// The stream's event: every run in progress, as its card shows it.
    static func runsEvent(_ status: OperationsStatus, _ language: Language) throws -> ServerSentEvent {
        try .runs(status.runs.map { run(for: $0, language) })
    }
}
