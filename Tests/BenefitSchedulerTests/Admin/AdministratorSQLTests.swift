import BenefitCore
import BenefitTestSupport
import Foundation
import PostgresClient
import Testing

/// docs/sql.md's queries, and what the administrators' role may and may not do.
@Suite("Administrators' SQL")
struct AdministratorSQLTests {
    @Test("docs/sql.md holds ten example queries, and each runs as benefit_admin")
    func documentedQueriesRun() async throws {
        let queries = try DocumentedSQL.queries()
        #expect(queries.count >= 10)
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let connection = try await PostgresConnection.connect(to: configuration)
            try await AdminFixtures.seed(on: connection)
            for (index, query) in queries.enumerated() {
                let rows = try await connection.acting(as: .admin) { tx in
                    return try await tx.query(PostgresQuery(unsafeSQL: query)).count
                }
                // The first ten are about runs and jobs, which the fixtures cover: each
                // must answer (the programs' queries are run against real runs elsewhere).
                if index < 10 { #expect(rows > 0, "query \(index + 1) of docs/sql.md found nothing:\n\(query)") }
            }
            // The questions have answers: the failed run shows with its dead job's error.
            let failed = try await connection.acting(as: .admin) { tx in
                return try await tx.query(PostgresQuery(unsafeSQL: queries[2])).decode((Int, String, Date, Int, Int, String?).self)
            }
            #expect(failed.count == 1)
            #expect(failed.first?.5 == "tier table missing")
            // The paused queues, with who and why.
            let pausedQuery = try #require(queries.first { $0.contains("benefit.paused_queues") })
            let paused = try await connection.acting(as: .admin) { tx in
                return try await tx.query(PostgresQuery(unsafeSQL: pausedQuery)).decode((String, String, String, Date, String, String).self)
            }
            #expect(paused.map(\.0) == ["relief"])
            #expect(paused.first?.5 == "bank file under review")
        }
    }

    @Test("benefit_admin reads the views and cannot read a base table or change anything")
    func administratorIsReadOnly() async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let connection = try await PostgresConnection.connect(to: configuration)
            try await AdminFixtures.seed(on: connection)
            let denied: [PostgresQuery] = [
                "SELECT count(*) FROM benefit.job",
                "SELECT count(*) FROM benefit.run",
                "SELECT count(*) FROM benefit.campaign_revision",
                "UPDATE benefit.jobs SET priority = 9",
                "DELETE FROM benefit.run_history",
                "INSERT INTO benefit.job (kind) VALUES ('noop')",
                "SELECT nextval('benefit.lease_token_seq')",
            ]
            for statement in denied {
                let error = await #expect(throws: PostgresError.self, "\(statement.sql)") {
                    try await connection.acting(as: .admin) { tx in
                        try await tx.query(statement)
                    }
                }
                // 42501: permission denied; 55000: the view cannot be written at all.
                #expect(["42501", "55000"].contains(error?.sqlState), "\(statement.sql): \(error?.description ?? "")")
            }
            let runs = try await connection.acting(as: .admin) { tx in
                return try await tx.query("SELECT count(*) FROM benefit.run_history").single(Int.self)
            }
            #expect(runs == 3)
        }
    }

    @Test("benefit_worker runs jobs but cannot change campaigns")
    func workerCannotChangeCampaigns() async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let connection = try await PostgresConnection.connect(to: configuration)
            try await AdminFixtures.seed(on: connection)
            let error = await #expect(throws: PostgresError.self) {
                try await connection.acting(as: .worker) { tx in
                    try await tx.query("UPDATE benefit.campaign SET paused = false")
                }
            }
            #expect(error?.sqlState == "42501")
            let claimed = try await connection.acting(as: .worker) { tx in
                return try await tx.query("""
                    SELECT count(*) FROM benefit.claim_jobs(ARRAY['fixtures'], 10, 'w', 'h', 1)
                    """).single(Int.self)
            }
            #expect(claimed == 1)
        }
    }
}

