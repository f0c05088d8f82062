import BenefitCore
import BenefitQueue
@testable import BenefitScheduler
import BenefitTestSupport
import Foundation
import PostgresClient
import Testing

/// A run's batches hold neighbouring members, each with their rank
/// (migrations/0038_batches_in_member_order.sql).
@Suite("Campaign runs: batches in member order")
struct RunBatchTests {
    /// `synthetic`, recording in `test_rank` the rank each batch was given for each member.
    static let recording = ProgramCatalog([SyntheticProgram { batch, transaction in
        try await transaction.query("INSERT INTO test_rank SELECT unnest(\(batch.memberIDs)::text[]), unnest(\(batch.ranks)::bigint[])")
    }])

    @Test("a run's batches hold its members in byte order, each with the rank the population gave it, and each batch is given those ranks")
    func batchesInMemberOrder() async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let pool = PostgresPool(configuration: configuration, maxConnections: 8)
            defer { pool.close() }
            try await pool.query("CREATE TABLE test_rank (member_id text PRIMARY KEY, rank bigint NOT NULL)")
            // The population ranks S-1, S-2, ... 1, 2, ...; in byte order they go S-1, S-10, S-100, S-1000, S-101, ...
            try await RunFixtures.apply(CampaignText.yaml(
                name: "ordered", program: "synthetic", batchSize: 300, parameters: "{ members: 1000 }"), catalog: Self.recording, on: pool)
            let runID = try #require(try await CampaignStore.trigger("ordered", at: Date(), by: "tester@tests", on: pool))
            let summary = try await withWorker(RunFixtures.worker(pool: pool, name: "w1", catalog: Self.recording)) { () async throws in
                try await RunFixtures.waitForFinalState(runID, pool: pool)
            }
            #expect(summary?.state == .succeeded)

            let batches = try await pool.query("""
                SELECT batch, member_ids, ranks, first_rank IS NULL FROM benefit.run_batch WHERE run_id = \(runID) ORDER BY batch
                """).decode((Int, [String], [Int], Bool).self)
            #expect(batches.map(\.0) == [1, 2, 3, 4])
            #expect(batches.map(\.1.count) == [300, 300, 300, 100])
            let members = batches.flatMap(\.1)
            #expect(members == (1...1000).map { "S-\($0)" }.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) })
            #expect(batches.flatMap(\.2) == members.map { Int($0.dropFirst(2))! })
            #expect(batches.allSatisfy { $0.3 })
            let given = try await pool.query("SELECT count(*), count(*) FILTER (WHERE 'S-' || rank = member_id) FROM test_rank")
                .single((Int, Int).self)
            #expect(given == (1000, 1000))

            // The full batches' member arrays are stored compressed, with lz4 where the server has it (0041).
            let lz4 = try await pool.query("""
                SELECT 'lz4' = ANY (enumvals) FROM pg_settings WHERE name = 'default_toast_compression'
                """).single(Bool.self)
            let compressions = try await pool.query("""
                SELECT pg_column_compression(member_ids) FROM benefit.run_batch WHERE run_id = \(runID) AND members = 300 ORDER BY batch
                """).decode(String.self)
            #expect(compressions == Array(repeating: lz4 ? "lz4" : "pglz", count: 3))
        }
    }

    @Test("a batch planned before 0038 (a first rank, no ranks) is read with ranks from its first rank; the release before cannot read one planned now")
    func batchesOfEitherRelease() async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let pool = PostgresPool(configuration: configuration, maxConnections: 2)
            defer { pool.close() }
            try await RunFixtures.apply(CampaignText.yaml(
                name: "both", program: "synthetic", batchSize: 3, parameters: "{ members: 5 }"), on: pool)
            let runID = try #require(try await CampaignStore.trigger("both", at: Date(), by: "tester@tests", on: pool))
            try await pool.query("""
                INSERT INTO benefit.run_batch (run_id, batch, first_rank, ranks, member_ids, members)
                VALUES (\(runID), 1, 4, NULL, '{a,b,c}', 3), (\(runID), 2, NULL, '{9,2}', '{d,e}', 2)
                """)
            let old = try await pool.query(RunBatchQueries.members(runID: runID, batch: 1)).single(([String], [Int]).self)
            #expect(old.0 == ["a", "b", "c"] && old.1 == [4, 5, 6])
            let new = try await pool.query(RunBatchQueries.members(runID: runID, batch: 2)).single(([String], [Int]).self)
            #expect(new.0 == ["d", "e"] && new.1 == [9, 2])
            // The release before's read (BatchHandler before 0038) fails on it, before its batch writes anything.
            // It reads a NULL first rank, and its decoding refuses it.
            let oldRead = await #expect(throws: PostgresError.self) {
                try await pool.query("SELECT first_rank, member_ids FROM benefit.run_batch WHERE run_id = \(runID) AND batch = 2")
                    .first((Int, [String]).self)
            }
            #expect(oldRead?.code == .decoding && oldRead?.message.contains("first_rank") == true, "\(String(describing: oldRead))")
            // Exactly one of the two, and one rank per member.
            let refusedRows: [(Int?, PostgresQuery)] = [
                (nil, "NULL"), (1, "'{1,2}'"), (nil, "'{1}'"), (nil, "'{1,NULL}'"),
            ]
            for (firstRank, ranks) in refusedRows {
                let refused = await #expect(throws: PostgresError.self) {
                    try await pool.query("""
                        INSERT INTO benefit.run_batch (run_id, batch, first_rank, ranks, member_ids, members)
                        VALUES (\(runID), 3, \(firstRank)::bigint, \(subquery: ranks)::bigint[], '{x,y}', 2)
                        """)
                }
                #expect(refused?.sqlState == "23514")
            }
        }
    }
}
