import BenefitCore

/// The months of the Chinese lunar calendar for lunar years 1901–2100: which month is leap, and which have 30 days.
///
/// This is the table the Hong Kong Observatory publishes (its Gregorian–lunar
/// conversion tables, 1901–2100), in the compact encoding that common lunar
/// libraries carry. It replaces Foundation's Chinese calendar, which computes
/// new moons itself and misplaces a few that fall minutes from Beijing
/// midnight: in 2057 it numbers a day "0" instead of giving the 8th month its
/// 30th, and in 2097 it starts the 7th month a day late. The months where the
/// two differ are listed in docs/campaigns.md ("Where the lunar days come
/// from") and pinned by `LunarTableTests`, which compares every day of the 200
/// years with Foundation.
///
/// Outside these years nothing is guessed: ``months(ofLunarYear:)`` and
/// ``day(on:)`` return `nil`, and a fire-time search that would need them
/// throws ``ScheduleError/beyondLunarTable(found:)``.
public enum LunarTable {
    /// The lunar years the table holds.
    public static let years = 1901...2100

    /// Spring Festival of lunar 1901, the first day the table knows.
    public static let firstDay = CalendarDate(year: 1901, month: 2, day: 19)!

    /// The last day of the 12th month of lunar 2100, the last day the table knows.
    public static var lastDay: CalendarDate { firstDay.adding(days: newYearOffsets[newYearOffsets.count - 1] - 1) }

    /// One month of a lunar year.
    public struct Month: Sendable, Hashable {
        /// The month's number, 1–12; a leap month repeats the number of the month before it.
        public let number: Int
        /// Whether this is the leap month that follows the ordinary month of the same number.
        public let isLeap: Bool
        /// Its first day, as a Gregorian day in China.
        public let firstDay: CalendarDate
        /// 29 or 30.
        public let length: Int
    }

    /// One day of the lunar calendar.
    public struct Day: Sendable, Hashable, CustomStringConvertible {
        /// The lunar year, which begins at Spring Festival of the Gregorian year of the same number.
        public let year: Int
        /// The month's number, 1–12.
        public let month: Int
        /// Whether the month is a leap month.
        public let isLeap: Bool
        /// The day of the month, 1–30.
        public let day: Int

        /// `2025 leap 6-1`, `2026 1-1`.
        public var description: String { "\(year) \(isLeap ? "leap " : "")\(month)-\(day)" }
    }

    /// The months of a lunar year in order, 12 or 13 of them; `nil` outside ``years``.
    public static func months(ofLunarYear year: Int) -> [Month]? {
        guard years.contains(year) else { return nil }
        let entry = entries[year - years.lowerBound]
        let leapMonth = Int(entry & 0xF)
        var day = firstDay.adding(days: newYearOffsets[year - years.lowerBound])
        var months: [Month] = []
        for number in 1...12 {
            let length = entry & (0x8000 >> UInt32(number - 1)) != 0 ? 30 : 29
            months.append(Month(number: number, isLeap: false, firstDay: day, length: length))
            day = day.adding(days: length)
            if number == leapMonth {
                let leapLength = entry & 0x10000 != 0 ? 30 : 29
                months.append(Month(number: number, isLeap: true, firstDay: day, length: leapLength))
                day = day.adding(days: leapLength)
            }
        }
        return months
    }

    /// The lunar day a Gregorian day (in China) falls on; `nil` before ``firstDay`` or after ``lastDay``.
    public static func day(on date: CalendarDate) -> Day? {
        let offset = date.daysSinceEpoch - firstDay.daysSinceEpoch
        guard offset >= 0, offset < newYearOffsets[newYearOffsets.count - 1] else { return nil }
        // The last lunar year whose Spring Festival is on or before the day.
        var low = 0
        var high = newYearOffsets.count - 2
        while low < high {
            let middle = (low + high + 1) / 2
            if newYearOffsets[middle] <= offset { low = middle } else { high = middle - 1 }
        }
        let year = years.lowerBound + low
        guard let month = months(ofLunarYear: year)?.last(where: { $0.firstDay <= date }) else { return nil }
        return Day(year: year, month: month.number, isLeap: month.isLeap, day: date.daysSinceEpoch - month.firstDay.daysSinceEpoch + 1)
    }

    /// Days from ``firstDay`` to each lunar year's Spring Festival, plus one past the end: the day after ``lastDay``.
    private static let newYearOffsets: [Int] = entries.reduce(into: [0]) { offsets, entry in
        offsets.append(offsets[offsets.count - 1] + yearLength(entry))
    }

    private static func yearLength(_ entry: UInt32) -> Int {
        var days = 0
        for number in 1...12 {
            days += entry & (0x8000 >> UInt32(number - 1)) != 0 ? 30 : 29
        }
        if entry & 0xF != 0 {
            days += entry & 0x10000 != 0 ? 30 : 29
        }
        return days
    }

