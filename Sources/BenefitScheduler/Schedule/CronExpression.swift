import BenefitCore

/// A parsed five-field cron expression: `minute hour day-of-month month day-of-week`.
///
/// Each field accepts `*`, values, ranges `a-b`, lists `a,b`, and steps `*/n`,
/// `a-b/n` and `a/n` (from `a` to the field's maximum). Months and days of
/// week also accept three-letter English names (`JAN`–`DEC`, `SUN`–`SAT`) in
/// any letter case, and day of week accepts both 0 and 7 for Sunday.
///
/// Days follow Vixie cron: when both day of month and day of week are
/// restricted, a day matches if either matches (`0 9 13 * FRI` fires on every
/// 13th and on every Friday); when either field is written starting with `*`,
/// the two must both match, which for a plain `*` means only the other counts.
/// Note that Vixie looks at the first character, so `*/2` in day of month
/// counts as unrestricted here too.
///
/// The expression only says which wall-clock minutes match; turning them into
/// instants, with the time-zone and daylight-saving rules, is ``Schedule``'s job.
public struct CronExpression: Sendable, Hashable, CustomStringConvertible {
    /// The expression as the author wrote it.
    public let text: String
    /// The minutes (0–59) the expression matches.
    public let minutes: CronFieldValues
    /// The hours (0–23) the expression matches.
    public let hours: CronFieldValues
    /// The days of month (1–31) the expression matches.
    public let daysOfMonth: CronFieldValues
    /// The months (1–12) the expression matches.
    public let months: CronFieldValues
    /// The days of week (0 = Sunday … 6 = Saturday) the expression matches; 7 is folded into 0.
    public let daysOfWeek: CronFieldValues

    /// Parses a cron expression, reporting every problem in it at once.
    ///
    /// Fields are separated by any run of spaces or tabs. If the number of
    /// fields is wrong that is the only problem reported, since the fields
    /// cannot then be told apart.
    /// - Throws: ``ScheduleError/invalidCron(expression:problems:)`` listing each problem in field order.
    public init(parsing text: String) throws(ScheduleError) {
        let fields = text.split(whereSeparator: { $0 == " " || $0 == "\t" })
        guard fields.count == CronField.allCases.count else {
            throw .invalidCron(expression: text, problems: [.wrongFieldCount(found: fields.count)])
        }
        var parsed: [CronFieldValues] = []
        var problems: [CronProblem] = []
        for (field, fieldText) in zip(CronField.allCases, fields) {
            let (values, fieldProblems) = CronFieldValues.parse(fieldText, as: field)
            parsed.append(values)
            problems += fieldProblems
        }
        guard problems.isEmpty else {
            throw .invalidCron(expression: text, problems: problems)
        }
        self.text = text
        self.minutes = parsed[0]
        self.hours = parsed[1]
        self.daysOfMonth = parsed[2]
        self.months = parsed[3]
        self.daysOfWeek = parsed[4]
    }

    /// Whether the expression fires at some time on the given day (month, day of month and day of week agree).
    public func matches(_ date: CalendarDate) -> Bool {
        guard months.contains(date.month) else { return false }
        let dayOfMonthMatches = daysOfMonth.contains(date.day)
        // ISO numbers Sunday 7 and cron numbers it 0; the other days agree, so `% 7` converts.
        let dayOfWeekMatches = daysOfWeek.contains(date.isoWeekday % 7)
        if daysOfMonth.isStarred || daysOfWeek.isStarred {
            return dayOfMonthMatches && dayOfWeekMatches
        }
        return dayOfMonthMatches || dayOfWeekMatches
    }

    /// The expression as written.
    public var description: String { text }
}
