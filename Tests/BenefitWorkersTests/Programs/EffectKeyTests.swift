import BenefitTestSupport
import PostgresClient
import Testing

/// Effect rows name their member, run and campaign, and a waitlist entry its
/// serving run, through one check per statement, and those parents are never
/// deleted (migrations 0031 and 0039): what the declared keys refused is still
/// refused, whoever writes.
@Suite("Effect rows' keys to member, run and campaign")
struct EffectKeyTests {
    /// A recuperation run over six members: five placed or waitlisted by a real run.
    static func withPlacedRun(_ body: @Sendable (PostgresPool, Int) async throws -> Void) async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let pool = PostgresPool(configuration: configuration, maxConnections: 4)
            defer { pool.close() }
            for id in ["A1", "A2", "A3", "A4", "A5", "A6"] { try await RecuperationFixtures.insertMember(id, on: pool) }
            try await ProgramFixtures.apply(
                RecuperationFixtures.campaignYAML(name: "spring", parameters: "{ \(RecuperationPlacementTests.smallSites) }"), on: pool)
            let run = try await RecuperationPlacementTests.run("spring", pool: pool)
            #expect(run.state == .succeeded)
            try await body(pool, run.runID)
        }
    }

    static func effectRows(_ pool: PostgresPool) async throws -> Int {
        try await pool.query("""
            SELECT (SELECT count(*) FROM benefit.allocation) + (SELECT count(*) FROM benefit.waitlist_entry)
            """).single(Int.self)
    }

    @Test("an effect row naming a member, run or campaign that does not exist is refused, and its statement writes nothing")
    func missingParentsAreRefused() async throws {
        try await Self.withPlacedRun { pool, runID in
            let before = try await Self.effectRows(pool)
            #expect(before == 6)
            try await pool.query("UPDATE benefit.allocation SET cancelled_at = now(), cancel_reason = 'freed for the test' WHERE rank = 1")
            // Rows copied from the run's own waitlist entry, under another cycle, one field made wrong.
            func copy(
                member: PostgresQuery = "w.member_id", run: PostgresQuery = "w.run_id", campaign: PostgresQuery = "w.campaign_id"
            ) -> PostgresQuery {
                """
                INSERT INTO benefit.waitlist_entry (campaign_id, cycle, member_id, program, run_id, job_id, rank, reason)
                SELECT \(subquery: campaign), 'another', \(subquery: member), w.program, \(subquery: run), w.job_id, w.rank, w.reason
                FROM benefit.waitlist_entry w
                """
            }
            let refusals: [(PostgresQuery, String)] = [
                (copy(member: "\("NOBODY")::text"), #"(member_id)=(NOBODY) is not present in table "member""#),
                (copy(run: "w.run_id + 1000"), #"(run_id)=(\#(runID + 1000)) is not present in table "run""#),
                (copy(campaign: "w.campaign_id + 1000"), #"is not present in table "campaign""#),
                // One good row and one bad in the same statement: neither lands.
                ("""
                 INSERT INTO benefit.waitlist_entry (campaign_id, cycle, member_id, program, run_id, job_id, rank, reason)
                 SELECT w.campaign_id, 'another', m, w.program, w.run_id, w.job_id, w.rank, w.reason
                 FROM benefit.waitlist_entry w, unnest(ARRAY[w.member_id, 'NOBODY']) AS m
                 """, #"(member_id)=(NOBODY) is not present in table "member""#),
                // An allocation in the run's own cycle, at a seat a cancel freed.
                ("""
                 INSERT INTO benefit.allocation (campaign_id, cycle, member_id, run_id, job_id, position, capacity, seat, rank)
                 SELECT a.campaign_id, a.cycle, 'NOBODY', a.run_id, a.job_id, a.position, a.capacity, a.seat, 99
                 FROM benefit.allocation a WHERE a.cancelled_at IS NOT NULL
                 """, #"table "allocation" violates its key: (member_id)=(NOBODY) is not present in table "member""#),
            ]
            for (statement, message) in refusals {
                let error = await #expect(throws: PostgresError.self, "\(statement.sql)") { try await pool.query(statement) }
                #expect(error?.sqlState == "23503", "\(error?.description ?? "")")
                #expect(error?.description.contains(message) == true, "\(error?.description ?? "")")
            }
            #expect(try await Self.effectRows(pool) == before)
            // The same copies with every parent present land.
            try await pool.query(copy())
            #expect(try await Self.effectRows(pool) == before + 1)
        }
    }

    @Test("an effect row's member, run and campaign cannot be changed")
    func effectKeysAreFixed() async throws {
        try await Self.withPlacedRun { pool, runID in
            for statement: PostgresQuery in [
                "UPDATE benefit.allocation SET member_id = 'A6' WHERE rank = 1",
                "UPDATE benefit.waitlist_entry SET run_id = run_id + 1000",
                "UPDATE benefit.waitlist_entry SET campaign_id = campaign_id + 1000",
            ] {
                let error = await #expect(throws: PostgresError.self, "\(statement.sql)") { try await pool.query(statement) }
                #expect(error?.sqlState == "23503", "\(error?.description ?? "")")
            }
            // Other columns still change as the programs change them.
            try await pool.query("UPDATE benefit.waitlist_entry SET reason = 'checked' WHERE run_id = \(runID)")
            #expect(try await pool.query("SELECT count(*) FROM benefit.waitlist_entry WHERE reason = 'checked'").single(Int.self) == 1)
        }
    }

    @Test("a waitlist entry naming a serving run that does not exist is refused, on insert and on update")
    func servingRunsMustExist() async throws {
        try await Self.withPlacedRun { pool, runID in
            let missing = runID + 1000
            let refusals: [(PostgresQuery, String)] = [
                ("""
                 INSERT INTO benefit.waitlist_entry (campaign_id, cycle, member_id, program, run_id, job_id, rank, reason, served_at, served_run_id)
                 SELECT w.campaign_id, 'another', w.member_id, w.program, w.run_id, w.job_id, w.rank, w.reason, now(), \(missing)
                 FROM benefit.waitlist_entry w
                 """, #"insert into table "waitlist_entry" violates its key: (served_run_id)=(\#(missing)) is not present in table "run""#),
                ("UPDATE benefit.waitlist_entry SET served_at = now(), served_run_id = \(missing)",
                 #"update of table "waitlist_entry" violates its key: (served_run_id)=(\#(missing)) is not present in table "run""#),
            ]
            for (statement, message) in refusals {
                let error = await #expect(throws: PostgresError.self, "\(statement.sql)") { try await pool.query(statement) }
                #expect(error?.sqlState == "23503", "\(error?.description ?? "")")
                #expect(error?.description.contains(message) == true, "\(error?.description ?? "")")
            }
            let served: PostgresQuery = "SELECT count(*) FROM benefit.waitlist_entry WHERE served_run_id IS NOT NULL"
            #expect(try await pool.query(served).single(Int.self) == 0)
            // Served by a run that exists: the entry is marked.
            try await pool.query("UPDATE benefit.waitlist_entry SET served_at = now(), served_run_id = \(runID)")
            #expect(try await pool.query(served).single(Int.self) == 1)
        }
    }

    @Test("members, runs and campaigns are never deleted, truncated or renumbered, even by the owner")
    func parentsStay() async throws {
        try await Self.withPlacedRun { pool, runID in
            try await RecuperationFixtures.insertMember("A7", on: pool)  // a member no effect row names
            let counts: PostgresQuery = """
                SELECT (SELECT count(*) FROM benefit.member), (SELECT count(*) FROM benefit.run), (SELECT count(*) FROM benefit.campaign)
                """
            let before = try await pool.query(counts).single((Int, Int, Int).self)
            let refusals: [PostgresQuery] = [
                "DELETE FROM benefit.member WHERE member_id = 'A1'",
                "DELETE FROM benefit.member WHERE member_id NOT IN (SELECT member_id FROM benefit.allocation UNION SELECT member_id FROM benefit.waitlist_entry)",
                "DELETE FROM benefit.run WHERE id = \(runID)",
                "DELETE FROM benefit.campaign",
                "UPDATE benefit.member SET member_id = 'Z1' WHERE member_id = 'A1'",
                "UPDATE benefit.run SET id = DEFAULT",  // an identity takes no other value, but DEFAULT renumbers
                "UPDATE benefit.campaign SET id = DEFAULT",
                "TRUNCATE benefit.member CASCADE",
                "TRUNCATE benefit.run CASCADE",
                "TRUNCATE benefit.campaign CASCADE",
            ]
            for statement in refusals {
                let error = await #expect(throws: PostgresError.self, "\(statement.sql)") { try await pool.query(statement) }
                #expect(error?.sqlState == "23001", "\(error?.description ?? "")")
            }
            #expect(try await pool.query(counts).single((Int, Int, Int).self) == before)
            #expect(try await Self.effectRows(pool) == 6)
        }
    }

    @Test("every program's effect table checks its parents once per statement and keeps its keys fixed")
    func everyEffectTableHasTheTriggers() async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let pool = PostgresPool(configuration: configuration, maxConnections: 1)
            defer { pool.close() }
            let tables = try await pool.query("""
                SELECT c.relname, array_agg(t.tgname::text ORDER BY t.tgname)
                FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
                WHERE c.relnamespace = 'benefit'::regnamespace AND (t.tgname LIKE '%\\_parents\\_exist' OR t.tgname LIKE '%\\_keys\\_never\\_change')
                GROUP BY c.relname ORDER BY c.relname
                """).decode((String, [String]).self)
            let expected = ["allocation", "appointment", "fair_place", "grant", "waitlist_entry"]
            #expect(tables.map(\.0) == expected)
            for (table, triggers) in tables {
                #expect(triggers == ["\(table)_keys_never_change", "\(table)_parents_exist"])
            }
        }
    }
}
