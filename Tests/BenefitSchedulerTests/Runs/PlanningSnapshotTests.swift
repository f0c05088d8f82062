import BenefitScheduler
import BenefitTestSupport
import Foundation
import PostgresClient
import Testing

/// A program whose `prepare` counts the candidates and then, from another
/// connection, adds more and commits them before the population is read: what
/// a roster import landing in the middle of planning does.
struct ImportDuringPlanningProgram: BenefitProgram {
    let program = "import-during-planning"
    let database: PostgresConfiguration

    func validate(_ parameters: SourceValue, with reader: inout CampaignValueReader) {}

    func prepare(_ run: RunContext, on transaction: PostgresConnection) async throws {
        let counted = try await transaction.query("SELECT count(*) FROM test_candidate").single(Int.self)
        try await transaction.query("INSERT INTO test_plan (run_id, counted) VALUES (\(run.runID), \(counted))")
        let importer = try await PostgresConnection.connect(to: database)
        try await importer.query("INSERT INTO test_candidate SELECT 'late-' || g FROM generate_series(1, 25) AS g")
    }

    func population(_ run: RunContext) throws -> PostgresQuery {
        "SELECT id, row_number() OVER (ORDER BY id) FROM test_candidate"
    }

    func execute(_ batch: RunBatch, on transaction: PostgresConnection) async throws -> BatchOutcome {
        BatchOutcome(members: batch.memberIDs.count)
    }
}

@Suite("Planning snapshot")
struct PlanningSnapshotTests {
    @Test("prepare and the population read the roster as of one moment, even when an import commits in between")
    func planReadsOneSnapshot() async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let pool = PostgresPool(configuration: configuration, maxConnections: 8)
            defer { pool.close() }
            try await pool.query("CREATE TABLE test_candidate (id text PRIMARY KEY)")
            try await pool.query("CREATE TABLE test_plan (run_id bigint, counted int)")
            try await pool.query("INSERT INTO test_candidate SELECT 'early-' || g FROM generate_series(1, 100) AS g")
            let catalog = ProgramCatalog([ImportDuringPlanningProgram(database: configuration)])
            try await RunFixtures.apply(
                CampaignText.yaml(name: "snapshot", program: "import-during-planning", parameters: "{}"), catalog: catalog, on: pool)
            let runID = try #require(try await CampaignStore.trigger("snapshot", at: Date(), by: "tester@tests", on: pool))
            let worker = RunFixtures.worker(pool: pool, queue: "runs", name: "w1", catalog: catalog)
            let run = try await withWorker(worker) { try await RunFixtures.waitForFinalState(runID, pool: pool) }
            #expect(run?.state == .succeeded)
            // The import committed (125 candidates now), but the run planned and ranked the 100 it counted.
            #expect(try await pool.query("SELECT count(*) FROM test_candidate").single(Int.self) == 125)
            #expect(try await pool.query("SELECT counted FROM test_plan WHERE run_id = \(runID)").single(Int.self) == 100)
            #expect(run?.membersTotal == 100)
        }
    }
}
