import BenefitScheduler
import Foundation

/// Reads a seasonal-relief `parameters` block: every problem by path, and the
/// parameters with defaults filled in when there is none.
///
/// The rules, documented for operators in docs/programs.md:
/// - `season` is required, one of the four drives.
/// - `eligibility` (default: the season's) needs at least one criterion;
///   `hardshipTier` is a list of existing tiers, `frontline` and
///   `childInCollege` are booleans.
/// - `employment` (default: the season's) is a list of employment types.
/// - Money: `amounts` (tier → yuan) and a flat `amount`, positive, at most two
///   decimals. Each eligible tier needs its amount or the flat one; criteria
///   that admit members without a tier (`frontline`, `childInCollege`) need the
///   flat one. `budget` is required and must pay at least one grant.
struct ReliefParameterReader {
    static let keys = ["season", "eligibility", "employment", "amounts", "amount", "budget"]
    static let eligibilityKeys = ["hardshipTier", "frontline", "childInCollege"]

    private var base = ParameterReader()
    var problems: [ParameterProblem] { base.problems }

    /// Reads `parameters`; the result is nil when there is any problem.
    static func read(_ parameters: JSONValue) -> (parameters: ReliefParameters?, problems: [ParameterProblem]) {
        var reader = ReliefParameterReader()
        let result = reader.read(parameters)
        return (reader.problems.isEmpty ? result : nil, reader.problems)
    }

    private mutating func add(_ path: String, _ message: String) {
        base.add(path, message)
    }

    private mutating func read(_ parameters: JSONValue) -> ReliefParameters? {
        guard let block = base.mapping(parameters, at: "", known: Self.keys, example: "{ season: winter-warmth, budget: 5000000, ... }")
        else { return nil }
        let season = readSeason(block["season"])
        var eligibility = season?.defaultEligibility
        if let given = block["eligibility"] { eligibility = readEligibility(given) }
        var employment = season?.defaultEmployment
        if let given = block["employment"] { employment = base.employment(given, at: "employment") }
        var amounts: [Int: Decimal]? = [:]
        if let given = block["amounts"] { amounts = readAmounts(given) }
        var flatAmount: Decimal?
        var flatAmountValid = true
        if let given = block["amount"] {
            flatAmount = readMoney(given, path: "amount", maximum: Yuan.maximumAmount)
            flatAmountValid = flatAmount != nil
        }
        let budget = readBudget(block["budget"])
        // Coverage is only judged over amounts that read cleanly, so one slip is not reported twice.
        guard let season, let eligibility, let amounts, flatAmountValid else { return nil }

        var parameters = ReliefParameters(
            season: season, eligibility: eligibility, eligibilityIsDefault: block["eligibility"] == nil,
            employment: employment ?? [], amounts: amounts, flatAmount: flatAmount, budget: budget ?? 0)
        checkCoverage(of: parameters, amountsGiven: block["amounts"] != nil)
        if let budget {
            parameters.budget = budget
            if let smallest = parameters.smallestAmount, budget < smallest {
                add("budget", "\(Yuan.text(budget)) yuan cannot pay a single grant (the smallest amount is \(Yuan.text(smallest)))")
            }
        }
        return parameters
    }

    private mutating func readSeason(_ value: JSONValue?) -> ReliefSeason? {
        let known = ReliefSeason.allCases.map(\.rawValue)
        guard let value else {
            add("season", "required: one of \(known.joined(separator: ", "))")
            return nil
        }
        if let text = value.stringValue, let season = ReliefSeason(rawValue: text) { return season }
        var message = "expected one of \(known.joined(separator: ", ")), got \(value.canonicalText)"
        if let text = value.stringValue, let match = known.first(where: { $0.lowercased() == text.lowercased() }) {
            message += " (did you mean \(match)?)"
        }
        add("season", message)
        return nil
    }

