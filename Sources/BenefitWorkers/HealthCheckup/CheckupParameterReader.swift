import BenefitScheduler
import Foundation

extension CheckupParameters {
    /// The keys of a health-checkup `parameters` block.
    static let keys = ["interval", "employment", "startDate", "holidays", "hospitals", "packages", "womenExtra"]
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
    /// - `hospitals` is a non-empty list of `{ name, dailyCapacity }`, names
    ///   distinct, capacities whole numbers from 1 to 100,000.
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
        let hospitals = required("hospitals", in: block, what: "a list of { name, dailyCapacity }").flatMap { checkupHospitals($0) }
        let packages = required("packages", in: block, what: "a list of { name, ageBelow } rules, the last without ageBelow")
            .flatMap { packageRules($0) }
        let womenExtra = block["womenExtra"].map { name($0) }
        guard let interval, let employment, let startDate, let holidays, let hospitals, let packages else { return nil }
        return CheckupParameters(
            interval: interval, employment: employment, startDate: startDate, holidays: holidays,
            hospitals: hospitals, packages: packages, womenExtra: womenExtra ?? nil)
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

    private mutating func checkupHospitals(_ value: SourceValue) -> [CheckupHospital]? {
        guard let list = nonEmptyList(value, of: "hospitals { name, dailyCapacity }") else { return nil }
        var hospitals: [CheckupHospital] = []
        var firsts: [String: SourceValue] = [:]
        var valid = true
        for element in list {
            guard let entry = block(element, keys: CheckupParameters.hospitalKeys, example: "{ name: 市第一人民医院, dailyCapacity: 120 }") else {
                valid = false
                continue
            }
            let nameValue = required("name", in: entry, what: "the hospital's name")
            let name = nameValue.flatMap { self.name($0) }
            if let name, let nameValue, !isFirst(name, described: "hospital \(name)", at: nameValue, item: element, firsts: &firsts) {
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
