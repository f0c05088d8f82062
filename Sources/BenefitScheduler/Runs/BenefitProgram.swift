import Foundation
import PostgresClient

/// A benefit program the engine runs for campaigns (`health-checkup`,
/// `seasonal-relief`, `recuperation`); implemented in BenefitWorkers.
///
/// The engine plans a run by asking the program for its population (in SQL:
/// the roster never comes into memory), cuts it into batches of the campaign's
/// `batchSize`, and runs each batch as a job whose effects the program writes
/// inside the job's fenced transaction.
public protocol BenefitProgram: ProgramParameterValidator {
    /// Runs once in the planning job's fenced transaction, before the fan-out:
    /// a program that must decide something for the whole run at once (a
    /// ranking, say) writes it here. Default: nothing.
    ///
    /// The planning transaction is REPEATABLE READ: `prepare` and the
    /// population query that follows read one snapshot of the roster, so a plan
    /// made from counts in `prepare` covers exactly the members the population
    /// ranks. (A row `prepare` locks that a concurrent transaction changed makes
    /// the planning commit start over.)
    func prepare(_ run: RunContext, on transaction: PostgresConnection) async throws

    /// The run's population: a query returning `member_id text, rank bigint`, with
    /// ranks 1, 2, 3, ... in the order batches should take members.
    func population(_ run: RunContext) throws -> PostgresQuery

    /// Runs once in the planning job's fenced transaction, after the population
    /// has been cut into batches, with how many members it ranks: a program
    /// whose plan depends on that number (places given in rank order, say)
    /// makes it here instead of counting the population a second time in
    /// `prepare`. Same snapshot as `prepare`; no batch runs before the planning
    /// commits. Default: nothing.
    func populationPlanned(_ run: RunContext, members: Int, on transaction: PostgresConnection) async throws

    /// Writes one batch's effects inside the batch job's fenced transaction and says what it did.
    func execute(_ batch: RunBatch, on transaction: PostgresConnection) async throws -> BatchOutcome
}

extension BenefitProgram {
    public func prepare(_ run: RunContext, on transaction: PostgresConnection) async throws {}
    public func populationPlanned(_ run: RunContext, members: Int, on transaction: PostgresConnection) async throws {}
}

/// What a program knows of the run it works for.
public struct RunContext: Sendable {
    public let runID: Int
    public let campaignID: Int
    public let campaign: String
    public let fireTime: Date
    /// The period effects are unique within: `2026`, `2026-12` or `run-…`.
    public let cycle: String
    public let timeZone: TimeZone
    public let parameters: JSONValue
    public let definition: CampaignDefinition
}

/// One batch of a run: members in member order, each with their rank in the run.
/// A batch holds any ranks, not a range of them (migration 0038): what a member
/// gets must follow from their rank and the run's plan alone.
public struct RunBatch: Sendable {
    public let run: RunContext
    public let jobID: Int
    public let memberIDs: [String]
    /// `ranks[i]` is the rank of `memberIDs[i]`.
    public let ranks: [Int]

    public init(run: RunContext, jobID: Int, memberIDs: [String], ranks: [Int]) {
        precondition(memberIDs.count == ranks.count, "a batch has one rank per member")
        self.run = run
        self.jobID = jobID
        self.memberIDs = memberIDs
        self.ranks = ranks
    }
}

/// What one batch did, for the run's counters.
public struct BatchOutcome: Sendable {
    /// Members handled (served or waitlisted).
    public var members: Int
    /// Money granted, if the program grants money.
    public var amount: Decimal?

    public init(members: Int, amount: Decimal? = nil) {
        self.members = members
        self.amount = amount
    }
}

/// The programs this binary knows, by name.
public struct ProgramCatalog: Sendable {
    private let programs: [String: any BenefitProgram]

    public init(_ programs: [any BenefitProgram]) {
        self.programs = Dictionary(programs.map { ($0.program, $0) }, uniquingKeysWith: { _, last in last })
    }

    public func program(named name: String) -> (any BenefitProgram)? { programs[name] }

    public var validators: [any ProgramParameterValidator] { Array(programs.values) }

    public var names: [String] { programs.keys.sorted() }
}