    private mutating func readEligibility(_ value: JSONValue) -> ReliefEligibility? {
        let problemsBefore = base.problems.count
        guard let block = base.mapping(value, at: "eligibility", known: Self.eligibilityKeys, example: "{ hardshipTier: [1, 2, 3] }")
        else { return nil }
        var valid = base.problems.count == problemsBefore
        var eligibility = ReliefEligibility()
        if let tiers = block["hardshipTier"] {
            if let read = readTiers(tiers) { eligibility.hardshipTiers = read } else { valid = false }
        }
        for (key, path) in [("frontline", \ReliefEligibility.frontline), ("childInCollege", \.childInCollege)] {
            guard let flag = block[key] else { continue }
            if let on = base.flag(flag, at: "eligibility.\(key)") { eligibility[keyPath: path] = on } else { valid = false }
        }
        guard valid else { return nil }
        if !eligibility.hasCriterion {
            add("eligibility", "no criterion: give hardshipTier, frontline: true or childInCollege: true")
            return nil
        }
        return eligibility
    }

    private mutating func readTiers(_ value: JSONValue) -> [Int]? {
        let path = "eligibility.hardshipTier"
        guard let list = base.nonEmptyList(value, at: path, of: "tiers (1, 2, 3)") else { return nil }
        var tiers: [Int] = []
        var valid = true
        for (index, element) in list.enumerated() {
            guard let tier = ParameterReader.wholeNumber(element) else {
                add("\(path)[\(index)]", "expected a tier (1, 2 or 3), got \(element.canonicalText)")
                valid = false
                continue
            }
            if !ReliefEligibility.tiers.contains(tier) {
                add("\(path)[\(index)]", "tier \(tier) does not exist")
                valid = false
            } else if tiers.contains(tier) {
                add("\(path)[\(index)]", "tier \(tier) is listed twice")
                valid = false
            }
            tiers.append(tier)
        }
        return valid ? tiers.sorted() : nil
    }

    /// `amounts` by tier; nil if it is not a mapping or has any bad entry.
    private mutating func readAmounts(_ value: JSONValue) -> [Int: Decimal]? {
        guard let block = value.objectValue else {
            add("amounts", "expected a mapping of tier to yuan such as { \"1\": 2000, \"2\": 1200 }, got \(value.kindDescription)")
            return nil
        }
        var amounts: [Int: Decimal] = [:]
        var valid = true
        for key in block.keys.sorted() {
            guard let tier = Int(key), String(tier) == key, ReliefEligibility.tiers.contains(tier) else {
                add("amounts.\(key)", "tier \(key) does not exist")
                valid = false
                continue
            }
            if let amount = readMoney(block[key]!, path: "amounts.\(key)", maximum: Yuan.maximumAmount) {
                amounts[tier] = amount
            } else {
                valid = false
            }
        }
        return valid ? amounts : nil
    }

    private mutating func readBudget(_ value: JSONValue?) -> Decimal? {
        guard let value else {
            add("budget", "required: yuan the campaign may spend per cycle")
            return nil
        }
        return readMoney(value, path: "budget", maximum: Yuan.maximumBudget)
    }

    /// A positive number of yuan with at most two decimals, up to `maximum`.
    private mutating func readMoney(_ value: JSONValue, path: String, maximum: Decimal) -> Decimal? {
        guard let number = value.numberValue, number > 0, Yuan.isWholeCents(number) else {
            add(path, "expected a positive number of yuan with at most 2 decimals, got \(value.canonicalText)")
            return nil
        }
        guard number <= maximum else {
            add(path, "\(Yuan.text(number)) yuan is more than the most allowed, \(Yuan.text(maximum))")
            return nil
        }
        return number
    }

    /// Every eligible member must have an amount: their tier's, or the flat one.
    private mutating func checkCoverage(of parameters: ReliefParameters, amountsGiven: Bool) {
        guard amountsGiven || parameters.flatAmount != nil else {
            add("amounts", "required: yuan per member by tier, or a flat amount")
            return
        }
        let eligibility = parameters.eligibility
        let source = parameters.eligibilityIsDefault
            ? "the \(parameters.season.rawValue) default eligibility" : "eligibility.hardshipTier"
        if parameters.flatAmount == nil {
            for tier in eligibility.hardshipTiers where parameters.amounts[tier] == nil {
                add("amounts.\(tier)", "missing: tier \(tier) is eligible (\(source)) but has no amount")
            }
            let tierless = eligibility.tierlessCriteria.joined(separator: " and ")
            if !tierless.isEmpty {
                let source = parameters.eligibilityIsDefault
                    ? "the \(parameters.season.rawValue) default eligibility (\(tierless))" : "eligibility by \(tierless)"
                add("amount", "required: \(source) admits members who have no tier in amounts; they get this flat amount")
            }
        }
    }
}