/// A campaign with a succeeded, a failed and a running run, written straight into
/// the tables, so that each of docs/sql.md's run and job queries has an answer:
/// the running run's job is 812, the job the attempts query asks about; its first
/// attempt's lease expired. Every run is in the last 30 days and this year.
enum AdminFixtures {
    static func seed(on connection: PostgresConnection) async throws {
        try await connection.unsafeExecuteScript("""
            INSERT INTO benefit.campaign (name, program, revision, definition)
                VALUES ('winter-warmth', 'seasonal-relief', 1, '{"title": "冬送温暖 2026"}');
            INSERT INTO benefit.campaign_revision (campaign_id, revision, definition, source, applied_by)
                SELECT id, 1, definition, 'name: winter-warmth', 'ops@host' FROM benefit.campaign;
            INSERT INTO benefit.run (campaign_id, campaign_revision, fire_time, trigger, cycle, state, started_at, finished_at, batches_total, members_total)
                SELECT id, 1, now() - interval '2 days', 'schedule', '2026', 'succeeded', now() - interval '2 days', now() - interval '2 days' + interval '40 seconds', 1, 2
                FROM benefit.campaign;
            INSERT INTO benefit.run (campaign_id, campaign_revision, fire_time, trigger, cycle, state, started_at, finished_at, batches_total, members_total)
                SELECT id, 1, now() - interval '1 day', 'manual', '2026', 'failed', now() - interval '1 day', now() - interval '1 day' + interval '10 seconds', 1, 3
                FROM benefit.campaign;
            INSERT INTO benefit.job (queue, kind, state, attempt, finished_at, group_key)
                SELECT 'relief', 'campaign.batch', 'succeeded', 1, now(), 'run:' || r.id
                FROM benefit.run r WHERE r.state = 'succeeded';
            INSERT INTO benefit.run_batch (run_id, batch, first_rank, member_ids, members, job_id, done_at, members_done, amount)
                SELECT r.id, 1, 1, '{M-1,M-2}', 2, j.id, now(), 2, 3200
                FROM benefit.run r JOIN benefit.job j ON j.group_key = 'run:' || r.id WHERE r.state = 'succeeded';
            INSERT INTO benefit.job (queue, kind, state, attempt, max_attempts, finished_at, group_key, last_error)
                SELECT 'relief', 'campaign.batch', 'dead', 3, 3, now(), 'run:' || r.id, 'tier table missing'
                FROM benefit.run r WHERE r.state = 'failed';
            INSERT INTO benefit.run_batch (run_id, batch, first_rank, member_ids, members, job_id)
                SELECT r.id, 1, 1, '{M-1,M-2,M-3}', 3, j.id
                FROM benefit.run r JOIN benefit.job j ON j.group_key = 'run:' || r.id WHERE r.state = 'failed';
            INSERT INTO benefit.job (queue, kind) VALUES ('fixtures', 'noop');
            INSERT INTO benefit.queue_pause (queue, reason, paused_by) VALUES ('relief', 'bank file under review', 'ops@host');
            INSERT INTO benefit.run (campaign_id, campaign_revision, fire_time, trigger, cycle, state, started_at, batches_total, members_total)
                SELECT id, 1, greatest(date_trunc('year', now()), now() - interval '1 hour'), 'schedule', '2026', 'running',
                       greatest(date_trunc('year', now()), now() - interval '1 hour'), 1, 4
                FROM benefit.campaign;
            INSERT INTO benefit.job (id, queue, kind, state, attempt, lease_token, lease_expires_at, group_key)
                OVERRIDING SYSTEM VALUE
                SELECT 812, 'relief', 'campaign.batch', 'running', 2, 9002, now() + interval '1 minute', 'run:' || r.id
                FROM benefit.run r WHERE r.state = 'running';
            INSERT INTO benefit.run_batch (run_id, batch, first_rank, member_ids, members, job_id)
                SELECT r.id, 1, 1, '{M-1,M-2,M-3,M-4}', 4, 812 FROM benefit.run r WHERE r.state = 'running';
            INSERT INTO benefit.job_attempt (lease_token, job_id, attempt, worker, host, pid, started_at, finished_at, outcome, error)
                VALUES (9001, 812, 1, 'worker-a', 'host-a', 4100, now() - interval '3 minutes', now() - interval '2 minutes',
                        'lease_expired', 'lease expired: the worker stopped heartbeating'),
                       (9002, 812, 2, 'worker-b', 'host-b', 4200, now() - interval '1 minute', NULL, 'running', NULL);
            """)
    }
}
