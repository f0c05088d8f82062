import BenefitAudit
import BenefitQueue
import BenefitScheduler
import Foundation
import Hummingbird

/// What an operator does from the console: pause, resume and trigger a campaign;
/// retry and cancel a dead or waiting job. Every action is a POST from a form
/// carrying the session's CSRF token, refused with 403 for a viewer, and recorded
/// in the audit trail under the console user's name (in the action's transaction,
/// as from the command line). Each goes back to the page it came from.
enum Actions {
    static func register(on router: Router<ConsoleContext>, console: Console) {
        router.post("/campaigns/:name/pause") { request, context in
            let (form, who, name) = try await prepare(request, context, "name")
            let reason = try required(form["reason"])
            _ = try await CampaignStore.pause(name, reason: reason, by: who, on: console.pool)
            return back(form, "/campaigns/\(name)")
        }
        router.post("/campaigns/:name/resume") { request, context in
            let (form, who, name) = try await prepare(request, context, "name")
            _ = try await CampaignStore.resume(name, reason: optional(form["reason"]), by: who, on: console.pool)
            return back(form, "/campaigns/\(name)")
        }
        router.post("/campaigns/:name/trigger") { request, context in
            let (form, who, name) = try await prepare(request, context, "name")
            guard let runID = try await CampaignStore.trigger(name, at: Date(), reason: optional(form["reason"]), by: who, on: console.pool) else {
                throw HTTPError(.notFound, message: "there is no campaign \(name)")
            }
            return Response.redirect(to: "/runs/\(runID)")
        }
        router.post("/jobs/:id/retry") { request, context in
            let (form, who, id) = try await prepare(request, context, "id")
            guard let jobID = Int(id) else { throw HTTPError(.notFound) }
            _ = try await RunControl.retryDead(jobID: jobID, reason: optional(form["reason"]), by: who, on: console.pool)
            return back(form, "/jobs/\(jobID)")
        }
        router.post("/jobs/:id/cancel") { request, context in
            let (form, who, id) = try await prepare(request, context, "id")
            guard let jobID = Int(id) else { throw HTTPError(.notFound) }
            _ = try await JobQueue(pool: console.pool).cancel(jobID: jobID, reason: try required(form["reason"]), by: who)
            return back(form, "/jobs/\(jobID)")
        }
    }

    /// The form, the operator's name for the audit trail (403 for a viewer or a
    /// form without the session's token), and the path parameter.
    private static func prepare(_ request: Request, _ context: ConsoleContext, _ parameter: String) async throws -> (SubmittedForm, String, String) {
        let form = try await SubmittedForm.read(request)
        try form.requireToken(of: context)
        let who = try context.requireOperator()
        return (form, who, try context.parameters.require(parameter))
    }

    private static func required(_ reason: String?) throws -> String {
        guard let reason = optional(reason) else { throw HTTPError(.badRequest, message: "a reason is required: say why") }
        if let problem = AuditEntry.reasonProblem(reason) { throw HTTPError(.badRequest, message: "reason: \(problem)") }
        return reason
    }

    private static func optional(_ reason: String?) -> String? {
        guard let reason = reason?.trimmingCharacters(in: .whitespacesAndNewlines), !reason.isEmpty else { return nil }
        return reason
    }

    private static func back(_ form: SubmittedForm, _ fallback: String) -> Response {
        Response.redirect(to: form["back"].map(ConsolePaths.local) ?? fallback)
    }
}
