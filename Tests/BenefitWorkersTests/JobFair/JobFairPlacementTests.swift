import BenefitCore
@testable import BenefitScheduler
import BenefitTestSupport
import BenefitWorkers
import Foundation
import PostgresClient
import Testing

/// What job-fair runs place, by district, across runs of a cycle, and what the
/// place table refuses whoever writes.
@Suite("Job fairs: placement")
struct JobFairPlacementTests {
    static let parameters = "{ employment: [migrant, gig], rankBy: [hardship, frontline], seed: 2027, \(JobFairFixtures.fairsYAML()) }"

    /// Triggers a run of `campaign` in the 2026 cycle (on `day` of December) and runs it to its end.
    static func run(_ campaign: String, day: Int = 1, pool: PostgresPool) async throws -> RunSummary {
        try await ProgramFixtures.runToEnd(campaign, queue: JobFairFixtures.queue, day: day, workers: 2, pool: pool)
    }

    @Test("each district's members are placed one by one in priority order into its first fair with a free place; the rest waitlisted with the reason")
    func placementIsTheReference() async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let pool = PostgresPool(configuration: configuration, maxConnections: 12)
            try await JobFairFixtures.insertRegister(on: pool)
            try await JobFairFixtures.insertMembers(600, on: pool)
            let reference = FairReference(seed: 2027)
            let expected = reference.place(try await reference.roster(on: pool))

            try await ProgramFixtures.apply(JobFairFixtures.campaignYAML(name: "spring-fairs", parameters: Self.parameters), on: pool)
            let run = try await Self.run("spring-fairs", pool: pool)
            #expect(run.state == .succeeded)
            #expect(run.membersTotal == expected.placed.count + expected.waitlist.count)

