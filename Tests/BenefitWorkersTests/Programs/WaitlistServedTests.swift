import BenefitTestSupport
import BenefitWorkers
import PostgresClient
import Testing

/// Members granted or placed have their waitlist entry of the cycle marked
/// served, by key probes however the waitlist grew since the session first did
/// it (migrations/0037_waitlist_served_by_probes.sql).
@Suite("Programs: a waitlist entry marked served by key probes")
struct WaitlistServedTests {
    @Test("a session that marked 50 entries served in a waitlist of 50 marks the next by a probe of a waitlist of 5,000, not a scan of it")
    func servedByProbeAfterTheWaitlistGrew() async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            // One connection: the session that planned the first statement runs the second.
            // The waitlist grows through another: changing `session_replication_role`
            // would make this one plan afresh.
            let session = PostgresPool(configuration: configuration, maxConnections: 1)
            let filler = PostgresPool(configuration: configuration, maxConnections: 1)
            defer { session.close(); filler.close() }
            let (campaignID, runID) = try await Self.campaignAndRun(on: session)
            // Rows shaped like the effect tables', with their trigger.
            try await session.query("CREATE TABLE placed (campaign_id bigint, cycle text, member_id text, run_id bigint)")
            try await session.query("""
                CREATE TRIGGER placed_serves_waitlist AFTER INSERT ON placed
                    REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION benefit.effect_serves_waitlist()
                """)
            try await Self.waitlist(1...50, campaignID: campaignID, runID: runID, on: filler)
            try await session.query("INSERT INTO placed SELECT \(campaignID), '2027', 'W' || n, \(runID) FROM generate_series(1, 50) AS n")
            try await Self.waitlist(51...5_000, campaignID: campaignID, runID: runID, on: filler)

            // The session's sequential scans of the waitlist, counted before and
            // after in one transaction (the counts of earlier ones may not be
            // flushed yet, and a transaction flushes none).
            let scans = try await session.transaction { transaction in
                let seqScans: PostgresQuery = "SELECT pg_stat_get_xact_numscans('benefit.waitlist_entry'::regclass)"
                let before = try await transaction.query(seqScans).single(Int.self)
                try await transaction.query("INSERT INTO placed VALUES (\(campaignID), '2027', 'W4999', \(runID))")
                return try await transaction.query(seqScans).single(Int.self) - before
            }
            #expect(scans == 0, "the waitlist was read whole \(scans) times")
            let served = try await session.query("""
                SELECT member_id FROM benefit.waitlist_entry WHERE served_run_id = \(runID) ORDER BY member_id
                """).decode(String.self)
            #expect(served.count == 51 && served.contains("W4999") && served.contains("W50"))
        }
    }

    /// A campaign and a (pending) run of it, for the waitlist's entries to name.
    static func campaignAndRun(on pool: PostgresPool) async throws -> (Int, Int) {
        try await ProgramFixtures.apply(ProgramFixtures.campaignYAML(
            name: "waitlist-probe", program: "drill", queue: "waitlist-probe", parameters: "{ members: 1 }"), on: pool)
        let run = try await ProgramFixtures.trigger("waitlist-probe", at: ProgramFixtures.fireTime(year: 2027), on: pool)
        let campaignID = try await pool.query("SELECT id FROM benefit.campaign WHERE name = 'waitlist-probe'").single(Int.self)
        return (campaignID, run)
    }

    /// Waitlist entries `W<n>` of cycle 2027 for `numbers`, written past the
    /// effect tables' triggers (the members are not on the roster) and without
    /// statistics: as a batch sees a waitlist that grew since it last looked.
    static func waitlist(_ numbers: ClosedRange<Int>, campaignID: Int, runID: Int, on pool: PostgresPool) async throws {
        try await pool.transaction { transaction in
            try await transaction.query("SET LOCAL session_replication_role = replica")
            try await transaction.query("""
                INSERT INTO benefit.waitlist_entry (campaign_id, cycle, member_id, program, run_id, job_id, rank, reason)
                SELECT \(campaignID), '2027', 'W' || n, 'recuperation', \(runID), 1, n, 'all places are taken'
                FROM generate_series(\(numbers.lowerBound)::int, \(numbers.upperBound)::int) AS n
                """)
        }
    }
}
