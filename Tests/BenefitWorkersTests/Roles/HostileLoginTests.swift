import BenefitQueue
import BenefitTestSupport
import Foundation
import PostgresClient
import Testing

/// What a worker's credential (it sits on every worker host) can do by
/// hand-written SQL: nothing that breaks a budget, a capacity, an effect or
/// another worker's job. And nobody can hold a lock against the queue.
@Suite("Roles: a hostile login")
struct HostileLoginTests {
    /// Runs the statements of `sql` (split at `;`) on `login` in a transaction of
    /// their own and returns the SQLSTATE they were refused with, or nil.
    static func refusal(_ sql: String, on login: PostgresConnection) async throws -> String? {
        do {
            try await login.transaction { transaction in
                for statement in sql.split(separator: ";") {
                    try await transaction.query(PostgresQuery(unsafeSQL: String(statement)))
                }
            }
            return nil
        } catch let error as PostgresError where error.sqlState != nil {
            return error.sqlState
        }
    }

    @Test("a benefit_worker login cannot raise a budget, grant from the waitlist, delete effects or change a capacity")
    func workerCannotBreakTheLedgers() async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let pool = PostgresPool(configuration: configuration, maxConnections: 12)
            defer { pool.close() }
            let run = try await ReliefRoleTests.finishedRun(pool: pool)
            #expect(run.state == .succeeded)
            let finishedJob = try await pool.query("SELECT id, coalesce(max_token, 0) FROM (SELECT j.id, max(a.lease_token) AS max_token FROM benefit.job j JOIN benefit.job_attempt a ON a.job_id = j.id GROUP BY j.id) t LIMIT 1")
                .single((Int, Int).self)

            try await TestDatabase.withLogin(memberOf: .worker, on: configuration) { login in
                // The attack as it was found: raise the budget, then grant everyone waitlisted.
                let attack = """
                    UPDATE benefit.relief_budget SET budget = 999999999999.99;
                    INSERT INTO benefit.grant (campaign_id, cycle, member_id, run_id, job_id, season, tier, amount)
                    SELECT w.campaign_id, w.cycle, w.member_id, w.run_id, w.job_id, 'winter-warmth', 3, 800
                    FROM benefit.waitlist_entry w
                    """
                #expect(try await Self.refusal(attack, on: login) == "42501")
                // Each half alone, and the same insert claiming a finished job's commit
                // (the setting is the fenced commit's, checked against the job's lease).
                let grantFromWaitlist = """
                    INSERT INTO benefit.grant (campaign_id, cycle, member_id, run_id, job_id, season, tier, amount)
                    SELECT w.campaign_id, w.cycle, w.member_id, w.run_id, \(finishedJob.0), 'winter-warmth', 3, 800
                    FROM benefit.waitlist_entry w
                    """
                let refused: [String] = [
                    "UPDATE benefit.relief_budget SET budget = 999999999999.99",
                    "UPDATE benefit.relief_budget SET spent = 0",
                    "INSERT INTO benefit.relief_budget (campaign_id, cycle, budget) SELECT id, '2099', 1e9 FROM benefit.campaign",
                    "DELETE FROM benefit.relief_budget",
                    grantFromWaitlist,
                    "SELECT set_config('benefit.fenced_commit', '\(finishedJob.0):\(finishedJob.1):\(UUID())', true); " + grantFromWaitlist,
                    "DELETE FROM benefit.grant",
                    "DELETE FROM benefit.waitlist_entry",
                    "UPDATE benefit.grant SET amount = amount * 100",
                    "INSERT INTO benefit.waitlist_entry SELECT * FROM benefit.waitlist_entry",
                    "UPDATE benefit.checkup_hospital SET daily_capacity = 100000",
                    "UPDATE benefit.checkup_hospital SET seats_taken = 0",
                    "INSERT INTO benefit.checkup_hospital (campaign_id, cycle, hospital, daily_capacity) SELECT id, '2099', 'Fake', 100000 FROM benefit.campaign",
                    "UPDATE benefit.recuperation_session SET capacity = 100000",
                    "UPDATE benefit.recuperation_session SET places_taken = 0",
                    "DELETE FROM benefit.appointment",
                    "DELETE FROM benefit.allocation",
                    "UPDATE benefit.relief_allotment SET amount = amount",
                    "UPDATE benefit.campaign SET paused = false",
                    "UPDATE benefit.run SET state = 'succeeded', finished_at = now()",
                    "INSERT INTO benefit.run (campaign_id, campaign_revision, fire_time, trigger, cycle, state) SELECT id, revision, now(), 'manual', '2026', 'succeeded' FROM benefit.campaign",
                    "UPDATE benefit.member SET hardship_tier = 1",
                ]
                for sql in refused {
                    let state = try await Self.refusal(sql, on: login)
                    #expect(state == "42501", "\(sql) → \(state ?? "allowed")")
                }
                // The one column of a run a worker may set, once: the planning job it enqueued.
                let repointed = try await Self.refusal("UPDATE benefit.run SET plan_job_id = plan_job_id + 1", on: login)
                #expect(repointed == "55000")
            }

