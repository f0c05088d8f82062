import BenefitQueue
import BenefitScheduler
import BenefitWorkers
import Foundation
import Hummingbird

/// `/runs`: runs newest first, filtered by campaign and state (`benefit runs list`).
/// `/runs/:id`: one run's summary, live progress, dead batches and the attempts
/// of its jobs (`benefit runs show`, with the attempts). `/events/runs/:id`
/// streams its progress bar as the overview's stream does its cards.
enum RunsPage {
    /// Runs the list shows.
    static let listLimit = 50
    /// Dead batches the run page shows.
    static let deadLimit = 50
    /// Attempts the run page's timeline shows: the newest, for a run of many batches.
    static let attemptLimit = 200

    static func register(on router: Router<ConsoleContext>, console: Console) {
        router.get("/runs") { request, context in
            let language = context.language
            let query = request.uri.queryParameters
            let campaign = query.get("campaign").flatMap { $0.isEmpty ? nil : $0 }
            let state = query.get("state").flatMap(RunState.init(rawValue:))
            let runs = try await RunHistory.list(on: console.pool, campaign: campaign, state: state, limit: listLimit)
            let names = try await CampaignStore.list(on: console.pool).map(\.name)
            return console.assets.page(
                "runs", title: Strings.label("runs", language), context: context, path: "/runs",
                model: [
                    "runs": runs.map { RunRows.run($0, language) }, "hasRuns": !runs.isEmpty,
                    "campaignOptions": names.map { ["value": $0, "selected": $0 == campaign] as [String: Any] },
                    "stateOptions": RunState.allCases.map { option in
                        ["value": option.rawValue, "label": Strings.label("runState_" + option.rawValue, language), "selected": option == state]
                            as [String: Any]
                    },
                    "limit": language.count(listLimit),
                ])
        }
        router.get("/runs/:id") { request, context in
            let language = context.language
            guard let runID = Int(try ConsolePaths.parameter("id", of: context)), let run = try await RunHistory.find(runID, on: console.pool) else {
                return console.assets.notFound(
                    Strings.label("noSuchRun", language) + ((try? ConsolePaths.parameter("id", of: context)) ?? ""), context: context, path: request.uri.path)
            }
            let activity = run.state.isFinal ? nil : try await RunHistory.activity(on: console.pool, runIDs: [runID]).first
            let dead = try await DeadJobs.list(on: console.pool, runID: runID, limit: deadLimit)
            let attempts = try await JobHistory.attempts(runID: runID, limit: attemptLimit, on: console.pool)
            var model = detail(run, activity: activity, dead: dead, attempts: attempts, language)
            if let results = try await ProgramResults.read(runID: runID, program: run.program, on: console.pool) {
                model["results"] = resultsModel(results, startedAt: run.startedAt, language)
            }
            return console.assets.page(
                "run", title: Strings.label("run", language) + " " + String(runID), context: context, path: "/runs", model: model)
        }
        router.get("/events/runs/:id") { _, context in
            guard let runID = Int(try ConsolePaths.parameter("id", of: context)), try await RunHistory.find(runID, on: console.pool) != nil else {
                throw HTTPError(.notFound)
            }
            let language = context.language
            return console.events {
                guard let run = try await RunHistory.find(runID, on: console.pool) else { return try .runs([]) }
                let activity = run.state.isFinal ? nil : try await RunHistory.activity(on: console.pool, runIDs: [runID]).first
                return try .runs([card(run, activity: activity, language)])
            }
        }
    }

    /// The progress card: the overview's for a run in progress; for one that has
    /// ended, the same fields with its final state as the phase.
    static func card(_ run: RunSummary, activity: RunActivity?, _ language: Language) -> [String: Any] {
        if let activity { return OverviewPage.run(for: activity, language) }
        let done = run.batchesSucceeded + run.batchesDead
        return [
            "id": run.runID, "campaign": run.campaign, "percent": run.batchesTotal == 0 ? (run.state.isFinal ? 100 : 0) : done * 100 / run.batchesTotal,
            "phase": Strings.label("runState_" + run.state.rawValue, language),
            "batches": "\(language.count(done))/\(language.count(run.batchesTotal))",
            "members": "\(language.count(run.membersDone))/\(language.count(run.membersTotal))", "rate": "—",
        ]
    }

