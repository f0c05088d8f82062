import BenefitCore
import BenefitScheduler
import Foundation

extension RecuperationParameters {
    /// The keys of a recuperation `parameters` block.
    static let keys = ["employment", "minServiceYears", "notWithinYears", "sites", "rankBy", "seed"]
    static let siteKeys = ["name", "sessions"]
    static let sessionKeys = ["start", "days", "capacity"]
    /// The years a session may start in: those the roster's `last_recuperation_year` holds.
    static let startYears = 1950...2200
    static let seeds = -999_999_999...999_999_999
}

extension CampaignValueReader {
    /// A recuperation `parameters` block, with defaults filled in; every problem is recorded.
    ///
    /// The parameters are sound only when no problem was recorded. The rules,
    /// documented for operators in docs/programs.md:
    /// - `employment` (default ``RecuperationParameters/defaultEmployment``) is a
    ///   list of employment types;
    /// - `minServiceYears` 0 to 60 and `notWithinYears` 0 to 100 (both default 0);
    /// - `sites` is required and non-empty; site names are unique; each site has a
    ///   non-empty list of `sessions`, each with `start` (a date in 1950 … 2200, the
    ///   years the roster's `last_recuperation_year` holds), `days` 1 to 60 and
    ///   `capacity` 1 to 100,000; two sessions of one site do not start on one day;
    /// - `rankBy` lists criteria each at most once (default all four, in the
    ///   contract's order; empty: a draw by `seed` alone);
    /// - `seed` is a whole number (default 0).
    mutating func recuperationParameters(_ parameters: SourceValue) -> RecuperationParameters? {
        guard let block = block(parameters, keys: RecuperationParameters.keys) else { return nil }
        var result = RecuperationParameters(
            employment: RecuperationParameters.defaultEmployment, minServiceYears: 0, notWithinYears: 0, sites: [],
            rankBy: RankCriterion.allCases, seed: 0)
        if let given = block["employment"] { result.employment = employment(given) ?? [] }
        if let given = block["minServiceYears"] {
            result.minServiceYears = wholeNumber(given, in: 0...60, what: "the years of service required") ?? 0
        }
        if let given = block["notWithinYears"] {
            result.notWithinYears = wholeNumber(given, in: 0...100, what: "the years since the last trip required") ?? 0
        }
        if let given = required(
            "sites", in: block,
            what: "the sites and their sessions, such as [{ name: 沙家浜, sessions: [{ start: 2027-04-06, days: 5, capacity: 40 }] }]") {
            result.sites = recuperationSites(given)
        }
        if let given = block["rankBy"] {
            result.rankBy = distinctChoices(given, as: RankCriterion.self, many: "ranking criteria", mayBeEmpty: true) ?? []
        }
        if let given = block["seed"] {
            result.seed = wholeNumber(given, in: RecuperationParameters.seeds, what: "the tie-break's seed") ?? 0
        }
        return result
    }

    private mutating func recuperationSites(_ value: SourceValue) -> [RecuperationSite] {
        guard let list = nonEmptyList(value, of: "sites") else { return [] }
        var sites: [RecuperationSite] = []
        var firsts: [String: SourceValue] = [:]
        for element in list {
            guard let block = block(element, keys: RecuperationParameters.siteKeys, example: "{ name: 沙家浜, sessions: [...] }") else { continue }
            let nameValue = required("name", in: block, what: "the site's name")
            let name = nameValue.flatMap { self.name($0) }
            if let name, let nameValue {
                isFirst(name, described: "site \(name)", at: nameValue, item: element, firsts: &firsts)
            }
            let sessions = required("sessions", in: block, what: "the site's sessions, such as [{ start: 2027-04-06, days: 5, capacity: 40 }]")
                .map { recuperationSessions($0) } ?? []
            sites.append(RecuperationSite(name: name ?? "", sessions: sessions))
        }
        return sites
    }

    private mutating func recuperationSessions(_ value: SourceValue) -> [RecuperationSession] {
        guard let list = nonEmptyList(value, of: "sessions") else { return [] }
        var sessions: [RecuperationSession] = []
        var firsts: [CalendarDate: SourceValue] = [:]
        for element in list {
            guard let block = block(element, keys: RecuperationParameters.sessionKeys, example: "{ start: 2027-04-06, days: 5, capacity: 40 }")
            else { continue }
            let startValue = required("start", in: block, what: "the session's first day")
            let start = startValue.flatMap { sessionStart($0) }
            if let start, let startValue {
                isFirst(start, described: "a session starting \(start)", at: startValue, item: element, firsts: &firsts)
            }
            let days = required("days", in: block, what: "how many days it lasts").flatMap {
                wholeNumber($0, in: 1...60, what: "the session's days")
            }
            let capacity = required("capacity", in: block, what: "how many members it takes").flatMap {
                wholeNumber($0, in: 1...100_000, what: "the session's places")
            }
            if let start, let days, let capacity {
                sessions.append(RecuperationSession(start: start, days: days, capacity: capacity))
            }
        }
        return sessions
    }

    private mutating func sessionStart(_ value: SourceValue) -> CalendarDate? {
        guard let start = calendarDate(value) else { return nil }
        let years = RecuperationParameters.startYears
        guard years.contains(start.year) else {
            outOfRange(value, what: "the session's start", from: "\(years.lowerBound)-01-01", to: "\(years.upperBound)-12-31")
            return nil
        }
        return start
    }
}
