import BenefitCore
import BenefitScheduler
import Foundation

extension JobFairParameters {
    /// The keys of a job-fair `parameters` block.
    static let keys = ["employment", "fairs", "rankBy", "seed"]
    static let fairKeys = ["name", "district", "date", "capacity"]
}

extension CampaignValueReader {
    /// A job-fair `parameters` block, with defaults filled in; every problem is recorded.
    ///
    /// The parameters are sound only when no problem was recorded. The rules,
    /// documented for operators in docs/programs.md:
    /// - `employment` (default ``JobFairParameters/defaultEmployment``) is a list of employment types;
    /// - `fairs` is required and non-empty; each has a `name` (unique), a
    ///   `district` (a name), a `date` and a `capacity` of 1 to 100,000;
    /// - `rankBy` lists criteria each at most once (default `[hardship, frontline]`;
    ///   empty: a draw by `seed` alone);
    /// - `seed` is a whole number (default 0).
    mutating func jobFairParameters(_ parameters: SourceValue) -> JobFairParameters? {
        guard let block = block(parameters, keys: JobFairParameters.keys) else { return nil }
        var result = JobFairParameters(employment: JobFairParameters.defaultEmployment, fairs: [], rankBy: FairRankCriterion.allCases, seed: 0)
        if let given = block["employment"] { result.employment = employment(given) ?? [] }
        if let given = required(
            "fairs", in: block,
            what: "the fairs, such as [{ name: 城东区春风行动专场招聘会, district: 城东区, date: 2027-02-24, capacity: 300 }]") {
            result.fairs = jobFairs(given)
        }
        if let given = block["rankBy"] {
            result.rankBy = distinctChoices(given, as: FairRankCriterion.self, many: "ranking criteria", mayBeEmpty: true) ?? []
        }
        if let given = block["seed"] {
            result.seed = wholeNumber(given, in: RecuperationParameters.seeds, what: "the tie-break's seed") ?? 0
        }
        return result
    }

    private mutating func jobFairs(_ value: SourceValue) -> [JobFair] {
        guard let list = nonEmptyList(value, of: "fairs") else { return [] }
        var fairs: [JobFair] = []
        var firsts: [String: SourceValue] = [:]
        for element in list {
            guard let block = block(
                element, keys: JobFairParameters.fairKeys, example: "{ name: 城东区春风行动专场招聘会, district: 城东区, date: 2027-02-24, capacity: 300 }")
            else { continue }
            let nameValue = required("name", in: block, what: "the fair's name")
            let name = nameValue.flatMap { self.name($0) }
            if let name, let nameValue {
                isFirst(name, described: "fair \(name)", at: nameValue, item: element, firsts: &firsts)
            }
            let district = required("district", in: block, what: "the district whose members it invites").flatMap { self.name($0) }
            let date = required("date", in: block, what: "the day it is held").flatMap { calendarDate($0) }
            let capacity = required("capacity", in: block, what: "how many members it takes").flatMap {
                wholeNumber($0, in: 1...100_000, what: "the fair's places")
            }
            if let name, let district, let date, let capacity {
                fairs.append(JobFair(name: name, district: district, date: date, capacity: capacity))
            }
        }
        return fairs
    }
}
