import BenefitAudit
import BenefitTestSupport
import Foundation
import PostgresClient
import Testing

/// The audit trail against a real PostgreSQL, as the logins of a deployment meet it.
@Suite("Audit trail")
struct AuditTrailTests {
    static func count(on pool: PostgresPool) async throws -> Int {
        try await pool.query("SELECT count(*) FROM benefit.audit_event").single(Int.self)
    }

    @Test("an operator's row names its login (the database's word), its user@host and its reason, at the time of its transaction")
    func recordsTheLoginTheOperatorAndTheReason() async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let owner = PostgresPool(configuration: configuration, maxConnections: 1)
            defer { owner.close() }
            try await TestDatabase.withLogin(memberOf: .operator, on: configuration) { login in
                let entry = try AuditEntry(
                    .campaignPause, target: "winter-warmth", reason: "budget review", by: "alice@ops-1", details: ["revision": 3])
                let (loginName, transactionTime, id) = try await login.transaction { transaction in
                    let (name, time) = try await transaction.query("SELECT session_user::text, now()").single((String, Date).self)
                    return (name, time, try await AuditTrail.record(entry, on: transaction))
                }
                let row = try await owner.query("""
                    SELECT db_user, os_user, action, target_type, target, reason, details->>'revision', at FROM benefit.audit WHERE audit_id = \(id)
                    """).single((String, String, String, String, String, String?, String, Date).self)
                #expect(row.0 == loginName && row.0.hasPrefix("login_"))
                #expect(row.1 == "alice@ops-1")
                #expect(row.2 == "campaign.pause" && row.3 == "campaign" && row.4 == "winter-warmth")
                #expect(row.5 == "budget review")
                #expect(row.6 == "3")
                #expect(row.7 == transactionTime)
            }
        }
    }

    @Test("a row goes with its action: rolled back with it, and never recorded outside a transaction")
    func noRowWithoutItsAction() async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let owner = PostgresPool(configuration: configuration, maxConnections: 1)
            defer { owner.close() }
            let entry = try AuditEntry(.jobCancel, target: "812", reason: "wrong payload", by: "alice@ops-1")
            struct ActionFailed: Error {}
            await #expect(throws: ActionFailed.self) {
                try await owner.transaction { transaction in
                    try await AuditTrail.record(entry, on: transaction)
                    throw ActionFailed()
                }
            }
            let connection = try await PostgresConnection.connect(to: configuration)
            let error = await #expect(throws: AuditError.self) { try await AuditTrail.record(entry, on: connection) }
            #expect(error?.code == .notInTransaction)
            #expect(try await Self.count(on: owner) == 0)
        }
    }

    @Test("benefit_operator and benefit_worker logins can neither update, delete nor truncate the record", arguments: [DatabaseRole.operator, .worker])
    func appendOnlyForEveryRoleButTheOwner(role: DatabaseRole) async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let owner = PostgresPool(configuration: configuration, maxConnections: 1)
            defer { owner.close() }
            let entry = try AuditEntry(.runCancel, target: "12", reason: "wrong cycle", by: "alice@ops-1")
            try await owner.transaction { try await AuditTrail.record(entry, on: $0) }
            try await TestDatabase.withLogin(memberOf: role, on: configuration) { login in
                let attempts: [PostgresQuery] = [
                    "UPDATE benefit.audit_event SET reason = 'nothing happened'",
                    "UPDATE benefit.audit_event SET db_user = 'someone else'",
                    "DELETE FROM benefit.audit_event",
                    "TRUNCATE benefit.audit_event",
                    "UPDATE benefit.audit SET reason = 'nothing happened'",
                    "DELETE FROM benefit.audit",
                ]
                for statement in attempts {
                    let error = await #expect(throws: PostgresError.self, "\(statement.sql)") { try await login.query(statement) }
                    #expect(error?.sqlState == "42501", "\(statement.sql): \(error?.description ?? "")")
                }
            }
            let kept = try await owner.query("SELECT db_user = current_user, reason FROM benefit.audit_event").decode((Bool, String?).self)
            #expect(kept.count == 1 && kept.first?.0 == true && kept.first?.1 == "wrong cycle")
        }
    }

    @Test("who and when are the database's: an operator cannot name them, and what the owner writes there is replaced")
    func whoAndWhenCannotBeForged() async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let owner = PostgresPool(configuration: configuration, maxConnections: 1)
            defer { owner.close() }
            try await TestDatabase.withLogin(memberOf: .operator, on: configuration) { login in
                for column in ["db_user", "at", "id"] {
                    let error = await #expect(throws: PostgresError.self) {
                        try await login.query(PostgresQuery(unsafeSQL: """
                            INSERT INTO benefit.audit_event (\(column), os_user, action, target_type, target, reason)
                            VALUES (DEFAULT, 'x@y', 'job.retry', 'job', '1', NULL)
                            """))
                    }
                    #expect(error?.sqlState == "42501", "\(column): \(error?.description ?? "")")
                }
            }
            let (stamped, recent) = try await owner.query("""
                INSERT INTO benefit.audit_event (db_user, at, os_user, action, target_type, target)
                VALUES ('someone else', timestamptz '2000-01-01 00:00:00+00', 'x@y', 'job.retry', 'job', '1')
                RETURNING db_user = session_user, at = now()
                """).single((Bool, Bool).self)
            #expect(stamped && recent)
        }
    }

    @Test("pauses, cancels, top-ups and booking changes say why: the entry and the database both refuse one without a reason")
    func pausesAndCancelsRequireAReason() async throws {
        for action in AuditAction.allCases where action.requiresReason {
            let error = #expect(throws: AuditError.self) { try AuditEntry(action, target: "x", reason: nil, by: "alice@ops-1") }
            #expect(error?.code == .missingReason)
        }
        #expect(Set(AuditAction.allCases.filter(\.requiresReason)) == [
            .campaignPause, .runCancel, .jobCancel, .queuePause, .campaignTopup, .appointmentMove, .appointmentCancel, .placeCancel,
        ])
        #expect((try? AuditEntry(.jobRetry, target: "1", reason: nil, by: "alice@ops-1")) != nil)
        let blank = #expect(throws: AuditError.self) { try AuditEntry(.jobRetry, target: "1", reason: " \t", by: "alice@ops-1") }
        #expect(blank?.code == .invalidReason)
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let owner = try await PostgresConnection.connect(to: configuration)
            for action in ["campaign.pause", "run.cancel", "job.cancel", "queue.pause", "campaign.topup", "appointment.move",
                           "appointment.cancel", "place.cancel"] {
                let type = String(action.prefix { $0 != "." })
                let error = await #expect(throws: PostgresError.self) {
                    try await owner.query("""
                        INSERT INTO benefit.audit_event (os_user, action, target_type, target) VALUES ('x@y', \(action), \(type), 'z')
                        """)
                }
                #expect(error?.sqlState == "23514", "\(action): \(error?.description ?? "")")
            }
        }
    }

    @Test("events come back newest first, filtered by time, target (with or without its type) and action")
    func eventsAreFiltered() async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let owner = PostgresPool(configuration: configuration, maxConnections: 1)
            defer { owner.close() }
            let entries = [
                try AuditEntry(.campaignTrigger, target: "winter-warmth", reason: nil, by: "a@h", details: ["run": 12]),
                try AuditEntry(.runCancel, target: "12", reason: "wrong cycle", by: "a@h"),
                try AuditEntry(.jobRetry, target: "12", reason: nil, by: "b@h"),
            ]
            for entry in entries { try await owner.transaction { try await AuditTrail.record(entry, on: $0) } }
            let all = try await AuditTrail.events(AuditFilter(), on: owner)
            #expect(all.map(\.action) == [.jobRetry, .runCancel, .campaignTrigger])
            #expect(all.last?.details == ["run": .integer(12)])
            #expect(try await AuditTrail.events(AuditFilter(target: "12"), on: owner).count == 2)
            #expect(try await AuditTrail.events(AuditFilter(target: "run:12"), on: owner).map(\.action) == [.runCancel])
            #expect(try await AuditTrail.events(AuditFilter(action: .campaignTrigger), on: owner).map(\.target) == ["winter-warmth"])
            #expect(try await AuditTrail.events(AuditFilter(limit: 1), on: owner).map(\.action) == [.jobRetry])
            #expect(try await AuditTrail.events(AuditFilter(since: Date().addingTimeInterval(3_600)), on: owner).isEmpty)
            #expect(try await AuditTrail.events(AuditFilter(since: Date().addingTimeInterval(-3_600)), on: owner).count == 3)
        }
    }
}
