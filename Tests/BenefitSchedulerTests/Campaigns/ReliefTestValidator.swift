import BenefitScheduler
import Foundation

/// A small stand-in for a program's validator, shaped like seasonal relief: `season`, `amounts` by tier, `budget`, `eligibility`.
///
/// The engine must treat every program alike, so the tests use their own
/// program rather than BenefitWorkers' real ones: what is proved here is how
/// the file parser runs a validator and places its problems, not the rules of
/// any program.
struct ReliefTestValidator: ProgramParameterValidator {
    /// The program name it answers to; `test-program` unless a test needs the design's `seasonal-relief`.
    let program: String

    init(program: String = "test-program") {
        self.program = program
    }

    static let seasons = ["spring-jobs", "summer-cooling", "autumn-education", "winter-warmth"]
    static let tiers = ["1", "2", "3"]
    static let keys = ["season", "amounts", "budget", "eligibility"]

    func problems(in parameters: JSONValue) -> [ParameterProblem] {
        var problems: [ParameterProblem] = []
        let members = parameters.objectValue ?? [:]
        for key in members.keys.sorted() where !Self.keys.contains(key) {
            problems.append(ParameterProblem(path: key, message: "unknown key"))
        }
        switch members["season"] {
        case nil:
            problems.append(ParameterProblem(path: "season", message: "required"))
        case .string(let season) where Self.seasons.contains(season):
            break
        case let other?:
            problems.append(ParameterProblem(path: "season", message: "expected one of \(Self.seasons.joined(separator: ", ")), got \(other.canonicalText)"))
        }
        switch members["amounts"] {
        case nil:
            problems.append(ParameterProblem(path: "amounts", message: "required"))
        case .object(let amounts):
            for tier in amounts.keys.sorted() {
                guard Self.tiers.contains(tier) else {
                    problems.append(ParameterProblem(path: "amounts.\(tier)", message: "tier \(tier) does not exist"))
                    continue
                }
                guard let amount = amounts[tier]?.numberValue, amount > 0 else {
                    problems.append(ParameterProblem(path: "amounts.\(tier)", message: "expected a positive number of yuan"))
                    continue
                }
            }
        case let other?:
            problems.append(ParameterProblem(path: "amounts", message: "expected a mapping of tier to yuan, got \(other.kindDescription)"))
        }
        if let budget = members["budget"], !(budget.numberValue.map { $0 > 0 } ?? false) {
            problems.append(ParameterProblem(path: "budget", message: "expected a positive number of yuan"))
        }
        return problems
    }
}

/// A program that takes no parameters, for files that leave the block out.
struct NoParametersValidator: ProgramParameterValidator {
    let program = "no-parameters"

    func problems(in parameters: JSONValue) -> [ParameterProblem] {
        (parameters.objectValue ?? [:]).keys.sorted().map { ParameterProblem(path: $0, message: "unknown key") }
    }
}
