import BenefitScheduler
import Foundation

/// `drill`: a program for fire drills and smoke tests, needing no roster.
///
/// Its population is `members` synthetic members (`D-0000001`, ...); each batch
/// writes one `benefit.drill_effect` row per member in its fenced commit, so a
/// duplicated effect after killing workers shows as a second row. Batches holding
/// a rank listed in `failRanks` fail on every attempt (to rehearse dead batches
/// and `jobs retry --run`); `sleepMs` slows every batch down.
///
/// ```yaml
/// program: drill
/// parameters: { members: 10000, failRanks: [], sleepMs: 0 }
/// ```
public struct DrillProgram: BenefitProgram {
    public let program = "drill"
    static let maximumMembers = 10_000_000

    public init() {}

    public func problems(in parameters: JSONValue) -> [ParameterProblem] {
        var problems: [ParameterProblem] = []
        guard let object = parameters.objectValue else { return [ParameterProblem(path: "", message: "expected a mapping")] }
        for key in object.keys where !["members", "failRanks", "sleepMs"].contains(key) {
            problems.append(ParameterProblem(path: key, message: "unknown key (known: members, failRanks, sleepMs)"))
        }
        if let members = object["members"] {
            if Self.integer(members).map({ (0...Self.maximumMembers).contains($0) }) != true {
                problems.append(ParameterProblem(path: "members", message: "expected a whole number from 0 to \(Self.maximumMembers)"))
            }
        } else {
            problems.append(ParameterProblem(path: "members", message: "required"))
        }
        if let ranks = object["failRanks"] {
            if let list = ranks.arrayValue {
                for (index, rank) in list.enumerated() where Self.integer(rank).map({ $0 >= 1 }) != true {
                    problems.append(ParameterProblem(path: "failRanks[\(index)]", message: "expected a rank (a whole number from 1)"))
                }
            } else {
                problems.append(ParameterProblem(path: "failRanks", message: "expected a list of ranks"))
            }
        }
        if let sleep = object["sleepMs"], Self.integer(sleep).map({ (0...600_000).contains($0) }) != true {
            problems.append(ParameterProblem(path: "sleepMs", message: "expected milliseconds from 0 to 600000"))
        }
        return problems
    }

    public func population(_ run: RunContext) throws -> PostgresQuery {
        let members = Self.integer(run.parameters["members"]) ?? 0
        return "SELECT 'D-' || lpad(g::text, 7, '0'), g FROM generate_series(1, \(members)) AS g"
    }

    public func execute(_ batch: RunBatch, on transaction: PostgresConnection) async throws -> BatchOutcome {
        let parameters = batch.run.parameters
        if let sleep = Self.integer(parameters["sleepMs"]), sleep > 0 { try await Task.sleep(for: .milliseconds(sleep)) }
        let ranks = batch.firstRank..<(batch.firstRank + batch.memberIDs.count)
        let failing = (parameters["failRanks"]?.arrayValue ?? []).compactMap(Self.integer).filter(ranks.contains)
        if let rank = failing.first {
            throw DrillFailure(rank: rank)
        }
        try await transaction.query("""
            INSERT INTO benefit.drill_effect (job_id, run_id, member_id)
            SELECT \(batch.jobID), \(batch.run.runID), unnest(\(batch.memberIDs))
            """)
        return BatchOutcome(members: batch.memberIDs.count)
    }

    struct DrillFailure: Error, CustomStringConvertible {
        let rank: Int
        var description: String { "drill: the batch holding rank \(rank) fails on purpose (failRanks)" }
    }

    static func integer(_ value: JSONValue?) -> Int? {
        guard let number = value?.numberValue, number == number.rounded(0, .plain) else { return nil }
        return Int(truncating: number as NSDecimalNumber)
    }
}

extension Decimal {
    fileprivate func rounded(_ scale: Int, _ mode: NSDecimalNumber.RoundingMode) -> Decimal {
        var value = self
        var result = Decimal()
        NSDecimalRound(&result, &value, scale, mode)
        return result
    }
}
