import BenefitScheduler
import Foundation
import Hummingbird

/// `/campaigns`: every campaign, its schedule in words, its next fire time in its
/// own zone, paused or active (what `benefit campaign list` shows).
/// `/campaigns/:name`: one campaign's definition, revisions with what the latest
/// changed, next fire times and last runs (`benefit campaign show`).
enum CampaignsPage {
    /// Fire times the campaign page lists.
    static let fireTimeCount = 10
    /// Runs the campaign page lists.
    static let runCount = 20

    static func register(on router: Router<ConsoleContext>, console: Console) {
        router.get("/campaigns") { _, context in
            let campaigns = try await CampaignStore.list(on: console.pool)
            let language = context.language
            let now = Date()
            return console.assets.page(
                "campaigns", title: Strings.label("campaigns", language), context: context, path: "/campaigns",
                model: ["campaigns": campaigns.map { row($0, now: now, language) }, "hasCampaigns": !campaigns.isEmpty])
        }
        router.get("/campaigns/:name") { request, context in
            let name = try ConsolePaths.parameter("name", of: context)
            let language = context.language
            guard let campaign = try await CampaignStore.find(name, on: console.pool) else {
                return console.assets.notFound(
                    Strings.label("noSuchCampaign", language) + name, context: context, path: request.uri.path)
            }
            let revisions = try await CampaignStore.revisions(name, on: console.pool)
            let sources = try await CampaignStore.revisionSources(name, count: 2, on: console.pool)
            let runs = try await RunHistory.list(on: console.pool, campaign: name, limit: runCount)
            return console.assets.page(
                "campaign", title: Strings.label("campaign", language) + " " + name, context: context, path: "/campaigns",
                model: detail(campaign, revisions: revisions, sources: sources, runs: runs, now: Date(), language))
        }
    }

    /// One campaign in the list.
    static func row(_ campaign: CampaignRecord, now: Date, _ language: Language) -> [String: Any] {
        let schedule = campaign.definition.schedule
        // As `campaign list`: a paused campaign has no next fire time until it is resumed.
        // Past the lunar table's last year a lunar schedule's next fire time is unknown, and shown as none.
        let next = campaign.paused ? nil : schedule.upcomingFireTimes(after: now, count: 1).times.first
        return [
            "name": campaign.name, "path": ConsolePaths.campaign(campaign.name), "program": campaign.definition.program,
            "title": campaign.definition.title ?? "", "schedule": ScheduleWords.describe(schedule, language),
            "zone": campaign.definition.timeZoneIdentifier,
            "next": next.map { language.dateTime($0, zone: schedule.timeZone) } ?? "—",
            "lunar": next.flatMap { lunarDay($0, schedule, language) } ?? "", "isLunar": isLunar(schedule) && next != nil,
            "paused": campaign.paused, "pausedReason": campaign.pausedReason ?? "",
        ]
    }

    static func detail(
        _ campaign: CampaignRecord, revisions: [CampaignStore.Revision], sources: [CampaignStore.RevisionSource], runs: [RunSummary],
        now: Date, _ language: Language
    ) -> [String: Any] {
        let schedule = campaign.definition.schedule
        var model = row(campaign, now: now, language)
        model["revision"] = language.count(campaign.revision)
        model["actionPath"] = ConsolePaths.campaign(campaign.name)
        model["definition"] = prettyDefinition(campaign.definition)
        model["fireTimes"] = schedule.upcomingFireTimes(after: now, count: fireTimeCount).times.map { time in
            var entry = ["time": language.dateTime(time, zone: schedule.timeZone), "utc": language.dateTime(time)]
            // Absent, not empty, for other schedules: an empty string would still open the template's section.
            entry["lunar"] = lunarDay(time, schedule, language)
            return entry
        }
        model["revisions"] = revisions.map { revision in
            [
                "revision": language.count(revision.revision), "appliedAt": language.dateTime(revision.appliedAt),
                "appliedBy": revision.appliedBy, "file": revision.file ?? "—",
            ]
        }
        if sources.count == 2 {
            let diff = LineDiff(old: sources[1].text, new: sources[0].text)
            model["diff"] = [
                "from": language.count(sources[1].revision), "to": language.count(sources[0].revision),
                "lines": diff.lines.map { line in
                    ["mark": line.mark.rawValue, "sign": line.mark == .added ? "+" : line.mark == .removed ? "−" : " ", "text": line.text]
                },
            ] as [String: Any]
        }
        model["runs"] = runs.map { RunRows.run($0, language) }
        model["hasRuns"] = !runs.isEmpty
        model["allRunsPath"] = ConsolePaths.runs(of: campaign.name)
        return model
    }

    /// The stored definition, pretty-printed with sorted keys (the canonical JSON is one line).
    static func prettyDefinition(_ definition: CampaignDefinition) -> String {
        let canonical = definition.canonicalJSON
        guard
            let object = try? JSONSerialization.jsonObject(with: Data(canonical.utf8), options: [.fragmentsAllowed]),
            let pretty = try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        else { return canonical }
        return String(decoding: pretty, as: UTF8.self)
    }

    static func isLunar(_ schedule: Schedule) -> Bool {
        if case .lunar = schedule.kind { return true }
        return false
    }

    /// The lunar day of a fire time, for lunar schedules only.
    static func lunarDay(_ time: Date, _ schedule: Schedule, _ language: Language) -> String? {
        isLunar(schedule) ? ScheduleWords.lunarDay(of: time, in: schedule.timeZone, language) : nil
    }
}
