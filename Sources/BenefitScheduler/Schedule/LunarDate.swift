import BenefitCore
import Foundation

/// A yearly date on the Chinese lunar calendar with a wall-clock time: `MM-DD HH:mm`.
///
/// `01-01 09:00` means 09:00 on Spring Festival every year; `08-15 19:30` means
/// the evening of Mid-Autumn. The date is always an ordinary month, never a
/// leap month: a leap month repeats a month number (2025 had a second 6th
/// month), and a campaign tied to "the 6th month" should run once a year, not
/// twice. A day the month lacks — the 30th of a 29-day month — falls on the
/// month's last day, so that "lunar New Year's Eve, 12-30" still happens in
/// years without a 30th.
///
/// The lunar calendar is defined by astronomy in China's time zone, so the
/// Gregorian day of a lunar date is the one China has (from ``LunarTable``),
/// whatever the campaign's zone; the wall-clock time is then placed on that
/// Gregorian day in the campaign's own zone.
public struct LunarDate: Sendable, Hashable, CustomStringConvertible {
    /// The lunar month, 1–12.
    public let month: Int
    /// The day of the lunar month, 1–30.
    public let day: Int
    /// The hour of the wall-clock time, 0–23.
    public let hour: Int
    /// The minute of the wall-clock time, 0–59.
    public let minute: Int

    /// Creates a lunar date and time, checking each part.
    /// - Throws: ``ScheduleError/invalidLunar(text:problems:)`` with one problem per part out of range.
    public init(month: Int, day: Int, hour: Int, minute: Int) throws(ScheduleError) {
        var problems: [LunarProblem] = []
        if !(1...12).contains(month) { problems.append(.monthOutOfRange(month)) }
        if !(1...30).contains(day) { problems.append(.dayOutOfRange(day)) }
        if !(0...23).contains(hour) { problems.append(.hourOutOfRange(hour)) }
        if !(0...59).contains(minute) { problems.append(.minuteOutOfRange(minute)) }
        guard problems.isEmpty else {
            throw .invalidLunar(text: "\(ScheduleText.twoDigits(month))-\(ScheduleText.twoDigits(day)) \(ScheduleText.twoDigits(hour)):\(ScheduleText.twoDigits(minute))", problems: problems)
        }
        self.month = month
        self.day = day
        self.hour = hour
        self.minute = minute
    }

    /// Parses `MM-DD HH:mm`, e.g. `01-01 09:00`; single-digit parts such as `1-1 9:00` are accepted too.
    /// - Throws: ``ScheduleError/invalidLunar(text:problems:)`` listing the malformed text or every part out of range.
    public init(parsing text: String) throws(ScheduleError) {
        let halves = text.split(whereSeparator: { $0 == " " || $0 == "\t" })
        let numbers: [Int]? = halves.count == 2 ? {
            let dateParts = halves[0].split(separator: "-", omittingEmptySubsequences: false)
            let timeParts = halves[1].split(separator: ":", omittingEmptySubsequences: false)
            guard dateParts.count == 2, timeParts.count == 2 else { return nil }
            let parts = dateParts + timeParts
            guard parts.allSatisfy({ (1...2).contains($0.count) && ScheduleText.isDigits($0) }) else { return nil }
            return parts.compactMap { Int($0) }
        }() : nil
        guard let numbers, numbers.count == 4 else {
            throw .invalidLunar(text: text, problems: [.malformed(text)])
        }
        do throws(ScheduleError) {
            try self.init(month: numbers[0], day: numbers[1], hour: numbers[2], minute: numbers[3])
        } catch {
            // Report against the text the author wrote, not our normalised spelling of it.
            if case .invalidLunar(_, let problems) = error {
                throw .invalidLunar(text: text, problems: problems)
            }
            throw error
        }
    }

    /// The Gregorian day, in China, of this lunar month and day in the given lunar year.
    ///
    /// Lunar year `y` is the one that begins at Spring Festival of Gregorian
    /// year `y` (in late January or February), so its 11th and 12th months
    /// mostly fall in January and February of `y + 1`: 12-23 of lunar year 2025
    /// is 2026-02-10. The days come from ``LunarTable``; returns `nil` for a
    /// year outside it (before 1901 or after 2100).
    public func gregorianDate(inLunarYear year: Int) -> CalendarDate? {
        guard let months = LunarTable.months(ofLunarYear: year),
              let ordinary = months.first(where: { $0.number == month && !$0.isLeap })
        else { return nil }
        // The 30th of a 29-day month falls on its last day, the 29th.
        return ordinary.firstDay.adding(days: min(day, ordinary.length) - 1)
    }

    /// The wall-clock time on this lunar date's Gregorian day in the given lunar year, read in `timeZone`.
    public func zonedTime(inLunarYear year: Int, timeZone: TimeZone) -> ZonedTime? {
        gregorianDate(inLunarYear: year).map { ZonedTime(date: $0, hour: hour, minute: minute, timeZone: timeZone) }
    }

    /// The date and time as `MM-DD HH:mm`.
    public var description: String {
        "\(ScheduleText.twoDigits(month))-\(ScheduleText.twoDigits(day)) \(ScheduleText.twoDigits(hour)):\(ScheduleText.twoDigits(minute))"
    }
}
