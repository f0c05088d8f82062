import BenefitScheduler
import Foundation

extension CheckupParameters {
    /// The keys of a health-checkup `parameters` block.
    static let keys = ["interval", "employment", "mode", "startDate", "holidays", "hospitals", "vans", "packages", "womenExtra"]
    static let hospitalKeys = ["name", "dailyCapacity"]
    static let packageKeys = ["name", "ageBelow"]
    /// The most appointments a hospital can be given per day.
    static let maximumDailyCapacity = 100_000
    /// Ages in years a package rule may bound.
    static let ageRange = 1...150
}

extension CampaignValueReader {
    /// A health-checkup `parameters` block, with defaults filled in; every problem is recorded.
    ///
    /// The parameters are sound only when no problem was recorded. The rules,
    /// documented for operators in docs/programs.md:
    /// - `interval` (default `1y`) is a count and a unit: `1y`, `18m`, `400d`.
    /// - `employment` (default `[staff, retired]`) is a list of employment types.
    /// - `startDate` is required; `holidays` (default none) is a list of distinct dates.
    /// - `mode` (default `hospitals`) is `hospitals` or `vans`.
    /// - `hospitals` (mode `hospitals`) or `vans` (mode `vans`) is a non-empty
    ///   list of `{ name, dailyCapacity }`, names distinct, capacities whole
    ///   numbers from 1 to 100,000; each is required in its mode and refused in the other.
    /// - `packages` is a non-empty list of `{ name, ageBelow }` rules, first match
    ///   wins: `ageBelow` strictly increasing, and the last rule without it, so
    ///   every member gets a package and no rule is shadowed.
    /// - `womenExtra`, if given, is a name.
    mutating func checkupParameters(_ parameters: SourceValue) -> CheckupParameters? {
        guard let block = block(parameters, keys: CheckupParameters.keys) else { return nil }
        let interval = block["interval"].map { checkupInterval($0) } ?? CheckupParameters.defaultInterval
        let employment = block["employment"].map { self.employment($0) } ?? CheckupParameters.defaultEmployment
        let startDate = required("startDate", in: block, what: "the first day appointments may fall on (YYYY-MM-DD)")
            .flatMap { calendarDate($0) }
        let holidays = block["holidays"].map { distinctDates($0) } ?? []
        let mode = block["mode"].map { choice($0, as: CheckupMode.self) } ?? .hospitals
        let resources = mode.flatMap { checkupResources(in: block, mode: $0) }
        let packages = required("packages", in: block, what: "a list of { name, ageBelow } rules, the last without ageBelow")
            .flatMap { packageRules($0) }
        let womenExtra = block["womenExtra"].map { name($0) }
        guard let interval, let employment, let mode, let startDate, let holidays, let resources, let packages else { return nil }
        return CheckupParameters(
            interval: interval, employment: employment, mode: mode, startDate: startDate, holidays: holidays,
            hospitals: mode == .hospitals ? resources : [], vans: mode == .vans ? resources : [],
            packages: packages, womenExtra: womenExtra ?? nil)
    }

    /// The mode's list (`hospitals` or `vans`), required; the other mode's list is refused.
    private mutating func checkupResources(in block: SourceBlock, mode: CheckupMode) -> [CheckupHospital]? {
        let (key, other, what) = switch mode {
        case .hospitals: ("hospitals", "vans", "hospital")
        case .vans: ("vans", "hospitals", "van")
        }
        if let refused = block[other] {
            add("not used in mode \(mode.rawValue) (mode: \(other) uses it): give \(key)", at: refused)
        }
        let resources = required(key, in: block, what: "a list of { name, dailyCapacity }").flatMap { checkupHospitals($0, what: what) }
        return block[other] == nil ? resources : nil
    }

    private mutating func checkupInterval(_ value: SourceValue) -> CheckupInterval? {
        guard case .string(let text) = value.content, let interval = CheckupInterval(text) else {
            add("expected a count and a unit such as 1y, 18m or 400d (y: years, m: months, d: days), got \(value.gotDescription)", at: value)
            return nil
        }
        guard (1...interval.unit.maximum).contains(interval.count) else {
            outOfRange(value, what: "the count", from: "1", to: "\(interval.unit.maximum)")
            return nil
        }
        return interval
    }

    private mutating func checkupHospitals(_ value: SourceValue, what: String) -> [CheckupHospital]? {
        guard let list = nonEmptyList(value, of: "\(what)s { name, dailyCapacity }") else { return nil }
        var hospitals: [CheckupHospital] = []
        var firsts: [String: SourceValue] = [:]
        var valid = true
        for element in list {
            let example = what == "van" ? "{ name: 体检车1号, dailyCapacity: 60 }" : "{ name: 市第一人民医院, dailyCapacity: 120 }"
            guard let entry = block(element, keys: CheckupParameters.hospitalKeys, example: example) else {
                valid = false
                continue
            }
            let nameValue = required("name", in: entry, what: "the \(what)'s name")
            let name = nameValue.flatMap { self.name($0) }
            if let name, let nameValue, !isFirst(name, described: "\(what) \(name)", at: nameValue, item: element, firsts: &firsts) {
                valid = false
            }
            let capacity = required("dailyCapacity", in: entry, what: "appointments per workday").flatMap {
                wholeNumber($0, in: 1...CheckupParameters.maximumDailyCapacity, what: "appointments per workday")
            }
            if let name, let capacity { hospitals.append(CheckupHospital(name: name, dailyCapacity: capacity)) } else { valid = false }
        }
        return valid ? hospitals : nil
    }

    private mutating func packageRules(_ value: SourceValue) -> [CheckupPackageRule]? {
        guard let list = nonEmptyList(value, of: "package rules { name, ageBelow }") else { return nil }
        var rules: [CheckupPackageRule] = []
        var valid = true
        // The last bound read, and the catch-all rule (no ageBelow) once one is seen.
        var previousBound: Int?
        var catchAll: SourceValue?
        for element in list {
            guard let entry = block(element, keys: CheckupParameters.packageKeys, example: "{ name: basic, ageBelow: 35 }") else {
                valid = false
                continue
            }
            if let catchAll {
                add("never used: \(catchAll.path) has no ageBelow and matches everyone", at: element)
                valid = false
            }
            let name = required("name", in: entry, what: "the package's name").flatMap { self.name($0) }
            var bound: Int?
            if let given = entry["ageBelow"] {
                bound = wholeNumber(given, in: CheckupParameters.ageRange, what: "an age in years")
                if bound == nil { valid = false }
                if let bound, let previousBound, bound <= previousBound {
                    add("\(bound) must be more than the rule before's ageBelow, \(previousBound)", at: given)
                    valid = false
                }
                previousBound = bound ?? previousBound
            } else if catchAll == nil {
                catchAll = element
            }
            if let name { rules.append(CheckupPackageRule(name: name, ageBelow: bound)) } else { valid = false }
        }
        if valid, catchAll == nil, let last = list.last {
            add("the last rule must have no ageBelow, so that every member gets a package", at: last)
            valid = false
        }
        return valid ? rules : nil
    }
}