            #expect(try await JobFairFixtures.placements("spring-fairs", on: pool) == expected.placed)
            #expect(try await JobFairFixtures.waitlist("spring-fairs", on: pool) == expected.waitlist)
            // 城东区's two fairs and 临港区's are full, 城西区's has places left, 高新区's has nobody to invite.
            let fill = try await JobFairFixtures.fill("spring-fairs", on: pool)
            #expect(fill.map(\.members) == [50, fill[1].members, 40, 30, 0])
            #expect(fill[1].members > 0 && fill[1].members < 100)
            // Every kind of reason is there.
            let reasons = Set(expected.waitlist.values.map { $0.reason.prefix(12) })
            #expect(reasons == ["org unit 无名厂", "no fair in d", "all places a"])
            // Each place is in its member's file.
            #expect(try await pool.query("SELECT count(*) FROM benefit.member_history WHERE kind = 'fair-place'").single(Int.self)
                == expected.placed.count)

            // The evaluation counts the places as served, and shows each fair and each district against its capacity.
            let evaluation = try await CampaignEvaluation.read(campaign: "spring-fairs", on: pool)
            #expect(evaluation.total.served == expected.placed.count)
            #expect(evaluation.total.waitlisted == expected.waitlist.count)
            let places = Dictionary(uniqueKeysWithValues: evaluation.places.map { ("\($0.place) \($0.day)", [$0.used, $0.capacity]) })
            #expect(places["城东区 · 城东区春风招聘会 2027-02-20"] == [50, 50])
            #expect(places["城东区 · 城东区返岗招聘会 2027-02-22"] == [40, 40])
            #expect(places["城东区 all fairs"] == [90, 90])
            #expect(places["临港区 all fairs"] == [30, 30])
            #expect(places["城西区 all fairs"] == [fill[1].members, 100])
            #expect(places.keys.filter { $0.hasPrefix("高新区") }.isEmpty)

            // The run's page draws places per fair.
            let results = try #require(try await ProgramResults.read(runID: run.runID, program: "job-fair", on: pool))
            #expect(results.measure == .placesPerFair)
            #expect(results.figures.map(\.label) == [
                "城东区 · 城东区春风招聘会", "城西区 · 城西区就业援助招聘会", "城东区 · 城东区返岗招聘会", "临港区 · 临港区物流专场",
            ])
            #expect(results.figures.map(\.value) == [50, Decimal(fill[1].members), 40, 30])
            #expect(results.waitlisted == expected.waitlist.count)

            // Every batch run again, as a retry after a lost commit would: the served probe
            // finds every member placed or waitlisted, and nothing changes.
            try await pool.transaction { transaction in
                let context = try await RunContext.load(runID: run.runID, on: transaction)
                let batches = try await transaction.query("""
                    SELECT member_ids, ranks, job_id FROM benefit.run_batch WHERE run_id = \(run.runID) ORDER BY batch
                    """).decode(([String], [Int], Int).self)
                #expect(!batches.isEmpty)
                for (members, ranks, jobID) in batches {
                    _ = try await JobFairProgram().execute(
                        RunBatch(run: context, jobID: jobID, memberIDs: members, ranks: ranks), on: transaction)
                }
            }
            #expect(try await JobFairFixtures.placements("spring-fairs", on: pool) == expected.placed)
            #expect(try await JobFairFixtures.waitlist("spring-fairs", on: pool) == expected.waitlist)
        }
    }

    @Test("rankBy decides who is placed within a district: hardship (tier 1 first) or frontline first")
    func rankingOrderMatters() async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let pool = PostgresPool(configuration: configuration, maxConnections: 12)
            try await JobFairFixtures.insertRegister(on: pool)
            try await JobFairFixtures.insertMembers(300, on: pool)
            let fairs = [FairReference.Fair(name: "城西区小型招聘会", district: "城西区", capacity: 7)]
            let orders: [(name: String, rankBy: [String])] = [
                ("by-hardship", ["hardship", "frontline"]), ("by-frontline", ["frontline", "hardship"]), ("by-draw", []),
            ]
            for (name, rankBy) in orders {
                try await ProgramFixtures.apply(JobFairFixtures.campaignYAML(
                    name: name, parameters: "{ rankBy: [\(rankBy.joined(separator: ", "))], seed: 5, \(JobFairFixtures.fairsYAML(fairs)) }"), on: pool)
                let reference = FairReference(fairs: fairs, rankBy: rankBy, seed: 5)
                let expected = reference.place(try await reference.roster(on: pool))
                #expect(try await Self.run(name, pool: pool).state == .succeeded)
                #expect(try await JobFairFixtures.placements(name, on: pool) == expected.placed, "\(name)")
                #expect(try await JobFairFixtures.waitlist(name, on: pool) == expected.waitlist, "\(name)")
            }
            // Hardship first: every member placed is in a tier.
            let tiers = try await pool.query("""
                SELECT count(*) FILTER (WHERE m.hardship_tier IS NULL) FROM benefit.fair_places p JOIN benefit.member m USING (member_id)
                WHERE p.campaign = 'by-hardship'
                """).single(Int.self)
            #expect(tiers == 0)
        }
    }

    @Test("a second run of the cycle ranks only members not yet placed or waitlisted, into the places left")
    func laterRunsOfTheCycleShareThePlaces() async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let pool = PostgresPool(configuration: configuration, maxConnections: 12)
            try await JobFairFixtures.insertRegister(on: pool)
            try await JobFairFixtures.insertMembers(600, on: pool)
            try await ProgramFixtures.apply(JobFairFixtures.campaignYAML(name: "spring-fairs", parameters: Self.parameters), on: pool)
            let first = try await Self.run("spring-fairs", pool: pool)
            #expect(first.state == .succeeded)
            let placedFirst = try await JobFairFixtures.placements("spring-fairs", on: pool)
            let waitlistFirst = try await JobFairFixtures.waitlist("spring-fairs", on: pool)
            let westLeft = try await JobFairFixtures.fill("spring-fairs", on: pool)[1]

            // New members: 60 in each unit; of them, the migrant and gig workers are invited.
            try await JobFairFixtures.insertMembers(360, from: 1, prefix: "K", on: pool)
            let invited = try await pool.query("""
                SELECT count(*) FROM benefit.member WHERE member_id LIKE 'K%' AND employment IN ('migrant', 'gig')
                """).single(Int.self)
            let second = try await Self.run("spring-fairs", day: 2, pool: pool)
            #expect(second.state == .succeeded)
            #expect(second.membersTotal == invited)

            let placedSecond = try await JobFairFixtures.placements("spring-fairs", on: pool)
            let waitlistSecond = try await JobFairFixtures.waitlist("spring-fairs", on: pool)
            // Earlier places and waitlist entries stay as they were; only new members were ranked.
            #expect(placedFirst.allSatisfy { placedSecond[$0.key] == $0.value })
            #expect(waitlistFirst.allSatisfy { waitlistSecond[$0.key] == $0.value })
            let newlyPlaced = placedSecond.filter { placedFirst[$0.key] == nil }
            #expect(newlyPlaced.keys.allSatisfy { $0.hasPrefix("K") })
            // Only 城西区's fair had places left: the new 城西区 members fill them, in rank order.
            #expect(Set(newlyPlaced.values.map(\.fair)) == ["城西区就业援助招聘会"])
            let westInvited = try await pool.query("""
                SELECT count(*) FROM benefit.member WHERE member_id LIKE 'K%' AND employment IN ('migrant', 'gig') AND org_unit = '西厂'
                """).single(Int.self)
            #expect(newlyPlaced.count == min(westInvited, westLeft.capacity - westLeft.members))
            // They are the first ranks of their district, one after another.
            let ranks = newlyPlaced.values.map(\.rank).sorted()
            #expect(!ranks.isEmpty && ranks == Array(ranks[0]..<(ranks[0] + ranks.count)))
            #expect(placedSecond.count + waitlistSecond.count == first.membersTotal + invited)
            let fill = try await JobFairFixtures.fill("spring-fairs", on: pool)
            #expect(fill.allSatisfy { $0.members <= $0.capacity })

            // A third run finds nobody new.
            let third = try await Self.run("spring-fairs", day: 3, pool: pool)
            #expect(third.state == .succeeded)
            #expect(third.membersTotal == 0)
        }
    }

    @Test("the place table refuses a seat beyond the fair's capacity, a seat held twice and a member placed twice, whoever writes")
    func constraintsHoldForAnyWriter() async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let pool = PostgresPool(configuration: configuration, maxConnections: 12)
            try await JobFairFixtures.insertRegister(on: pool)
            try await JobFairFixtures.insertMembers(600, on: pool)
            try await ProgramFixtures.apply(JobFairFixtures.campaignYAML(name: "spring-fairs", parameters: Self.parameters), on: pool)
            let run = try await Self.run("spring-fairs", pool: pool)
            #expect(run.state == .succeeded)

            // By hand, as the owner: put a waitlisted member in fair 1 (capacity 50, full),
            // or a member placed at fair 1 in fair 2 (capacity 100, places left).
            func insert(position: Int = 1, seat: Int, capacity: Int, placed: Bool = false) -> PostgresQuery {
                """
                INSERT INTO benefit.fair_place (campaign_id, cycle, member_id, run_id, job_id, position, capacity, seat, rank)
                SELECT r.campaign_id, r.cycle, w.member_id, r.id, 0, \(position), \(capacity), \(seat), 999
                FROM benefit.run r,
                     (SELECT member_id FROM benefit.waitlist_entry WHERE NOT \(placed)
                      UNION ALL SELECT member_id FROM benefit.fair_place WHERE \(placed) AND position = 1) w
                WHERE r.id = \(run.runID)
                LIMIT 1
                """
            }
            let refusals: [(PostgresQuery, String)] = [
                (insert(seat: 51, capacity: 50), "23514"),  // past the capacity: the CHECK
                (insert(seat: 51, capacity: 51), "23503"),  // a capacity that is not the fair's: the foreign key
                (insert(seat: 2, capacity: 50), "23505"),  // a seat already held: the unique key
                (insert(seat: 0, capacity: 50), "23514"),
                (insert(position: 2, seat: 100, capacity: 100, placed: true), "23505"),  // a member placed twice: the primary key
            ]
            for (statement, sqlState) in refusals {
                let error = await #expect(throws: PostgresError.self, "\(statement.sql)") { try await pool.query(statement) }
                #expect(error?.sqlState == sqlState, "\(error?.description ?? "")")
            }
            let enlarge = await #expect(throws: PostgresError.self) {
                try await pool.query("UPDATE benefit.job_fair SET capacity = 60 WHERE position = 1")
            }
            #expect(enlarge?.sqlState == "23503")
            #expect(try await JobFairFixtures.fill("spring-fairs", on: pool).map(\.members)[0] == 50)
        }
    }

    @Test("worker and operator logins cannot overbook a fair or place a member twice by hand-written SQL")
    func hostileLoginsChangeNothing() async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let pool = PostgresPool(configuration: configuration, maxConnections: 12)
            defer { pool.close() }
            try await JobFairFixtures.insertRegister(on: pool)
            try await JobFairFixtures.insertMembers(600, on: pool)
            try await ProgramFixtures.apply(JobFairFixtures.campaignYAML(name: "spring-fairs", parameters: Self.parameters), on: pool)
            #expect(try await Self.run("spring-fairs", pool: pool).state == .succeeded)
            let before = try await JobFairFixtures.fill("spring-fairs", on: pool).map(\.members)
            let finishedJob = try await pool.query("""
                SELECT j.id, max(a.lease_token) FROM benefit.job j JOIN benefit.job_attempt a ON a.job_id = j.id GROUP BY j.id LIMIT 1
                """).single((Int, Int).self)
            let placeWaitlisted = """
                INSERT INTO benefit.fair_place (campaign_id, cycle, member_id, run_id, job_id, position, capacity, seat, rank)
                SELECT w.campaign_id, w.cycle, w.member_id, w.run_id, \(finishedJob.0), 4, 30, 31, w.rank FROM benefit.waitlist_entry w
                """
            let refused: [String] = [
                placeWaitlisted,
                "SELECT set_config('benefit.fenced_commit', '\(finishedJob.0):\(finishedJob.1):\(UUID())', true); " + placeWaitlisted,
                "INSERT INTO benefit.fair_place SELECT * FROM benefit.fair_place",
                "UPDATE benefit.job_fair SET capacity = 100000",
                "UPDATE benefit.job_fair SET places_taken = 0",
                "INSERT INTO benefit.job_fair (campaign_id, cycle, position, name, district, fair_date, capacity) SELECT id, '2026', 9, 'x', '城东区', '2027-03-01', 100000 FROM benefit.campaign",
                "INSERT INTO benefit.job_fair_plan (run_id, campaign_id, cycle, position, first_rank, last_rank, first_seat) SELECT run_id, campaign_id, cycle, position, 1, 1000, 1 FROM benefit.job_fair_plan",
                "UPDATE benefit.fair_place SET seat = seat + 1",
                "UPDATE benefit.fair_place SET position = 2, capacity = 100",
                "DELETE FROM benefit.fair_place",
                "DELETE FROM benefit.waitlist_entry",
                "SELECT * FROM benefit.lock_job_fairs(1, '2026')",
            ]
            for role in [DatabaseRole.worker, .operator] {
                try await TestDatabase.withLogin(memberOf: role, on: configuration) { login in
                    for sql in refused where !(role == .worker && sql.hasPrefix("SELECT * FROM benefit.lock_job_fairs")) {
                        let state = try await HostileLoginTests.refusal(sql, on: login)
                        #expect(state == "42501", "\(role): \(sql) → \(state ?? "allowed")")
                    }
                }
            }
            #expect(try await JobFairFixtures.fill("spring-fairs", on: pool).map(\.members) == before)
            #expect(try await pool.query("SELECT count(*) FROM benefit.fair_place f JOIN benefit.waitlist_entry w USING (campaign_id, cycle, member_id)").single(Int.self) == 0)
        }
    }
}
