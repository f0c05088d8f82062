import BenefitScheduler
import Foundation

/// A small stand-in for a program's validator, shaped like seasonal relief: `season`, `amounts` by tier, `budget`, `eligibility`.
///
/// The engine must treat every program alike, so the tests use their own
/// program rather than BenefitWorkers' real ones: what is proved here is how
/// the file parser runs a validator and where its problems land, not the rules
/// of any program.
struct ReliefTestValidator: ProgramParameterValidator {
    /// The program name it answers to; `test-program` unless a test needs the design's `seasonal-relief`.
    let program: String

    init(program: String = "test-program") {
        self.program = program
    }

    static let seasons = ["spring-jobs", "summer-cooling", "autumn-education", "winter-warmth"]
    static let tiers = ["1", "2", "3"]
    static let keys = ["season", "amounts", "budget", "eligibility"]

    func validate(_ parameters: SourceValue, with reader: inout CampaignValueReader) {
        guard let block = reader.block(parameters, keys: Self.keys) else { return }
        if let season = reader.required("season", in: block, what: "one of \(Self.seasons.joined(separator: ", "))") {
            _ = reader.choice(season, among: Self.seasons)
        }
        if let given = reader.required("amounts", in: block, what: "yuan per member by tier"),
           let amounts = reader.mapping(given, of: "tier to yuan") {
            for (tier, amount) in amounts.entries {
                if !Self.tiers.contains(tier) {
                    reader.add("tier \(tier) does not exist", at: amount)
                } else {
                    Self.checkYuan(amount, with: &reader)
                }
            }
        }
        if let budget = block["budget"] {
            Self.checkYuan(budget, with: &reader)
        }
    }

    private static func checkYuan(_ value: SourceValue, with reader: inout CampaignValueReader) {
        guard case .number(let number) = value.content, number > 0 else {
            reader.add("expected a positive number of yuan, got \(value.gotDescription)", at: value)
            return
        }
    }
}

/// A program that takes no parameters, for files that leave the block out.
struct NoParametersValidator: ProgramParameterValidator {
    let program = "no-parameters"

    func validate(_ parameters: SourceValue, with reader: inout CampaignValueReader) {
        _ = reader.block(parameters, keys: [])
    }
}
