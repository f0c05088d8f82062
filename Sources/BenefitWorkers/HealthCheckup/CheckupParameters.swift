import BenefitCore
import Foundation

/// How long after a checkup a member is due again: a whole number of years,
/// months or days (`1y`, `18m`, `400d`).
///
/// PostgreSQL does the arithmetic (`startDate - interval`), so month ends fall
/// as it says: 18 months before 2027-08-31 is 2026-02-28.
public struct CheckupInterval: Sendable, Equatable, CustomStringConvertible {
    public enum Unit: Character, Sendable, CaseIterable {
        case years = "y"
        case months = "m"
        case days = "d"

        /// The largest count allowed: a century in each unit.
        var maximum: Int {
            switch self {
            case .years: 100
            case .months: 1_200
            case .days: 36_500
            }
        }
    }

    public var count: Int
    public var unit: Unit

    public init(count: Int, unit: Unit) {
        self.count = count
        self.unit = unit
    }

    /// Parses `<count><unit>`: digits, then `y`, `m` or `d`, no spaces; nil otherwise.
    /// The count's range is checked by the reader, which says what it must be.
    public init?(_ text: String) {
        guard let last = text.last, let unit = Unit(rawValue: last) else { return nil }
        let digits = text.dropLast()
        guard !digits.isEmpty, digits.count <= 6, digits.allSatisfy({ $0.isASCII && $0.isNumber }), let count = Int(digits)
        else { return nil }
        self.init(count: count, unit: unit)
    }

    /// `(years, months, days)` for `make_interval`.
    var parts: (years: Int, months: Int, days: Int) {
        switch unit {
        case .years: (count, 0, 0)
        case .months: (0, count, 0)
        case .days: (0, 0, count)
        }
    }

    public var description: String { "\(count)\(unit.rawValue)" }
}

/// A hospital of a health-checkup campaign, with the appointments it takes per workday.
public struct CheckupHospital: Sendable, Equatable {
    public var name: String
    public var dailyCapacity: Int

    public init(name: String, dailyCapacity: Int) {
        self.name = name
        self.dailyCapacity = dailyCapacity
    }
}

/// Where a health-checkup campaign's members are seen: at hospitals they go to,
/// or by vans that go to their workplaces (流动体检车).
public enum CheckupMode: String, Sendable, Equatable, CaseIterable {
    case hospitals
    case vans
}

/// A package rule: members younger than `ageBelow` (nil: everyone) get the package `name`.
public struct CheckupPackageRule: Sendable, Equatable {
    public var name: String
    public var ageBelow: Int?

    public init(name: String, ageBelow: Int? = nil) {
        self.name = name
        self.ageBelow = ageBelow
    }
}

/// A health-checkup campaign's `parameters`, read and checked, with every default filled in.
public struct CheckupParameters: Sendable, Equatable {
    /// The employment types served when the file gives none.
    public static let defaultEmployment: [Member.Employment] = [.staff, .retired]
    /// The interval when the file gives none: a yearly checkup.
    public static let defaultInterval = CheckupInterval(count: 1, unit: .years)

    /// A member is due if their last checkup is at least this long before `startDate`, or they never had one.
    public var interval: CheckupInterval
    public var employment: [Member.Employment]
    public var mode: CheckupMode
    /// The first day appointments may fall on (a weekend or holiday moves them to the next workday).
    public var startDate: CalendarDate
    /// Days without appointments, besides Saturdays and Sundays.
    public var holidays: [CalendarDate]
    /// In file order, which breaks ties when org units are shared out; empty in `mode: vans`.
    public var hospitals: [CheckupHospital]
    /// The vans, each with the appointments it takes per workday, in file order
    /// (which breaks ties); empty in `mode: hospitals`.
    public var vans: [CheckupHospital]
    /// In file order: the first rule a member's age matches wins; the last matches everyone.
    public var packages: [CheckupPackageRule]
    /// Added to the package of women (gender `F`), if given.
    public var womenExtra: String?

    /// The cycle's capacity rows this campaign opens and books: its hospitals or its vans.
    public var resources: [CheckupHospital] { mode == .vans ? vans : hospitals }
}
