import BenefitQueue
import BenefitScheduler
import Foundation

/// How runs, attempts and dead jobs read in the console's tables, shared by the
/// campaign, run and job pages so that one run reads the same everywhere.
enum RunRows {
    /// One row of a list of runs.
    static func run(_ run: RunSummary, _ language: Language) -> [String: Any] {
        [
            "id": run.runID, "campaign": run.campaign, "campaignPath": ConsolePaths.campaign(run.campaign),
            "fireTime": language.dateTime(run.fireTime), "trigger": Strings.label("trigger_" + run.trigger, language),
            "state": Strings.label("runState_" + run.state.rawValue, language), "stateKey": run.state.rawValue,
            "batches": batches(run, language), "members": "\(language.count(run.membersDone))/\(language.count(run.membersTotal))",
            "amount": language.money(run.amountTotal),
        ]
    }

    /// `12/40`, with the dead ones said: `12/40 (3 dead)`.
    static func batches(_ run: RunSummary, _ language: Language) -> String {
        let done = "\(language.count(run.batchesSucceeded))/\(language.count(run.batchesTotal))"
        guard run.batchesDead > 0 else { return done }
        return done + Strings.label("deadCount", language).replacingOccurrences(of: "{n}", with: language.count(run.batchesDead))
    }

    /// One attempt of a timeline; outcomes an operator should look at (a retry,
    /// an expired lease, a fenced commit, a death) carry a mark and a class.
    static func attempt(_ attempt: AttemptSummary, _ language: Language) -> [String: Any] {
        let seconds = attempt.finishedAt.map { $0.timeIntervalSince(attempt.startedAt) }
        return [
            "job": attempt.jobID, "attempt": language.count(attempt.attempt), "worker": attempt.worker, "host": attempt.host,
            "started": language.dateTime(attempt.startedAt, seconds: true), "finished": language.dateTime(attempt.finishedAt, seconds: true),
            "duration": seconds.map { $0 < 1 ? language.milliseconds($0) : language.seconds($0) } ?? "—",
            "outcome": Strings.label("outcome_" + attempt.outcome.rawValue, language), "outcomeKey": attempt.outcome.rawValue,
            "mark": mark(attempt.outcome), "flagged": mark(attempt.outcome) != "",
            "error": attempt.error ?? "",
        ]
    }

    /// A sign beside outcomes worth a look, so they stand out without colour too.
    static func mark(_ outcome: AttemptOutcome) -> String {
        switch outcome {
        case .retry: "↻"
        case .leaseExpired: "⌛"
        case .timedOut: "⏱"
        case .fenced: "⛔"
        case .dead: "✖"
        default: ""
        }
    }

    /// One dead job; `campaigns` names the runs' campaigns where known.
    static func deadJob(_ job: DeadJobSummary, campaigns: [Int: String], _ language: Language) -> [String: Any] {
        let campaign = job.runID.flatMap { campaigns[$0] }
        return [
            "id": job.jobID, "run": job.runID.map { $0 as Any } ?? "", "hasRun": job.runID != nil,
            "campaign": campaign ?? "—", "campaignPath": campaign.map(ConsolePaths.campaign) ?? "", "hasCampaign": campaign != nil,
            "kind": job.kind, "attempts": language.count(job.attempts), "lastError": job.lastError ?? "—",
            "diedAt": language.dateTime(job.diedAt),
        ]
    }
}

/// Addresses of the console's pages, with what goes into them percent-encoded.
enum ConsolePaths {
    /// A parameter of the route as the address spelled it, percent-decoded
    /// (the router leaves `%3C` as it came).
    static func parameter(_ name: String, of context: ConsoleContext) throws -> String {
        let raw = try context.parameters.require(name)
        return raw.removingPercentEncoding ?? raw
    }

    /// A path of this console to go back to, never another site ("//elsewhere", "/\\elsewhere", "https://…").
    static func local(_ text: String?) -> String {
        guard let text, text.hasPrefix("/"), !text.hasPrefix("//"), !text.hasPrefix("/\\") else { return "/" }
        return text
    }

    static func member(_ id: String) -> String {
        "/members/" + (id.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(["/"])) ?? id)
    }

    static func campaign(_ name: String) -> String {
        "/campaigns/" + (name.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(["/"])) ?? name)
    }

    /// `/runs?campaign=…`: a campaign's runs.
    static func runs(of campaign: String) -> String {
        "/runs?campaign=" + queryValue(campaign)
    }

    static func queryValue(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(["-", "_", ".", "~"])) ?? ""
    }
}