    static func detail(
        _ run: RunSummary, activity: RunActivity?, dead: [DeadJobSummary], attempts: [AttemptSummary], _ language: Language
    ) -> [String: Any] {
        var model = RunRows.run(run, language)
        model["program"] = run.program
        model["cycle"] = run.cycle
        model["startedAt"] = language.dateTime(run.startedAt, seconds: true)
        model["finishedAt"] = language.dateTime(run.finishedAt, seconds: true)
        model["card"] = card(run, activity: activity, language)
        model["live"] = !run.state.isFinal
        model["dead"] = dead.map { RunRows.deadJob($0, campaigns: [run.runID: run.campaign], language) }
        model["hasDead"] = !dead.isEmpty
        model["attempts"] = attempts.map { RunRows.attempt($0, language) }
        model["hasAttempts"] = !attempts.isEmpty
        model["timeline"] = timelineModel(attempts, now: Date(), language)
        model["attemptsLimited"] = attempts.count == attemptLimit
        model["attemptLimit"] = language.count(attemptLimit)
        return model
    }

    /// The program's results: its figures as a bar chart, the budget's burn-down
    /// (relief), the bookings heatmap (checkups), and the waitlist in rank order.
    static func resultsModel(_ results: ProgramResults, startedAt: Date?, _ language: Language) -> [String: Any] {
        let money = results.measure.isMoney
        let chart = BarChart(
            title: Strings.label("results_" + results.measure.rawValue, language),
            bars: results.figures.map { figure in
                .init(
                    label: results.measure == .bookingsPerDay ? language.shortDay(figure.label) : figure.label,
                    value: NSDecimalNumber(decimal: figure.value).doubleValue,
                    text: money ? language.money(figure.value, short: true) : language.count(NSDecimalNumber(decimal: figure.value).intValue))
            })
        var model: [String: Any] = [
            "chart": chart.model, "waitlisted": language.count(results.waitlisted),
            "waiting": results.waiting.map { entry in
                ["rank": language.count(entry.rank), "member": entry.memberID, "memberPath": ConsolePaths.member(entry.memberID), "reason": entry.reason]
            },
            "hasWaiting": !results.waiting.isEmpty,
            "waitingCaption": Strings.label("firstOf", language).replacingOccurrences(of: "{n}", with: language.count(results.waiting.count)),
        ]
        if let burnDown = results.burnDown, let first = burnDown.steps.first {
            let remaining = burnDown.steps.last?.remaining ?? burnDown.available
            let start = min(startedAt ?? first.at, first.at)
            model["burnDown"] = BurnDownChart(
                title: Strings.label("burnDown", language), start: start,
                available: NSDecimalNumber(decimal: burnDown.available).doubleValue,
                steps: burnDown.steps.map { (at: $0.at, remaining: NSDecimalNumber(decimal: $0.remaining).doubleValue) },
                availableText: language.money(burnDown.available, short: true),
                remainingText: language.money(remaining, short: true) + " " + Strings.label("burnDownLeft", language),
                startText: language.clock(start), endText: language.clock(burnDown.steps.last?.at ?? first.at)
            ).model
        }
        if !results.hospitalDays.isEmpty {
            model["heatmap"] = Heatmap(
                title: Strings.label("hospitalDays", language),
                cells: results.hospitalDays.map { day in
                    .init(
                        row: day.hospital, column: day.day, value: day.booked, capacity: day.capacity,
                        text: "\(day.hospital) \(language.shortDay(day.day)): \(language.count(day.booked))/\(language.count(day.capacity))")
                },
                columnLabel: language.shortDay
            ).model
        }
        return model
    }

    /// The attempts drawn as a timeline, with a legend of the outcomes it shows.
    static func timelineModel(_ attempts: [AttemptSummary], now: Date, _ language: Language) -> [String: Any] {
        var model = AttemptTimeline(
            title: Strings.label("attemptsDrawn", language),
            attempts: attempts.map { attempt in
                .init(
                    job: attempt.jobID, start: attempt.startedAt, end: attempt.finishedAt, outcome: attempt.outcome,
                    text: "#\(attempt.jobID) · " + Strings.label("attemptNumber", language).replacingOccurrences(of: "{n}", with: language.count(attempt.attempt)) + " · "
                        + Strings.label("outcome_" + attempt.outcome.rawValue, language) + " · \(attempt.worker)")
            },
            now: now, timeText: { language.clock($0) }
        ).model
        let shown = Set(attempts.map(\.outcome))
        model["legend"] = AttemptOutcome.allCases.filter(shown.contains).map { outcome in
            ["outcomeKey": outcome.rawValue, "label": Strings.label("outcome_" + outcome.rawValue, language), "mark": RunRows.mark(outcome)]
        }
        let hidden = model["hiddenJobs"] as? Int ?? 0
        model["hidden"] = hidden > 0 ? Strings.label("moreJobs", language).replacingOccurrences(of: "{n}", with: language.count(hidden)) : ""
        return model
    }
}
