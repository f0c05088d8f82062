import BenefitCore
import BenefitScheduler
import Foundation
import Testing

@Suite("Campaign files: reading valid files")
struct CampaignFileParsingTests {
    @Test("the design's example file reads into the expected definition")
    func designExample() throws {
        let campaign = try CampaignFixtures.parse(CampaignFixtures.designExample)
        #expect(campaign.name == "winter-warmth")
        #expect(campaign.title == "冬送温暖 2026")
        #expect(campaign.program == "seasonal-relief")
        #expect(campaign.timeZoneIdentifier == "Asia/Shanghai")
        #expect(campaign.schedule.timeZone.identifier == "Asia/Shanghai")
        #expect(campaign.schedule.kind == .lunar(try LunarDate(parsing: "12-16 09:00")))
        #expect(campaign.schedule.window == ScheduleFixtures.window(from: "2026-11-01", until: "2027-03-31"))
        #expect(campaign.catchUp == .latest)
        #expect(campaign.overlap == .skip)
        #expect(campaign.execution == ExecutionPolicy(
            queue: "relief", batchSize: 500, maxAttempts: 5, backoffInitial: .seconds(10), backoffMax: .seconds(600),
            lease: .seconds(60), priority: 0, concurrency: 8))
        #expect(campaign.cycle == .yearly)
        #expect(campaign.parameters == [
            "season": "winter-warmth",
            "eligibility": ["hardshipTier": [1, 2, 3]],
            "amounts": ["1": 2000, "2": 1200, "3": 800],
            "budget": 5_000_000,
        ])
    }

    @Test("a file with only the required keys gets every default")
    func defaultsFilledIn() throws {
        let campaign = try CampaignFixtures.parse(CampaignFixtures.minimal())
        #expect(campaign.title == nil)
        #expect(campaign.schedule.window == .unbounded)
        #expect(campaign.catchUp == .latest)
        #expect(campaign.overlap == .skip)
        #expect(campaign.execution == .defaults)
        #expect(campaign.execution.queue == "default")
        #expect(campaign.execution.batchSize == 500)
        #expect(campaign.execution.maxAttempts == 5)
        #expect(campaign.execution.backoffInitial == .seconds(10))
        #expect(campaign.execution.backoffMax == .seconds(600))
        #expect(campaign.execution.lease == .seconds(60))
        #expect(campaign.execution.priority == 0)
        #expect(campaign.execution.concurrency == nil)
        #expect(campaign.execution.timeout == nil)
        #expect(campaign.cycle == .yearly)
        #expect(campaign.parameters == .emptyObject)
    }

    @Test("the design's lunar schedule fires at 09:00 Shanghai on 12-16 of lunar 2026, inside its window")
    func designScheduleFires() throws {
        let campaign = try CampaignFixtures.parse(CampaignFixtures.designExample)
        let fireTimes = try campaign.schedule.nextFireTimes(after: ScheduleFixtures.instant("2026-06-01T00:00:00Z"), count: 3)
        // 12-16 of lunar 2026 is 2027-01-23; the next one (2028-01-12) lies after the window.
        #expect(fireTimes.map(ScheduleFixtures.iso) == ["2027-01-23T01:00:00Z"])
    }

    @Test("a cron schedule fires on its wall-clock times in its zone")
    func cronSchedule() throws {
        let campaign = try CampaignFixtures.parse(CampaignFixtures.minimal(schedule: "cron: \"0 9 1 12 *\"", timezone: "Europe/Berlin"))
        let fireTimes = try campaign.schedule.nextFireTimes(after: ScheduleFixtures.instant("2026-01-01T00:00:00Z"), count: 2)
        #expect(fireTimes.map(ScheduleFixtures.iso) == ["2026-12-01T08:00:00Z", "2027-12-01T08:00:00Z"])
    }

    @Test("an unquoted cron that does not start with * reads as text")
    func unquotedCron() throws {
        let campaign = try CampaignFixtures.parse(CampaignFixtures.minimal(schedule: "cron: 30 8 * * MON-FRI"))
        guard case .cron(let cron) = campaign.schedule.kind else { Issue.record("not a cron schedule"); return }
        #expect(cron.hours.values == [8])
        #expect(cron.daysOfWeek.values == [1, 2, 3, 4, 5])
    }

    @Test("小年 as a lunar date fires on the Gregorian days of 12-23", arguments: [
        ("2026-01-01T00:00:00Z", "2026-02-10T01:00:00Z"),
        ("2026-03-01T00:00:00Z", "2027-01-30T01:00:00Z"),
    ])
    func lunarSchedule(after: String, expected: String) throws {
        let campaign = try CampaignFixtures.parse(CampaignFixtures.minimal(schedule: "lunar: \"12-23 09:00\""))
        #expect(try campaign.schedule.nextFireTime(after: ScheduleFixtures.instant(after)).map(ScheduleFixtures.iso) == expected)
    }

    @Test("at takes an instant with any offset, quoted or not", arguments: [
        "at: 2026-12-20T09:00:00+08:00",
        "at: \"2026-12-20T01:00:00Z\"",
        "at: 2026-12-20T02:00+01:00",
        "at: 2026-12-19T20:00:00-0500",
    ])
    func atSchedule(line: String) throws {
        let campaign = try CampaignFixtures.parse(CampaignFixtures.minimal(schedule: line))
        #expect(campaign.schedule.kind == .at(ScheduleFixtures.instant("2026-12-20T01:00:00Z")))
        #expect(try campaign.schedule.nextFireTimes(after: ScheduleFixtures.instant("2026-01-01T00:00:00Z"), count: 5).map(ScheduleFixtures.iso)
            == ["2026-12-20T01:00:00Z"])
        #expect(campaign.jsonValue["schedule"]?["at"] == "2026-12-20T09:00:00+08:00")
    }

    @Test("catchUp takes each of its values", arguments: CatchUpPolicy.allCases)
    func catchUpValues(policy: CatchUpPolicy) throws {
        let campaign = try CampaignFixtures.parse(CampaignFixtures.minimal(schedule: "cron: \"0 9 * * MON\"\n  catchUp: \(policy.rawValue)"))
        #expect(campaign.catchUp == policy)
    }

    @Test("overlap takes each of its values", arguments: OverlapPolicy.allCases)
    func overlapValues(policy: OverlapPolicy) throws {
        let campaign = try CampaignFixtures.parse(CampaignFixtures.minimal(schedule: "cron: \"0 9 * * MON\"\n  overlap: \(policy.rawValue)"))
        #expect(campaign.overlap == policy)
    }

    @Test("cycle takes each of its values", arguments: CampaignCycle.allCases)
    func cycleValues(cycle: CampaignCycle) throws {
        let campaign = try CampaignFixtures.parse(CampaignFixtures.minimal("cycle: \(cycle.rawValue)"))
        #expect(campaign.cycle == cycle)
    }

    @Test("the policies' values are exactly those the documentation lists")
    func policyValues() {
        #expect(CatchUpPolicy.allCases.map(\.rawValue) == ["none", "latest", "all"])
        #expect(OverlapPolicy.allCases.map(\.rawValue) == ["skip", "queue", "allow"])
        #expect(CampaignCycle.allCases.map(\.rawValue) == ["yearly", "monthly", "run"])
    }

    enum DurationField: Sendable {
        case lease, backoffInitial, backoffMax

        func value(in policy: ExecutionPolicy) -> Duration {
            switch self {
            case .lease: policy.lease
            case .backoffInitial: policy.backoffInitial
            case .backoffMax: policy.backoffMax
            }
        }
    }

    @Test("durations take units and combinations", arguments: [
        ("lease: 90s", DurationField.lease, Duration.seconds(90)),
        ("lease: 1m30s", .lease, .seconds(90)),
        ("lease: 2h", .lease, .seconds(7200)),
        ("lease: 1500ms", .lease, .milliseconds(1500)),
        ("backoff: { initial: 0s }", .backoffInitial, .zero),
        ("backoff: { initial: 500ms, max: 1d }", .backoffMax, .seconds(86_400)),
    ])
    func durations(line: String, field: DurationField, expected: Duration) throws {
        let campaign = try CampaignFixtures.parse(CampaignFixtures.minimal("execution:\n  \(line)"))
        #expect(field.value(in: campaign.execution) == expected)
    }

    @Test("a window may be open on either side, or written as null")
    func windows() throws {
        let fromOnly = try CampaignFixtures.parse(CampaignFixtures.minimal(schedule: "cron: \"0 9 * * MON\"\n  window: { from: 2026-11-01 }"))
        #expect(fromOnly.schedule.window == ScheduleFixtures.window(from: "2026-11-01", until: nil))
        let untilOnly = try CampaignFixtures.parse(CampaignFixtures.minimal(schedule: "cron: \"0 9 * * MON\"\n  window:\n    until: \"2027-03-31\""))
        #expect(untilOnly.schedule.window == ScheduleFixtures.window(from: nil, until: "2027-03-31"))
        let null = try CampaignFixtures.parse(CampaignFixtures.minimal(schedule: "cron: \"0 9 * * MON\"\n  window: ~"))
        #expect(null.schedule.window == .unbounded)
    }

    @Test("UTC is kept as written although Foundation calls it GMT")
    func utcZone() throws {
        let campaign = try CampaignFixtures.parse(CampaignFixtures.minimal(timezone: "UTC"))
        #expect(campaign.timeZoneIdentifier == "UTC")
        #expect(campaign.schedule.timeZone.secondsFromGMT() == 0)
    }

    @Test("concurrency null means no limit, and a title may be a number")
    func nullsAndNumbersAsText() throws {
        let campaign = try CampaignFixtures.parse(CampaignFixtures.minimal("title: 2026\nexecution:\n  concurrency: null\n  priority: -5"))
        #expect(campaign.title == "2026")
        #expect(campaign.execution.concurrency == nil)
        #expect(campaign.execution.priority == -5)
    }

    @Test("timeout takes a duration; null, like leaving it out, means none", arguments: [
        ("timeout: 30s", Duration?.some(.seconds(30))),
        ("timeout: 10m", .seconds(600)),
        ("timeout: 1h30m", .seconds(5_400)),
        ("timeout: 1d", .seconds(86_400)),
        ("timeout: null", nil),
        ("timeout: ~", nil),
    ])
    func timeouts(line: String, expected: Duration?) throws {
        let campaign = try CampaignFixtures.parse(CampaignFixtures.minimal("execution:\n  \(line)"))
        #expect(campaign.execution.timeout == expected)
    }
}
