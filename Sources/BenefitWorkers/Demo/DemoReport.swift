import BenefitCore
import BenefitScheduler
import Foundation
import PostgresClient

/// What `benefit demo` found at the end, read from the administrators' views
/// (`benefit.run_history`, the effects views and `benefit.waitlist`), so the
/// figures are the ones an administrator's SQL gives.
public struct DemoReport: Sendable, Codable, Equatable {
    /// One campaign's run.
    public struct Campaign: Sendable, Codable, Equatable {
        public var campaign: String
        public var program: String
        public var runID: Int
        public var state: String
        /// Members the run took on (its population).
        public var eligible: Int
        /// Members with an effect of this run: a grant, an appointment or a place.
        public var served: Int
        /// Members this run put on the waitlist.
        public var waitlisted: Int
        /// Money granted by the run, for programs that pay (yuan).
        public var amount: Decimal?
        /// The cycle's budget, for programs that pay.
        public var budget: Decimal?
        /// Places filled in the cycle, for programs with places (appointments on
        /// the days booked, recuperation places).
        public var places: Int?
        /// The places there were: for checkups, the days booked × each hospital's
        /// daily capacity; for recuperation, every session's capacity.
        public var capacity: Int?
        /// From the trigger to the run's end, by the database's clock.
        public var seconds: Double
    }

    /// The demo's database.
    public var database: String
    /// Members in the roster.
    public var members: Int
    /// The whole demo, wall-clock.
    public var seconds: Double
    public var campaigns: [Campaign]
    /// Each campaign's evaluation report (an HTML page), by absolute path.
    public var reports: [String]

    /// - Parameter parameters: each campaign's program parameters, for the capacities they set.
    static func load(
        runs: [RunSummary], parameters: [String: JSONValue], members: Int, database: String, reports: [String], seconds: Double,
        on pool: PostgresPool
    ) async throws -> DemoReport {
        var campaigns: [Campaign] = []
        for run in runs {
            let (waitlisted, elapsed) = try await pool.query("""
                SELECT (SELECT count(*) FROM benefit.waitlist w WHERE w.run_id = r.id),
                       extract(epoch FROM r.finished_at - r.created_at)::float8
                FROM benefit.run r WHERE r.id = \(run.runID)
                """).single((Int, Double).self)
            var campaign = Campaign(
                campaign: run.campaign, program: run.program, runID: run.runID, state: run.state.rawValue,
                eligible: run.membersTotal, served: 0, waitlisted: waitlisted, seconds: elapsed)
            try await campaign.loadEffects(cycle: run.cycle, parameters: parameters[run.campaign] ?? .emptyObject, on: pool)
            campaigns.append(campaign)
        }
        return DemoReport(database: database, members: members, seconds: seconds, campaigns: campaigns, reports: reports)
    }
}

extension DemoReport.Campaign {
    /// Reads what the run did from its program's effects view; a recuperation
    /// round's capacity, which includes sessions nobody was placed in, from the
    /// campaign's parameters.
    mutating func loadEffects(cycle: String, parameters: JSONValue, on pool: PostgresPool) async throws {
        switch program {
        case SeasonalReliefProgram.name:
            let row = try await pool.query("""
                SELECT (SELECT count(*) FROM benefit.grants g WHERE g.run_id = \(runID)),
                       (SELECT coalesce(sum(g.amount), 0) FROM benefit.grants g WHERE g.run_id = \(runID)),
                       (SELECT b.budget FROM benefit.budgets b WHERE b.campaign = \(campaign) AND b.cycle = \(cycle))
                """).single((Int, Decimal, Decimal?).self)
            (served, amount, budget) = (row.0, row.1, row.2)
        case HealthCheckupProgram.name:
            // Places: the cycle's appointments; capacity: each (hospital, day) booked, at its daily capacity.
            (served, places, capacity) = try await pool.query("""
                SELECT (SELECT count(*) FROM benefit.appointments WHERE run_id = \(runID)),
                       coalesce(sum(booked), 0)::bigint, coalesce(sum(daily_capacity), 0)::bigint
                FROM (SELECT count(*) AS booked, max(daily_capacity) AS daily_capacity FROM benefit.appointments
                      WHERE campaign = \(campaign) AND cycle = \(cycle) GROUP BY hospital, appointment_date) AS days
                """).single((Int, Int?, Int?).self)
        case RecuperationProgram.name:
            (served, places) = try await pool.query("""
                SELECT count(*) FILTER (WHERE run_id = \(runID)), count(*)
                FROM benefit.allocations WHERE campaign = \(campaign) AND cycle = \(cycle)
                """).single((Int, Int?).self)
            capacity = try CampaignValueReader.readStored(parameters, campaign: campaign, program: program) { $0.recuperationParameters($1) }
                .sessions.reduce(0) { $0 + $1.session.capacity }
        case JobFairProgram.name:
            // Places: the cycle's places at its fairs; capacity: every fair's.
            (served, places, capacity) = try await pool.query("""
                SELECT (SELECT count(*) FROM benefit.fair_places WHERE run_id = \(runID)),
                       (SELECT count(*) FROM benefit.fair_places WHERE campaign = \(campaign) AND cycle = \(cycle)),
                       (SELECT coalesce(sum(capacity), 0)::bigint FROM benefit.job_fairs WHERE campaign = \(campaign) AND cycle = \(cycle))
                """).single((Int, Int?, Int?).self)
        case HardshipAidProgram.name:
            // Served: awards paid by the run; the "budget": what the fund was given.
            let row = try await pool.query("""
                SELECT (SELECT count(*) FROM benefit.aid_payments p WHERE p.run_id = \(runID)),
                       (SELECT coalesce(sum(p.amount), 0) FROM benefit.aid_payments p WHERE p.run_id = \(runID)),
                       (SELECT f.deposited FROM benefit.aid_funds f
                        WHERE f.fund = (SELECT c.definition #>> '{parameters,fund}' FROM benefit.campaign c WHERE c.name = \(campaign)))
                """).single((Int, Decimal, Decimal?).self)
            (served, amount, budget) = (row.0, row.1, row.2)
        default:
            throw DemoError("the report knows no effects of program \(program) (campaign \(campaign))")
        }
    }
}
