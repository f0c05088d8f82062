import BenefitQueue
import BenefitScheduler
import Foundation
import Hummingbird

/// `/jobs`: the dead-letter list with each job's run and campaign (`benefit jobs
/// dead`), and a form to look a job up by id. `/jobs/:id`: one job's row and its attempts.
enum JobsPage {
    /// Dead jobs the list shows.
    static let deadLimit = 100
    /// Attempts the job page shows (a job has at most its `max_attempts`, retried ones more).
    static let attemptLimit = 100

    static func register(on router: Router<ConsoleContext>, console: Console) {
        router.get("/jobs") { request, context in
            let language = context.language
            // The look-up form sends `?id=`: a number goes to its page, anything else is said wrong here.
            if let text = request.uri.queryParameters.get("id")?.trimmingCharacters(in: .whitespaces), !text.isEmpty {
                guard let id = Int(text), id > 0 else {
                    return try await list(console, context: context, problem: Strings.label("notAJobID", language) + text)
                }
                return Response.redirect(to: "/jobs/\(id)", type: .found)
            }
            return try await list(console, context: context, problem: nil)
        }
        router.get("/jobs/:id") { request, context in
            let language = context.language
            guard let jobID = Int(try ConsolePaths.parameter("id", of: context)), let job = try await JobHistory.find(jobID, on: console.pool) else {
                return console.assets.notFound(
                    Strings.label("noSuchJob", language) + ((try? ConsolePaths.parameter("id", of: context)) ?? ""), context: context, path: request.uri.path)
            }
            let attempts = try await JobHistory.attempts(jobID: jobID, limit: attemptLimit, on: console.pool)
            let campaign = try await job.runID.asyncMap { try await RunHistory.find($0, on: console.pool)?.campaign } ?? nil
            return console.assets.page(
                "job", title: Strings.label("job", language) + " " + String(jobID), context: context, path: "/jobs",
                model: detail(job, campaign: campaign, attempts: attempts, language))
        }
    }

    static func list(_ console: Console, context: ConsoleContext, problem: String?) async throws -> Response {
        let language = context.language
        let dead = try await DeadJobs.list(on: console.pool, runID: nil, limit: deadLimit)
        let runIDs = Array(Set(dead.compactMap(\.runID))).sorted()
        let campaigns = Dictionary(uniqueKeysWithValues: try await RunHistory.find(runIDs, on: console.pool).map { ($0.runID, $0.campaign) })
        var model: [String: Any] = [
            "dead": dead.map { RunRows.deadJob($0, campaigns: campaigns, language) }, "hasDead": !dead.isEmpty,
            "limit": language.count(deadLimit),
        ]
        model["problem"] = problem
        return console.assets.page(
            "jobs", title: Strings.label("jobs", language), context: context, path: "/jobs", model: model,
            status: problem == nil ? .ok : .badRequest)
    }

    static func detail(_ job: JobSummary, campaign: String?, attempts: [AttemptSummary], _ language: Language) -> [String: Any] {
        var model: [String: Any] = [
            "id": job.jobID, "queue": job.queue, "kind": job.kind,
            "state": Strings.label("jobState_" + job.state.rawValue, language), "stateKey": job.state.rawValue,
            "priority": language.count(job.priority), "attempt": language.count(job.attempt), "maxAttempts": language.count(job.maxAttempts),
            "runAt": language.dateTime(job.runAt, seconds: true), "createdAt": language.dateTime(job.createdAt, seconds: true),
            "finishedAt": language.dateTime(job.finishedAt, seconds: true), "uniqueKey": job.uniqueKey ?? "—",
            "lastError": job.lastError ?? "—",
            "attempts": attempts.map { RunRows.attempt($0, language) }, "hasAttempts": !attempts.isEmpty,
        ]
        model["run"] = job.runID
        // What an operator may do with it: a dead job is retried; one waiting or dead, cancelled.
        model["canRetry"] = job.state == .dead
        model["canCancel"] = job.state == .available || job.state == .dead
        model["actionPath"] = "/jobs/\(job.jobID)"
        model["campaign"] = campaign
        model["campaignPath"] = campaign.map(ConsolePaths.campaign)
        return model
    }
}

extension Optional {
    /// `map` with an asynchronous transform.
    fileprivate func asyncMap<Mapped>(_ transform: (Wrapped) async throws -> Mapped) async rethrows -> Mapped? {
        guard let self else { return nil }
        return try await transform(self)
    }
}
