import BenefitCore
import BenefitScheduler
import Foundation

/// A campaign's schedule in words, in either language: "每月1日 09:00" / "monthly
/// on day 1 at 09:00"; a cron expression too irregular to say simply is shown as
/// written. And a fire time's day on the lunar calendar ("农历正月初一").
enum ScheduleWords {
    /// The rule, then the window if it has one.
    static func describe(_ schedule: Schedule, _ language: Language) -> String {
        var text: String
        switch schedule.kind {
        case .cron(let expression): text = cron(expression, language)
        case .lunar(let date):
            let time = "\(twoDigits(date.hour)):\(twoDigits(date.minute))"
            text = language == .zh
                ? "每年农历\(lunarMonth(date.month))\(lunarDay(date.day)) \(time)"
                : "yearly on lunar month \(date.month), day \(date.day) at \(time)"
        case .at(let instant):
            let when = language.dateTime(instant, zone: schedule.timeZone)
            text = language == .zh ? "仅一次：\(when)" : "once, at \(when)"
        }
        if schedule.window.from != nil || schedule.window.until != nil {
            let from = schedule.window.from?.description ?? "…"
            let until = schedule.window.until?.description ?? "…"
            text += language == .zh ? "（\(from) 至 \(until)）" : " (\(from) to \(until))"
        }
        return text
    }

    /// The common shapes — a fixed minute and hour, daily, weekly, monthly or
    /// yearly — in words; anything else as the expression itself.
    static func cron(_ expression: CronExpression, _ language: Language) -> String {
        let fields = expression.text.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        let asWritten = language == .zh ? "按 cron 表达式 \(expression.text)" : "cron \(expression.text)"
        guard fields.count == 5, let minute = Int(fields[0]), let hour = Int(fields[1]) else { return asWritten }
        let time = "\(twoDigits(hour)):\(twoDigits(minute))"
        let (day, month, weekday) = (fields[2], fields[3], fields[4])
        switch (Int(day), Int(month), Int(weekday)) {
        case (nil, nil, nil) where day == "*" && month == "*" && weekday == "*":
            return language == .zh ? "每天 \(time)" : "daily at \(time)"
        case (nil, nil, .some(let weekdayNumber)) where day == "*" && month == "*" && (0...7).contains(weekdayNumber):
            let index = weekdayNumber % 7
            return language == .zh
                ? "每周\(["日", "一", "二", "三", "四", "五", "六"][index]) \(time)"
                : "weekly on \(["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"][index]) at \(time)"
        case (.some(let dayNumber), nil, nil) where month == "*" && weekday == "*":
            return language == .zh ? "每月\(dayNumber)日 \(time)" : "monthly on day \(dayNumber) at \(time)"
        case (.some(let dayNumber), .some(let monthNumber), nil) where weekday == "*" && (1...12).contains(monthNumber):
            return language == .zh
                ? "每年\(monthNumber)月\(dayNumber)日 \(time)"
                : "yearly on \(monthNames[monthNumber - 1]) \(dayNumber) at \(time)"
        default:
            return asWritten
        }
    }

    /// The lunar day the fire time falls on, read on its Gregorian day in the
    /// schedule's zone (the day ``LunarDate`` placed it on): "农历正月初一" /
    /// "lunar 1-1" (a leap month marked "闰" / "leap").
    static func lunarDay(of fireTime: Date, in zone: TimeZone, _ language: Language) -> String {
        // The Gregorian day in the schedule's zone, looked up as China's day in the lunar table (as LunarDate placed it).
        guard let lunar = LunarTable.day(on: ZonedTime(reading: fireTime, in: zone).date) else { return "—" }
        return language == .zh
            ? "农历\(lunar.isLeap ? "闰" : "")\(lunarMonth(lunar.month))\(lunarDay(lunar.day))"
            : "lunar \(lunar.isLeap ? "leap " : "")\(lunar.month)-\(lunar.day)"
    }

    /// 正月, 二月 … 冬月, 腊月.
    static func lunarMonth(_ month: Int) -> String {
        let names = ["正月", "二月", "三月", "四月", "五月", "六月", "七月", "八月", "九月", "十月", "冬月", "腊月"]
        return names[max(1, min(12, month)) - 1]
    }

    /// 初一 … 初十, 十一 … 二十, 廿一 … 廿九, 三十.
    static func lunarDay(_ day: Int) -> String {
        let digits = ["", "一", "二", "三", "四", "五", "六", "七", "八", "九", "十"]
        switch max(1, min(30, day)) {
        case let day where day <= 10: return "初" + digits[day]
        case let day where day < 20: return "十" + digits[day - 10]
        case 20: return "二十"
        case let day where day < 30: return "廿" + digits[day - 20]
        default: return "三十"
        }
    }

    private static let monthNames = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    private static func twoDigits(_ value: Int) -> String {
        value < 10 ? "0\(value)" : "\(value)"
    }
}
