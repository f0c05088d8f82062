import BenefitCore
import BenefitScheduler
import Foundation

/// Builders for the schedule tests' literals, which must be valid: a typo in a table stops the run loudly.
///
/// They live in a namespace rather than as global functions because this test
/// module is shared with other suites, where names as plain as `instant` or
/// `day` would sooner or later collide.
enum ScheduleFixtures {
    /// An instant written in ISO 8601, e.g. `2026-03-08T07:00:00Z`.
    static func instant(_ text: String) -> Date {
        do {
            return try Date.ISO8601FormatStyle().parse(text)
        } catch {
            fatalError("test instant \(text) does not parse: \(error)")
        }
    }

    /// The instant in ISO 8601 UTC, so that failing expectations read like the tables.
    static func iso(_ instant: Date) -> String {
        instant.formatted(.iso8601)
    }

    /// A zone that must exist in the machine's tz database.
    static func zone(_ identifier: String) -> TimeZone {
        guard let zone = TimeZone(identifier: identifier) else { fatalError("no time zone \(identifier)") }
        return zone
    }

    /// A calendar day written `YYYY-MM-DD`.
    static func day(_ text: String) -> CalendarDate {
        guard let date = CalendarDate(text) else { fatalError("test date \(text) does not parse") }
        return date
    }

    /// A window that must be valid.
    static func window(from: String?, until: String?) -> ScheduleWindow {
        do {
            return try ScheduleWindow(from: from.map(day), until: until.map(day))
        } catch {
            fatalError("test window does not build: \(error)")
        }
    }

    /// A cron schedule from text that must parse.
    static func cronSchedule(_ expression: String, in identifier: String = "UTC", window: ScheduleWindow = .unbounded) -> Schedule {
        do {
            return Schedule(.cron(try CronExpression(parsing: expression)), timeZone: zone(identifier), window: window)
        } catch {
            fatalError("test cron \(expression) does not parse: \(error)")
        }
    }

    /// A lunar schedule from text that must parse.
    static func lunarSchedule(_ text: String, in identifier: String, window: ScheduleWindow = .unbounded) -> Schedule {
        do {
            return Schedule(.lunar(try LunarDate(parsing: text)), timeZone: zone(identifier), window: window)
        } catch {
            fatalError("test lunar date \(text) does not parse: \(error)")
        }
    }
}
