import BenefitAudit
import BenefitCore
import BenefitQueue
import BenefitTestSupport
import Foundation
import PostgresClient
import Testing

/// The audit trail as operators leave it: the binary run by a login that holds
/// benefit_operator alone, and read back by one that holds benefit_admin alone.
@Suite("Audit trail: operators' commands leave their record")
struct AuditCommandTests {
    static func listed(_ arguments: [String], as login: PostgresConfiguration) async throws -> [AuditEvent] {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try decoder.decode([AuditEvent].self, from: Data(try await CommandFixtures.succeed(["audit", "list", "--json"] + arguments, as: login).utf8))
    }

    @Test("an operator's pause, trigger, run cancel and job retry each leave a row with its login, its user@host and its reason")
    func operatorActionsAreRecorded() async throws {
        try await TestDatabase.withFresh(migrated: true) { configuration in
            let owner = PostgresPool(configuration: configuration, maxConnections: 2)
            defer { owner.close() }
            try await TestDatabase.withLogins([.operator, .admin], on: configuration) { logins in
                let (login, admin) = (logins[.operator]!, logins[.admin]!)
                let loginName = try #require(login.parameter("user"))
                let campaign = try TemporaryFiles.write(CampaignText.yaml(
                    name: "fire-drill", program: "drill", cron: "0 9 * * *", batchSize: 10, parameters: "{ members: 30 }"), named: "drill.yaml")
                try await CommandFixtures.succeed(["campaign", "apply", campaign], as: login)
                try await CommandFixtures.succeed(["campaign", "pause", "fire-drill", "--reason", "budget review"], as: login)
                try await CommandFixtures.succeed(["campaign", "resume", "fire-drill"], as: login)
                try await CommandFixtures.succeed(["campaign", "trigger", "fire-drill", "--reason", "the board asked for a drill"], as: login)
                let run = try await owner.query("SELECT id FROM benefit.run").single(Int.self)

                // A cancel without a reason is refused before anything is done.
                let unexplained = try await CommandFixtures.run(["runs", "cancel", "\(run)"], as: login)
                #expect(unexplained.exitCode != 0 && unexplained.standardError.contains("--reason"), "\(unexplained.standardError)")
                #expect(try await owner.query("SELECT cancel_requested FROM benefit.run").single(Bool.self) == false)
                try await CommandFixtures.succeed(["runs", "cancel", "\(run)", "--reason", "wrong cycle"], as: login)

                // A job that dies under a worker, put back by the operator.
                try await CommandFixtures.succeed(
                    ["jobs", "enqueue", "probe", "--queue", "op", "--max-attempts", "1", "--payload", #"{"failAttempts": 1, "permanent": true}"#],
                    as: login)
                let worker = Worker(
                    pool: owner, registry: HandlerRegistry(DiagnosticHandlers.all),
                    configuration: .forTests(queues: ["op"], name: "audit-worker"), logger: TestDatabase.quietLogger)
                let died = try await withWorker(worker) {
                    try await eventually { try await owner.query("SELECT count(*) FROM benefit.job WHERE state = 'dead'").single(Int.self) == 1 }
                }
                #expect(died)
                let deadJob = try await owner.query("SELECT id FROM benefit.job WHERE state = 'dead'").single(Int.self)
                try await CommandFixtures.succeed(["jobs", "retry", "\(deadJob)", "--reason", "probe fixed"], as: login)
                // A retry that finds nothing dead did nothing, and records nothing.
                #expect(try await CommandFixtures.run(["jobs", "retry", "\(deadJob)"], as: login).exitCode == 1)

                let rows = try await owner.query("""
                    SELECT db_user, os_user, action, target, reason FROM benefit.audit_event ORDER BY id
                    """).decode((String, String, String, String, String?).self)
                #expect(rows.map(\.2) == ["campaign.apply", "campaign.pause", "campaign.resume", "campaign.trigger", "run.cancel", "job.retry"])
                #expect(rows.map(\.3) == ["fire-drill", "fire-drill", "fire-drill", "fire-drill", "\(run)", "\(deadJob)"])
                #expect(rows.map(\.4) == [nil, "budget review", nil, "the board asked for a drill", "wrong cycle", "probe fixed"])
                #expect(rows.allSatisfy { $0.0 == loginName }, "\(rows.map(\.0)) for login \(loginName)")
                #expect(rows.allSatisfy { $0.1 == OperatorIdentity.current }, "\(rows.map(\.1))")

                // What operators and administrators read back: the same rows, newest first, filtered.
                let asOperator = try await Self.listed([], as: login)
                #expect(asOperator.map(\.action) == [.jobRetry, .runCancel, .campaignTrigger, .campaignResume, .campaignPause, .campaignApply])
                #expect(asOperator.first(where: { $0.action == .campaignTrigger })?.details == ["run": .integer(run)])
                let asAdmin = try await Self.listed(["--target", "fire-drill", "--since", "1h", "--action", "campaign.pause"], as: admin)
                #expect(asAdmin.map(\.reason) == ["budget review"] && asAdmin.first?.databaseUser == loginName)
                #expect(try await Self.listed(["--target", "run:\(run)"], as: admin).map(\.action) == [.runCancel])
                #expect(try await CommandFixtures.succeed(["audit", "list"], as: admin).contains("wrong cycle"))
            }
        }
    }
}
