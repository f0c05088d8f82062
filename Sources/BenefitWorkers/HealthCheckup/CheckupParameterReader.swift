import BenefitScheduler
import Foundation

/// Reads a health-checkup `parameters` block: every problem by path, and the
/// parameters with defaults filled in when there is none.
///
/// The rules, documented for operators in docs/programs.md:
/// - `interval` (default `1y`) is a count and a unit: `1y`, `18m`, `400d`.
/// - `employment` (default `[staff, retired]`) is a list of employment types.
/// - `startDate` is required; `holidays` (default none) is a list of distinct dates.
/// - `hospitals` is a non-empty list of `{ name, dailyCapacity }`, names
///   distinct, capacities whole numbers from 1 to 100,000.
/// - `packages` is a non-empty list of `{ name, ageBelow }` rules, first match
///   wins: `ageBelow` strictly increasing, and the last rule without it, so
///   every member gets a package and no rule is shadowed.
/// - `womenExtra`, if given, is a name.
struct CheckupParameterReader {
    static let keys = ["interval", "employment", "startDate", "holidays", "hospitals", "packages", "womenExtra"]
    static let hospitalKeys = ["name", "dailyCapacity"]
    static let packageKeys = ["name", "ageBelow"]
    /// The most appointments a hospital can be given per day.
    static let maximumDailyCapacity = 100_000
    /// Ages in years a package rule may bound.
    static let ageRange = 1...150

    private var base = ParameterReader()
    var problems: [ParameterProblem] { base.problems }

    /// Reads `parameters`; the result is nil when there is any problem.
    static func read(_ parameters: JSONValue) -> (parameters: CheckupParameters?, problems: [ParameterProblem]) {
        var reader = CheckupParameterReader()
        let result = reader.read(parameters)
        return (reader.problems.isEmpty ? result : nil, reader.problems)
    }

    private mutating func read(_ parameters: JSONValue) -> CheckupParameters? {
        guard let block = base.mapping(
            parameters, at: "", known: Self.keys, example: "{ startDate: 2027-03-01, hospitals: [...], packages: [...] }")
        else { return nil }
        let interval = block["interval"].map { readInterval($0) } ?? CheckupParameters.defaultInterval
        let employment = block["employment"].map { base.employment($0, at: "employment") } ?? CheckupParameters.defaultEmployment
        let startDate = base.required(block, "startDate", what: "the first day appointments may fall on (YYYY-MM-DD)")
            .flatMap { base.date($0, at: "startDate") }
        let holidays = block["holidays"].map { base.distinctDates($0, at: "holidays") } ?? []
        let hospitals = base.required(block, "hospitals", what: "a list of { name, dailyCapacity }").flatMap { readHospitals($0) }
        let packages = base.required(block, "packages", what: "a list of { name, ageBelow } rules, the last without ageBelow")
            .flatMap { readPackages($0) }
        let womenExtra = block["womenExtra"].map { base.name($0, at: "womenExtra") }
        guard let interval, let employment, let startDate, let holidays, let hospitals, let packages else { return nil }
        return CheckupParameters(
            interval: interval, employment: employment, startDate: startDate, holidays: holidays,
            hospitals: hospitals, packages: packages, womenExtra: womenExtra ?? nil)
    }

    private mutating func readInterval(_ value: JSONValue) -> CheckupInterval? {
        guard let interval = value.stringValue.flatMap(CheckupInterval.init) else {
            base.add("interval", "expected a count and a unit such as 1y, 18m or 400d (y: years, m: months, d: days), got \(value.canonicalText)")
            return nil
        }
        guard (1...interval.unit.maximum).contains(interval.count) else {
            base.add("interval", "\(interval) is out of range: the count must be from 1 to \(interval.unit.maximum)")
            return nil
        }
        return interval
    }

    private mutating func readHospitals(_ value: JSONValue) -> [CheckupHospital]? {
        guard let list = base.nonEmptyList(value, at: "hospitals", of: "hospitals { name, dailyCapacity }") else { return nil }
        var hospitals: [CheckupHospital] = []
        var valid = true
        for (index, element) in list.enumerated() {
            let path = "hospitals[\(index)]"
            guard let entry = base.mapping(element, at: path, known: Self.hospitalKeys, example: "{ name: 市第一人民医院, dailyCapacity: 120 }")
            else {
                valid = false
                continue
            }
            let name = base.required(entry, "name", in: path, what: "the hospital's name").flatMap { base.name($0, at: "\(path).name") }
            if let name, hospitals.contains(where: { $0.name == name }) {
                base.add("\(path).name", "\(name) is listed twice")
                valid = false
            }
            let capacity = base.required(entry, "dailyCapacity", in: path, what: "appointments per workday").flatMap {
                base.wholeNumber($0, at: "\(path).dailyCapacity", in: 1...Self.maximumDailyCapacity, what: "appointments per workday")
            }
            if let name, let capacity { hospitals.append(CheckupHospital(name: name, dailyCapacity: capacity)) } else { valid = false }
        }
        return valid ? hospitals : nil
    }

    private mutating func readPackages(_ value: JSONValue) -> [CheckupPackageRule]? {
        guard let list = base.nonEmptyList(value, at: "packages", of: "package rules { name, ageBelow }") else { return nil }
        var rules: [CheckupPackageRule] = []
        var valid = true
        // The last bound read, and the index of a catch-all rule (no ageBelow) once one is seen.
        var previousBound: Int?
        var catchAll: Int?
        for (index, element) in list.enumerated() {
            let path = "packages[\(index)]"
            guard let entry = base.mapping(element, at: path, known: Self.packageKeys, example: "{ name: basic, ageBelow: 35 }") else {
                valid = false
                continue
            }
            if let catchAll {
                base.add(path, "never used: packages[\(catchAll)] has no ageBelow and matches everyone")
                valid = false
            }
            let name = base.required(entry, "name", in: path, what: "the package's name").flatMap { base.name($0, at: "\(path).name") }
            var bound: Int?
            if let given = entry["ageBelow"] {
                bound = base.wholeNumber(given, at: "\(path).ageBelow", in: Self.ageRange, what: "an age in years")
                if bound == nil { valid = false }
                if let bound, let previousBound, bound <= previousBound {
                    base.add("\(path).ageBelow", "\(bound) must be more than the rule before's ageBelow, \(previousBound)")
                    valid = false
                }
                previousBound = bound ?? previousBound
            } else if catchAll == nil {
                catchAll = index
            }
            if let name { rules.append(CheckupPackageRule(name: name, ageBelow: bound)) } else { valid = false }
        }
        if valid, catchAll == nil {
            base.add("packages[\(list.count - 1)]", "the last rule must have no ageBelow, so that every member gets a package")
            valid = false
        }
        return valid ? rules : nil
    }
}