            // Nothing changed: the budget holds, 60 granted and 40 waitlisted, nobody both.
            let ledger = try await ReliefFixtures.ledger("winter-warmth", cycle: "2026", on: pool)
            #expect(ledger?.budget == 48_000 && ledger?.spent == 48_000)
            #expect(try await ReliefFixtures.grants(on: pool).count == 60)
            #expect(try await ReliefFixtures.waitlist(on: pool).count == 40)
            #expect(try await pool.query("SELECT count(*) FROM benefit.grant g JOIN benefit.waitlist_entry w USING (member_id)").single(Int.self) == 0)
        }
    }

    @Test("a worker login acts only on attempts it claimed: another's lease cannot be read, extended, completed, failed, released or committed")
    func workerCannotStealALease() async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let pool = PostgresPool(configuration: configuration, maxConnections: 2)
            defer { pool.close() }
            _ = try await JobQueue(pool: pool).enqueue(NewJob(kind: "probe", queue: "steal"))
            try await TestDatabase.withLogin(memberOf: .worker, on: configuration) { holder in
                let claim = try await holder.query("SELECT id, lease_token, lease_secret FROM benefit.claim_jobs(ARRAY['steal'], 1, 'holder', 'host-a', 1)")
                    .single((Int, Int, UUID).self)
                let (id, token, secret) = claim

                try await TestDatabase.withLogin(memberOf: .worker, on: configuration) { thief in
                    // The token is in plain sight (the jobs view shows it); the secret is not.
                    #expect(try await thief.query("SELECT lease_token FROM benefit.job WHERE id = \(id)").single(Int.self) == token)
                    #expect(try await Self.refusal("SELECT lease_secret FROM benefit.job_attempt", on: thief) == "42501")
                    #expect(try await Self.refusal("UPDATE benefit.job SET state = 'succeeded' WHERE id = \(id)", on: thief) == "42501")
                    #expect(try await Self.refusal("UPDATE benefit.job_attempt SET worker = 'thief'", on: thief) == "42501")
                    #expect(try await Self.refusal("DELETE FROM benefit.job", on: thief) == "42501")
                    #expect(try await Self.refusal("INSERT INTO benefit.job_attempt (lease_token, job_id, attempt, worker) VALUES (1, \(id), 1, 'thief')", on: thief) == "42501")

                    let guess = UUID()
                    #expect(try await thief.query("SELECT count(*) FROM benefit.extend_leases(ARRAY[\(id)::bigint], ARRAY[\(token)::bigint], ARRAY[\(guess)])").single(Int.self) == 0)
                    #expect(try await thief.query("SELECT count(*) FROM benefit.complete_jobs(ARRAY[\(id)::bigint], ARRAY[\(token)::bigint], ARRAY[\(guess)])").single(Int.self) == 0)
                    #expect(try await thief.query("SELECT count(*) FROM benefit.release_jobs(ARRAY[\(id)::bigint], ARRAY[\(token)::bigint], ARRAY[\(guess)])").single(Int.self) == 0)
                    #expect(try await thief.query("SELECT benefit.fail_job(\(id), \(token), \(guess), 'stolen', 'dead', 0)").single(String.self) == "fenced")
                    let committed = try await thief.transaction { transaction in
                        try await transaction.query("SELECT benefit.open_fenced_commit(\(id), \(token), \(guess))").single(Bool.self)
                    }
                    #expect(committed == false)
                    let forged = try await Self.refusal("""
                        SELECT set_config('benefit.fenced_commit', '\(id):\(token):\(guess)', true);
                        INSERT INTO benefit.probe_effect (job_id, lease_token) VALUES (\(id), \(token))
                        """, on: thief)
                    #expect(forged == "42501")
                }

                // The holder's lease is untouched, and its secret completes the job.
                let job = try await pool.query("SELECT state, lease_token FROM benefit.job WHERE id = \(id)").single((String, Int?).self)
                #expect(job.0 == "running" && job.1 == token)
                let attempt = try await pool.query("SELECT outcome, worker, error FROM benefit.job_attempt WHERE lease_token = \(token)")
                    .single((String, String, String?).self)
                #expect(attempt.0 == "running" && attempt.1 == "holder" && attempt.2 == nil)
                let completed = try await holder.query("SELECT outcome FROM benefit.complete_jobs(ARRAY[\(id)::bigint], ARRAY[\(token)::bigint], ARRAY[\(secret)])")
                    .decode(String.self)
                #expect(completed == ["succeeded"])
            }
        }
    }

    @Test("no login can hold a lock against claiming: the old advisory key stalls nothing, the groups' rows cannot be locked")
    func nobodyStallsClaims() async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let pool = PostgresPool(configuration: configuration, maxConnections: 2)
            defer { pool.close() }
            let group = ConcurrencyGroup(key: "campaign:1", limit: 1)
            for _ in 0..<2 { _ = try await JobQueue(pool: pool).enqueue(NewJob(kind: "probe", queue: "stall", concurrency: group)) }
            for role in [DatabaseRole.admin, .operator, .worker] {
                try await TestDatabase.withLogin(memberOf: role, on: configuration) { login in
                    for sql in ["SELECT key FROM benefit.job_concurrency_group FOR UPDATE",
                                "LOCK TABLE benefit.job_concurrency_group", "LOCK TABLE benefit.job"] {
                        let state = try await Self.refusal(sql, on: login)
                        #expect(state == "42501", "\(role): \(sql)")
                    }
                }
            }
            try await TestDatabase.withLogin(memberOf: .admin, on: configuration) { admin in
                // The key space claims used before 0010 (0009: the group's hash), held for the session.
                try await admin.query("SELECT pg_advisory_lock(1650814565, hashtext('campaign:1'))")
                try await admin.query("SELECT pg_advisory_lock(1650814565, 1)")
                try await TestDatabase.withLogin(memberOf: .worker, on: configuration) { worker in
                    try await worker.query("SET statement_timeout = '5s'")
                    let claimed = try await worker.query("SELECT id FROM benefit.claim_jobs(ARRAY['stall'], 2, 'w', 'h', 1)").decode(Int.self)
                    // One: the group's limit is 1.
                    #expect(claimed.count == 1)
                }
            }
        }
    }
}
