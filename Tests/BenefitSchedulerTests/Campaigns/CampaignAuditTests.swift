import BenefitAudit
import BenefitScheduler
import BenefitTestSupport
import Foundation
import PostgresClient
import Testing

/// Campaign and run actions record themselves in the audit trail, in their own
/// transaction, and only when they did something.
@Suite("Campaign and run actions in the audit trail")
struct CampaignAuditTests {
    @Test("apply, pause, resume, trigger and cancel by an operator login each leave one row with what they did; those that did nothing leave none")
    func actionsAreRecordedOnceTheyTakeEffect() async throws {
        try await TestDatabase.withFreshLogin(memberOf: .operator) { configuration, login in
            let owner = PostgresPool(configuration: configuration, maxConnections: 1)
            defer { owner.close() }
            let yaml = CampaignText.yaml(name: "held", program: "synthetic", parameters: "{ members: 5 }")
            let source = try CampaignStore.Source(parsing: yaml, fileName: "held.yaml", validators: RunFixtures.programs.validators)
            let by = "alice@ops-1"
            _ = try await CampaignStore.apply([source], dryRun: false, by: by, on: login)
            _ = try await CampaignStore.apply([source], dryRun: false, by: by, on: login)  // unchanged: nothing to record
            _ = try await CampaignStore.apply([source], dryRun: true, by: by, on: login)
            #expect(try await CampaignStore.pause("held", reason: "budget review", by: by, on: login)?.heldRuns == [])
            #expect(try await CampaignStore.pause("held", reason: "again", by: by, on: login) == nil)
            #expect(try await CampaignStore.resume("held", reason: "budget approved", by: by, on: login)?.releasedRuns == [])
            #expect(try await CampaignStore.resume("held", by: by, on: login) == nil)
            #expect(try await CampaignStore.trigger("missing", at: Date(), by: by, on: login) == nil)
            let runID = try #require(try await CampaignStore.trigger("held", at: Date(), reason: "drill", by: by, on: login))
            let cancelled = try #require(try await RunControl.cancel(
                runID: runID, reason: "wrong cycle", by: by, on: login, logger: TestDatabase.quietLogger))
            #expect(cancelled.requested)
            let again = try #require(try await RunControl.cancel(
                runID: runID, reason: "twice", by: by, on: login, logger: TestDatabase.quietLogger))
            #expect(again.requested == false)
            await #expect(throws: AuditError.self) {
                try await RunControl.cancel(runID: runID, reason: " ", by: by, on: login, logger: TestDatabase.quietLogger)
            }

            let events = try await AuditTrail.events(AuditFilter(), on: owner).reversed()
            #expect(events.map(\.action) == [.campaignApply, .campaignPause, .campaignResume, .campaignTrigger, .runCancel])
            #expect(events.map(\.reason) == [nil, "budget review", "budget approved", "drill", "wrong cycle"])
            #expect(events.map(\.target) == ["held", "held", "held", "held", String(runID)])
            #expect(events.allSatisfy { $0.operatorName == by && $0.databaseUser == login.configuration.parameter("user") })
            #expect(events.first?.details == ["revision": 1, "file": "held.yaml"])
            #expect(events.dropFirst(3).first?.details == ["run": .integer(runID)])
            #expect(events.last?.details == ["stoppedJobs": 1, "stateBefore": "pending"])
        }
    }
}
