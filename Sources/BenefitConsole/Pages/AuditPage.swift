import BenefitAudit
import Foundation
import Hummingbird

/// `/audit`: the audit trail, newest first, filtered by target and action (`benefit audit list`).
enum AuditPage {
    /// Events the page shows.
    static let limit = 100

    static func register(on router: Router<ConsoleContext>, console: Console) {
        router.get("/audit") { request, context in
            let language = context.language
            let query = request.uri.queryParameters
            let target = query.get("target").map { $0.trimmingCharacters(in: .whitespaces) }.flatMap { $0.isEmpty ? nil : $0 }
            let action = query.get("action").flatMap(AuditAction.init(rawValue:))
            let events = try await AuditTrail.events(AuditFilter(target: target, action: action, limit: limit), on: console.pool)
            return console.assets.page(
                "audit", title: Strings.label("audit", language), context: context, path: "/audit",
                model: [
                    "events": events.map { row($0, language) }, "hasEvents": !events.isEmpty, "target": target ?? "",
                    "actionOptions": AuditAction.allCases.map { option in
                        ["value": option.rawValue, "selected": option == action] as [String: Any]
                    },
                    "limit": language.count(limit),
                ])
        }
    }

    static func row(_ event: AuditEvent, _ language: Language) -> [String: Any] {
        var row: [String: Any] = [
            "at": language.dateTime(event.at, seconds: true), "login": event.databaseUser, "operator": event.operatorName,
            "action": event.action.rawValue, "actionLabel": Strings.label("action_" + event.action.rawValue, language),
            "target": event.target, "reason": event.reason ?? "—",
            "details": event.details.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "),
        ]
        row["targetPath"] = path(of: event)
        return row
    }

    /// The page of the event's target, when the console has one.
    static func path(of event: AuditEvent) -> String? {
        switch event.targetType {
        case .campaign: ConsolePaths.campaign(event.target)
        case .run: Int(event.target).map { "/runs/\($0)" }
        case .job: Int(event.target).map { "/jobs/\($0)" }
        case .member, .appointment, .place: ConsolePaths.member(event.target)
        case .roster, .queue, .user, .aid: nil
        }
    }
}