    /// One entry per lunar year from 1901: bits 15 (1st month) down to 4 (12th month) set for a 30-day month,
    /// bits 3–0 the number of the month followed by a leap month (0: none), bit 16 set for a 30-day leap month.
    ///
    /// For example 2025 is `0x0A6E6`: a leap month after the 6th, 29 days long.
    private static let entries: [UInt32] = [
        0x04AE0, 0x0A570, 0x054D5, 0x0D260, 0x0D950, 0x16554, 0x056A0, 0x09AD0, 0x055D2, 0x04AE0,  // 1901–1910
        0x0A5B6, 0x0A4D0, 0x0D250, 0x1D255, 0x0B540, 0x0D6A0, 0x0ADA2, 0x095B0, 0x14977, 0x04970,  // 1911–1920
        0x0A4B0, 0x0B4B5, 0x06A50, 0x06D40, 0x1AB54, 0x02B60, 0x09570, 0x052F2, 0x04970, 0x06566,  // 1921–1930
        0x0D4A0, 0x0EA50, 0x16A95, 0x05AD0, 0x02B60, 0x186E3, 0x092E0, 0x1C8D7, 0x0C950, 0x0D4A0,  // 1931–1940
        0x1D8A6, 0x0B550, 0x056A0, 0x1A5B4, 0x025D0, 0x092D0, 0x0D2B2, 0x0A950, 0x0B557, 0x06CA0,  // 1941–1950
        0x0B550, 0x15355, 0x04DA0, 0x0A5B0, 0x14573, 0x052B0, 0x0A9A8, 0x0E950, 0x06AA0, 0x0AEA6,  // 1951–1960
        0x0AB50, 0x04B60, 0x0AAE4, 0x0A570, 0x05260, 0x0F263, 0x0D950, 0x05B57, 0x056A0, 0x096D0,  // 1961–1970
        0x04DD5, 0x04AD0, 0x0A4D0, 0x0D4D4, 0x0D250, 0x0D558, 0x0B540, 0x0B6A0, 0x195A6, 0x095B0,  // 1971–1980
        0x049B0, 0x0A974, 0x0A4B0, 0x0B27A, 0x06A50, 0x06D40, 0x0AF46, 0x0AB60, 0x09570, 0x04AF5,  // 1981–1990
        0x04970, 0x064B0, 0x074A3, 0x0EA50, 0x06B58, 0x05AC0, 0x0AB60, 0x096D5, 0x092E0, 0x0C960,  // 1991–2000
        0x0D954, 0x0D4A0, 0x0DA50, 0x07552, 0x056A0, 0x0ABB7, 0x025D0, 0x092D0, 0x0CAB5, 0x0A950,  // 2001–2010
        0x0B4A0, 0x0BAA4, 0x0AD50, 0x055D9, 0x04BA0, 0x0A5B0, 0x15176, 0x052B0, 0x0A930, 0x07954,  // 2011–2020
        0x06AA0, 0x0AD50, 0x05B52, 0x04B60, 0x0A6E6, 0x0A4E0, 0x0D260, 0x0EA65, 0x0D530, 0x05AA0,  // 2021–2030
        0x076A3, 0x096D0, 0x04AFB, 0x04AD0, 0x0A4D0, 0x1D0B6, 0x0D250, 0x0D520, 0x0DD45, 0x0B5A0,  // 2031–2040
        0x056D0, 0x055B2, 0x049B0, 0x0A577, 0x0A4B0, 0x0AA50, 0x1B255, 0x06D20, 0x0ADA0, 0x14B63,  // 2041–2050
        0x09370, 0x049F8, 0x04970, 0x064B0, 0x168A6, 0x0EA50, 0x06B20, 0x1A6C4, 0x0AAE0, 0x092E0,  // 2051–2060
        0x0D2E3, 0x0C960, 0x0D557, 0x0D4A0, 0x0DA50, 0x05D55, 0x056A0, 0x0A6D0, 0x055D4, 0x052D0,  // 2061–2070
        0x0A9B8, 0x0A950, 0x0B4A0, 0x0B6A6, 0x0AD50, 0x055A0, 0x0ABA4, 0x0A5B0, 0x052B0, 0x0B273,  // 2071–2080
        0x06930, 0x07337, 0x06AA0, 0x0AD50, 0x14B55, 0x04B60, 0x0A570, 0x054E4, 0x0D160, 0x0E968,  // 2081–2090
        0x0D520, 0x0DAA0, 0x16AA6, 0x056D0, 0x04AE0, 0x0A9D4, 0x0A2D0, 0x0D150, 0x0F252, 0x0D520,  // 2091–2100
    ]
}
