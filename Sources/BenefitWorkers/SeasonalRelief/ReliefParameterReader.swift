import BenefitScheduler
import Foundation

extension ReliefParameters {
    /// The keys of a seasonal-relief `parameters` block.
    static let keys = ["season", "eligibility", "employment", "amounts", "amount", "budget"]
    /// The keys of its `eligibility` block.
    static let eligibilityKeys = ["hardshipTier", "frontline", "childInCollege"]
}

extension CampaignValueReader {
    /// A seasonal-relief `parameters` block, with defaults filled in; every problem is recorded.
    ///
    /// The parameters are sound only when no problem was recorded. The rules,
    /// documented for operators in docs/programs.md:
    /// - `season` is required, one of the four drives.
    /// - `eligibility` (default: the season's) needs at least one criterion;
    ///   `hardshipTier` is a list of existing tiers, `frontline` and
    ///   `childInCollege` are booleans.
    /// - `employment` (default: the season's) is a list of employment types.
    /// - Money: `amounts` (tier → yuan) and a flat `amount`, positive, at most two
    ///   decimals. Each eligible tier needs its amount or the flat one; criteria
    ///   that admit members without a tier (`frontline`, `childInCollege`) need the
    ///   flat one. `budget` is required and must pay at least one grant.
    mutating func reliefParameters(_ parameters: SourceValue) -> ReliefParameters? {
        guard let block = block(parameters, keys: ReliefParameters.keys) else { return nil }
        let seasons = ReliefSeason.allCases.map(\.rawValue).joined(separator: ", ")
        let season = required("season", in: block, what: "one of \(seasons)").flatMap { choice($0, as: ReliefSeason.self) }
        var eligibility = season?.defaultEligibility
        if let given = block["eligibility"] { eligibility = reliefEligibility(given) }
        var employment = season?.defaultEmployment
        if let given = block["employment"] { employment = self.employment(given) }
        var amounts: [Int: Decimal]? = [:]
        if let given = block["amounts"] { amounts = tierAmounts(given) }
        var flatAmount: Decimal?
        var flatAmountValid = true
        if let given = block["amount"] {
            flatAmount = yuan(given, what: "the flat amount", maximum: Yuan.maximumAmount)
            flatAmountValid = flatAmount != nil
        }
        let budgetValue = required("budget", in: block, what: "yuan the campaign may spend per cycle")
        let budget = budgetValue.flatMap { yuan($0, what: "the budget", maximum: Yuan.maximumBudget) }
        // Coverage is only judged over amounts that read cleanly, so one slip is not reported twice.
        guard let season, let eligibility, let amounts, flatAmountValid else { return nil }

        let parameters = ReliefParameters(
            season: season, eligibility: eligibility, eligibilityIsDefault: block["eligibility"] == nil,
            employment: employment ?? [], amounts: amounts, flatAmount: flatAmount)
        checkCoverage(of: parameters, in: block)
        if let budget, let budgetValue, let smallest = parameters.smallestAmount, budget < smallest {
            add("\(Yuan.text(budget)) yuan cannot pay a single grant (the smallest amount is \(Yuan.text(smallest)))", at: budgetValue)
        }
        return parameters
    }

    private mutating func reliefEligibility(_ value: SourceValue) -> ReliefEligibility? {
        let problemsBefore = problems.count
        guard let block = block(value, keys: ReliefParameters.eligibilityKeys, example: "{ hardshipTier: [1, 2, 3] }") else { return nil }
        var eligibility = ReliefEligibility()
        if let given = block["hardshipTier"] {
            eligibility.hardshipTiers = hardshipTiers(given)?.sorted() ?? []
        }
        for (key, path) in [("frontline", \ReliefEligibility.frontline), ("childInCollege", \.childInCollege)] {
            if let given = block[key], let on = flag(given) { eligibility[keyPath: path] = on }
        }
        // An unknown key is a slip too: judged on half a block, the criteria would draw a second, misleading problem.
        guard problems.count == problemsBefore else { return nil }
        if !eligibility.hasCriterion {
            add("no criterion: give hardshipTier, frontline: true or childInCollege: true", at: value)
            return nil
        }
        return eligibility
    }

    /// A non-empty list of hardship tiers that exist, each once.
    private mutating func hardshipTiers(_ value: SourceValue) -> [Int]? {
        distinctList(value, of: "tiers (1, 2, 3)") { reader, element in
            guard let tier = element.wholeNumber else {
                reader.add("expected a tier (1, 2 or 3), got \(element.gotDescription)", at: element)
                return nil
            }
            guard ReliefEligibility.tiers.contains(tier) else {
                reader.add("tier \(tier) does not exist", at: element)
                return nil
            }
            return tier
        }
    }

    /// `amounts` by tier; nil if it is not a mapping or has any bad entry.
    private mutating func tierAmounts(_ value: SourceValue) -> [Int: Decimal]? {
        guard let block = mapping(value, of: #"tier to yuan (such as { "1": 2000, "2": 1200 })"#) else { return nil }
        return yuan(
            byKeyOf: block,
            key: { key in Int(key).flatMap { String($0) == key && ReliefEligibility.tiers.contains($0) ? $0 : nil } },
            refusal: { "tier \($0) does not exist" }, what: { _ in "yuan per member" }, maximum: Yuan.maximumAmount)
    }

    /// Every eligible member must have an amount: their tier's, or the flat one.
    private mutating func checkCoverage(of parameters: ReliefParameters, in block: SourceBlock) {
        // The flat amount pays every member their tier does not.
        guard parameters.flatAmount == nil else { return }
        guard let amounts = block["amounts"] else {
            missing("amounts", in: block.value, what: "yuan per member by tier, or a flat amount")
            return
        }
        let season = parameters.season.rawValue
        let source = parameters.eligibilityIsDefault ? "the \(season) default eligibility" : "eligibility.hardshipTier"
        for tier in parameters.eligibility.hardshipTiers where parameters.amounts[tier] == nil {
            missing("\(tier)", in: amounts, what: "yuan for tier \(tier), which is eligible (\(source))")
        }
        let tierless = parameters.eligibility.tierlessCriteria.joined(separator: " and ")
        if !tierless.isEmpty {
            let source = parameters.eligibilityIsDefault ? "the \(season) default eligibility (\(tierless))" : "eligibility by \(tierless)"
            missing("amount", in: block.value, what: "\(source) admits members who have no tier in amounts; they get this flat amount")
        }
    }
}
