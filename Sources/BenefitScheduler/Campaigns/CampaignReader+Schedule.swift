import BenefitCore
import Foundation

extension CampaignReader {
    /// The keys of the `schedule` block.
    static let scheduleKeys = ["timezone", "cron", "lunar", "at", "window", "catchUp", "overlap"]
    /// The keys that say when a campaign fires, of which a schedule has exactly one.
    static let ruleKeys = ["cron", "lunar", "at"]

    /// What the `schedule` block says.
    struct ScheduleParts {
        let schedule: Schedule
        let timeZoneIdentifier: String
        let catchUp: CatchUpPolicy
        let overlap: OverlapPolicy
    }

    /// The `schedule` block: a time zone, exactly one rule, an optional window, and the two policies.
    mutating func readSchedule(_ value: SourceValue) -> ScheduleParts? {
        guard let block = source.block(value, keys: Self.scheduleKeys) else { return nil }
        let zone = source.required("timezone", in: block, what: "an IANA time zone name such as Asia/Shanghai").flatMap { readTimeZone($0) }

        let written = Self.ruleKeys.filter { block[$0] != nil }
        if written.isEmpty {
            source.add("one of cron, lunar or at is required", at: block.value)
        }
        for extra in written.dropFirst() {
            if let extraValue = block[extra] {
                source.add("only one of cron, lunar or at may be given, and \(written[0]) is given too", at: extraValue)
            }
        }
        // Every rule written is read, so that its own mistakes are reported with the rest.
        let kinds = written.map { key in block[key].flatMap { readRule(key, $0) } }

        let window: ScheduleWindow? = if let windowValue = block["window"] { readWindow(windowValue) } else { .unbounded }
        let catchUp: CatchUpPolicy? = if let policy = block["catchUp"] { source.choice(policy, as: CatchUpPolicy.self) } else { .latest }
        let overlap: OverlapPolicy? = if let policy = block["overlap"] { source.choice(policy, as: OverlapPolicy.self) } else { .skip }

        guard written.count == 1, let kind = kinds.first ?? nil, let zone, let window, let catchUp, let overlap else { return nil }
        let schedule = Schedule(kind, timeZone: zone.timeZone, window: window)
        checkFires(schedule, block: block, rule: written[0])
        return ScheduleParts(schedule: schedule, timeZoneIdentifier: zone.identifier, catchUp: catchUp, overlap: overlap)
    }

    /// An IANA zone name such as `Asia/Shanghai`, `Europe/Berlin` or `UTC`.
    ///
    /// Foundation also accepts abbreviations (`CST`, `EST`) and offsets
    /// (`GMT+8`); they are refused, because `CST` is both China and US Central
    /// time, and a fixed offset silently ignores daylight-saving time.
    private mutating func readTimeZone(_ value: SourceValue) -> (timeZone: TimeZone, identifier: String)? {
        guard let identifier = source.text(value) else { return nil }
        if identifier.contains("/") || identifier == "UTC" || identifier == "GMT", let zone = TimeZone(identifier: identifier) {
            return (zone, identifier)
        }
        var message = ScheduleError.unknownTimeZone(identifier).messages.joined(separator: "; ")
        if let match = TimeZone.knownTimeZoneIdentifiers.first(where: { $0.lowercased() == identifier.lowercased() }) {
            message += " (did you mean \(match)?)"
        } else {
            message += "; use an IANA name such as Asia/Shanghai or Europe/Berlin"
        }
        source.add(message, at: value)
        return nil
    }

    /// One of `cron`, `lunar` or `at`, with each of the rule's problems reported.
    private mutating func readRule(_ key: String, _ value: SourceValue) -> Schedule.Kind? {
        guard let text = source.text(value) else { return nil }
        do throws(ScheduleError) {
            switch key {
            case "cron":
                // Spacing carries no meaning in cron, so it is normalised here: files
                // that differ only in it then give equal definitions.
                let fields = text.split(whereSeparator: { $0 == " " || $0 == "\t" })
                return .cron(try CronExpression(parsing: fields.joined(separator: " ")))
            case "lunar":
                return .lunar(try LunarDate(parsing: text))
            default:
                return readInstant(text, value: value).map(Schedule.Kind.at)
            }
        } catch {
            for message in error.messages {
                source.add(Self.withoutRulePrefix(message, key: key), at: value)
            }
            return nil
        }
    }

