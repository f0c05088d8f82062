import BenefitCore
import BenefitScheduler
import Foundation

/// Reads a recuperation `parameters` block: every problem by path, and the
/// parameters with defaults filled in when there is none.
///
/// The rules, documented for operators in docs/programs.md:
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
struct RecuperationParameterReader {
    static let keys = ["employment", "minServiceYears", "notWithinYears", "sites", "rankBy", "seed"]
    static let siteKeys = ["name", "sessions"]
    static let sessionKeys = ["start", "days", "capacity"]
    static let startYears = 1950...2200
    static let seeds = -999_999_999...999_999_999

    private var base = ParameterReader()

    /// Reads `parameters`; the result is nil when there is any problem.
    static func read(_ parameters: JSONValue) -> (parameters: RecuperationParameters?, problems: [ParameterProblem]) {
        var reader = RecuperationParameterReader()
        let result = reader.read(parameters)
        return (reader.base.problems.isEmpty ? result : nil, reader.base.problems)
    }

    private mutating func read(_ parameters: JSONValue) -> RecuperationParameters? {
        guard let block = base.mapping(parameters, at: "", known: Self.keys, example: "{ sites: [...] }") else { return nil }
        var result = RecuperationParameters(
            employment: RecuperationParameters.defaultEmployment, minServiceYears: 0, notWithinYears: 0, sites: [],
            rankBy: RankCriterion.allCases, seed: 0)
        if let given = block["employment"] { result.employment = base.employment(given, at: "employment") ?? [] }
        if let given = block["minServiceYears"] {
            result.minServiceYears = base.wholeNumber(given, at: "minServiceYears", in: 0...60, what: "the years of service required") ?? 0
        }
        if let given = block["notWithinYears"] {
            result.notWithinYears = base.wholeNumber(given, at: "notWithinYears", in: 0...100, what: "the years since the last trip required") ?? 0
        }
        if let given = base.required(
            block, "sites", what: "the sites and their sessions, such as [{ name: 沙家浜, sessions: [{ start: 2027-04-06, days: 5, capacity: 40 }] }]") {
            result.sites = readSites(given)
        }
        if let given = block["rankBy"] {
            let known = RankCriterion.allCases.map(\.rawValue)
            result.rankBy = base.distinctChoices(given, at: "rankBy", known: known, one: "criterion", many: "ranking criteria", mayBeEmpty: true)?
                .compactMap(RankCriterion.init(rawValue:)) ?? []
        }
        if let given = block["seed"] {
            result.seed = base.wholeNumber(given, at: "seed", in: Self.seeds, what: "the tie-break's seed") ?? 0
        }
        return result
    }

    private mutating func readSites(_ value: JSONValue) -> [RecuperationSite] {
        guard let list = base.nonEmptyList(value, at: "sites", of: "sites") else { return [] }
        var sites: [RecuperationSite] = []
        var firstIndex: [String: Int] = [:]
        for (index, element) in list.enumerated() {
            let path = "sites[\(index)]"
            guard let block = base.mapping(element, at: path, known: Self.siteKeys, example: "{ name: 沙家浜, sessions: [...] }") else { continue }
            let name = base.required(block, "name", in: path, what: "the site's name").flatMap { base.name($0, at: "\(path).name") }
            if let name {
                if let first = firstIndex[name] {
                    base.add("\(path).name", "site \(name) is already listed (sites[\(first)])")
                } else {
                    firstIndex[name] = index
                }
            }
            let sessions = base.required(block, "sessions", in: path, what: "the site's sessions, such as [{ start: 2027-04-06, days: 5, capacity: 40 }]")
                .map { readSessions($0, at: "\(path).sessions", site: name ?? path) } ?? []
            sites.append(RecuperationSite(name: name ?? "", sessions: sessions))
        }
        return sites
    }

    private mutating func readSessions(_ value: JSONValue, at path: String, site: String) -> [RecuperationSession] {
        guard let list = base.nonEmptyList(value, at: path, of: "sessions") else { return [] }
        var sessions: [RecuperationSession] = []
        var firstIndex: [CalendarDate: Int] = [:]
        for (index, element) in list.enumerated() {
            let path = "\(path)[\(index)]"
            guard let block = base.mapping(element, at: path, known: Self.sessionKeys, example: "{ start: 2027-04-06, days: 5, capacity: 40 }")
            else { continue }
            let start = base.required(block, "start", in: path, what: "the session's first day").flatMap { readStart($0, at: "\(path).start") }
            if let start {
                if let first = firstIndex[start] {
                    base.add("\(path).start", "\(site) already has a session starting \(start) (sessions[\(first)])")
                } else {
                    firstIndex[start] = index
                }
            }
            let days = base.required(block, "days", in: path, what: "how many days it lasts").flatMap {
                base.wholeNumber($0, at: "\(path).days", in: 1...60, what: "the session's days")
            }
            let capacity = base.required(block, "capacity", in: path, what: "how many members it takes").flatMap {
                base.wholeNumber($0, at: "\(path).capacity", in: 1...100_000, what: "the session's places")
            }
            if let start, let days, let capacity {
                sessions.append(RecuperationSession(start: start, days: days, capacity: capacity))
            }
        }
        return sessions
    }

    private mutating func readStart(_ value: JSONValue, at path: String) -> CalendarDate? {
        guard let start = base.date(value, at: path) else { return nil }
        guard Self.startYears.contains(start.year) else {
            base.add(path, "\(start) is out of range: a session starts in \(Self.startYears.lowerBound) to \(Self.startYears.upperBound)")
            return nil
        }
        return start
    }
}
