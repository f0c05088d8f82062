import Foundation
import PostgresClient

/// One row of `benefit.run_history`: a run and its progress, as administrators see it.
public struct RunSummary: Sendable, Codable, Equatable {
    public let runID: Int
    public let campaign: String
    public let program: String
    public let cycle: String
    public let fireTime: Date
    public let trigger: String
    public let state: RunState
    public let startedAt: Date?
    public let finishedAt: Date?
    public let batchesTotal: Int
    public let batchesSucceeded: Int
    public let batchesDead: Int
    public let membersTotal: Int
    public let membersDone: Int
    public let amountTotal: Decimal

    enum CodingKeys: String, CodingKey {
        case runID = "run_id", campaign, program, cycle, fireTime = "fire_time", trigger, state
        case startedAt = "started_at", finishedAt = "finished_at", batchesTotal = "batches_total"
        case batchesSucceeded = "batches_succeeded", batchesDead = "batches_dead"
        case membersTotal = "members_total", membersDone = "members_done", amountTotal = "amount_total"
    }
}

/// Reads runs for operators (`benefit runs list|show|watch`).
public enum RunHistory {
    /// The columns ``decode(_:)`` reads, in its order.
    static let columns: PostgresQuery = """
        SELECT run_id, campaign, program, cycle, fire_time, trigger, state, started_at, finished_at, batches_total,
               batches_succeeded, batches_dead, members_total, members_done, amount_total
        FROM benefit.run_history
        """

    /// Newest first, optionally one campaign's or in one state.
    public static func list(on pool: PostgresPool, campaign: String? = nil, state: RunState? = nil, limit: Int = 50) async throws -> [RunSummary] {
        try await pool.query("""
            \(subquery: columns)
            WHERE (\(campaign)::text IS NULL OR campaign = \(campaign)) AND (\(state?.rawValue)::text IS NULL OR state = \(state?.rawValue))
            ORDER BY fire_time DESC, run_id DESC LIMIT \(limit)
            """).map(decode)
    }

    /// One run, or nil.
    public static func find(_ runID: Int, on pool: PostgresPool) async throws -> RunSummary? {
        try await find([runID], on: pool).first
    }

    /// These runs, in the order of `runIDs` (a run that does not exist is left out).
    public static func find(_ runIDs: [Int], on pool: PostgresPool) async throws -> [RunSummary] {
        let runs = try await pool.query("\(subquery: columns) WHERE run_id = ANY (\(runIDs))").map(decode)
        let byID = Dictionary(uniqueKeysWithValues: runs.map { ($0.runID, $0) })
        return runIDs.compactMap { byID[$0] }
    }

    static func decode(_ row: PostgresRow) throws -> RunSummary {
        let (id, campaign, program, cycle, fireTime, trigger, state, started, finished, total, succeeded, dead, membersTotal, membersDone, amount) =
            try row.decode((Int, String, String, String, Date, String, String, Date?, Date?, Int, Int, Int, Int, Int, Decimal).self)
        return RunSummary(
            runID: id, campaign: campaign, program: program, cycle: cycle, fireTime: fireTime, trigger: trigger,
            state: RunState(rawValue: state) ?? .pending, startedAt: started, finishedAt: finished, batchesTotal: total,
            batchesSucceeded: succeeded, batchesDead: dead, membersTotal: membersTotal, membersDone: membersDone, amountTotal: amount)
    }
}

extension RunHistory {
    /// Runs by the day (UTC) of their fire time, over the last `days` days, oldest first; days without runs left out.
    public static func runsPerDay(days: Int, on pool: PostgresPool) async throws -> [(day: String, runs: Int)] {
        try await pool.query("""
            SELECT to_char(fire_time AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, count(*)
            FROM benefit.run_history
            WHERE fire_time > now() - \(days) * interval '1 day'
            GROUP BY day ORDER BY day
            """).decode((String, Int).self).map { (day: $0.0, runs: $0.1) }
    }

    /// Money granted by each campaign in each cycle (its succeeded and failed runs'
    /// amounts), the latest `limit` campaign-cycles with money, in the order they first fired.
    public static func amountPerCycle(limit: Int, on pool: PostgresPool) async throws -> [(campaign: String, cycle: String, amount: Decimal)] {
        try await pool.query("""
            SELECT campaign, cycle, amount FROM (
                SELECT campaign, cycle, sum(amount_total) AS amount, min(fire_time) AS first_fire
                FROM benefit.run_history
                WHERE state IN ('succeeded', 'failed') AND amount_total > 0
                GROUP BY campaign, cycle
                ORDER BY first_fire DESC LIMIT \(limit)
            ) latest ORDER BY first_fire
            """).decode((String, String, Decimal).self).map { (campaign: $0.0, cycle: $0.1, amount: $0.2) }
    }
}