    /// `LunarProblem` messages begin `lunar: `, which the path `schedule.lunar` already says.
    private static func withoutRulePrefix(_ message: String, key: String) -> String {
        message.hasPrefix("\(key): ") ? String(message.dropFirst(key.count + 2)) : message
    }

    private mutating func readInstant(_ text: String, value: SourceValue) -> Date? {
        do throws(InstantText.Problem) {
            return try InstantText.parse(text)
        } catch {
            source.add("expected an instant with its UTC offset, such as 2026-12-20T09:00:00+08:00, got \(SourceValue.quoted(text))\(error.detail)", at: value)
            return nil
        }
    }

    /// `window: {from, until}`, either side optional; null or left out means no bound.
    private mutating func readWindow(_ value: SourceValue) -> ScheduleWindow? {
        if value.isNull { return .unbounded }
        guard let block = source.block(value, keys: ["from", "until"]) else { return nil }
        var valid = true
        func bound(_ key: String) -> CalendarDate? {
            guard let value = block[key] else { return nil }
            if value.isNull { return nil }
            let date = source.calendarDate(value)
            if date == nil { valid = false }
            return date
        }
        let from = bound("from")
        let until = bound("until")
        guard valid else { return nil }
        do throws(ScheduleError) {
            return try ScheduleWindow(from: from, until: until)
        } catch {
            for message in error.messages {
                source.add(message, at: value)
            }
            return nil
        }
    }

    /// Reports a schedule that can never fire: a cron rule no date matches, a rule that finds no time within its window,
    /// or an `at` instant that has passed when the file is applied; and a lunar rule whose first fire time in its
    /// window lies outside the lunar table's years (1901–2100), which cannot be known.
    ///
    /// Such a file is almost always a typo (`0 9 31 4 *`, or a window in the
    /// wrong year), and accepting it would leave a campaign that silently never
    /// runs. The search needs no clock: it starts where the window opens, or
    /// at 1970 for an open window, and a cron rule that matches no day is
    /// recognised within one Gregorian cycle (see ``Schedule/cronSearchHorizonInDays``).
    private mutating func checkFires(_ schedule: Schedule, block: SourceBlock, rule: String) {
        guard let ruleValue = block[rule] else { return }
        if case .at(let instant) = schedule.kind {
            // A past instant is never a fire time: the scheduler looks forward from
            // when the campaign is applied, so the campaign would silently do nothing.
            if let now, instant <= now {
                source.add(
                    "\(InstantText.format(instant, in: schedule.timeZone)) has already passed (it is now \(InstantText.format(now, in: schedule.timeZone))), so the campaign would never fire",
                    at: ruleValue)
            } else if !schedule.window.contains(instant, in: schedule.timeZone) {
                source.add(
                    "\(InstantText.format(instant, in: schedule.timeZone)) lies outside the window \(schedule.window), so the campaign would never fire",
                    at: ruleValue)
            }
            return
        }
        let start = schedule.window.firstInstant(in: schedule.timeZone).map { $0.addingTimeInterval(-1) } ?? Date(timeIntervalSince1970: 0)
        let first: Date?
        do throws(ScheduleError) {
            first = try schedule.nextFireTime(after: start)
        } catch {
            // A lunar window that lies beyond the lunar table: its fire times cannot be known.
            source.add(error.description, at: ruleValue)
            return
        }
        guard first == nil else { return }
        if schedule.window == .unbounded {
            source.add("no date ever matches, so the campaign would never fire", at: ruleValue)
        } else {
            source.add("never fires within the window \(schedule.window)", at: ruleValue)
        }
    }
}
