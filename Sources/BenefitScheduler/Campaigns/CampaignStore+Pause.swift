import BenefitAudit
import BenefitQueue
import PostgresClient

/// Pausing and resuming campaigns, and holding their runs in progress.
///
/// A pause stops the scheduler from creating runs. With `holdRuns`, the runs
/// already in progress wait too: their groups on the queue (`run:<id>`) are held
/// (``JobQueue/hold(groups:on:)``), so no worker claims their remaining batches,
/// or a planning job not yet started, until the campaign is resumed; batches
/// running at the pause finish. A held run stays `pending` or `running` (its
/// jobs are still to do), is shown `held` by `benefit status`, `runs watch` and
/// the console, and is never warned of as stalled. Resuming releases every held
/// run of the campaign, whichever pause held it.
extension CampaignStore {
    /// What a pause did.
    public struct Paused: Sendable, Equatable {
        /// The runs in progress whose remaining jobs are now held, by id (empty without `holdRuns`).
        public let heldRuns: [Int]
    }

    /// What a resume did.
    public struct Resumed: Sendable, Equatable {
        /// The held runs released, by id: their remaining batches are claimed again.
        public let releasedRuns: [Int]
    }

    /// Pauses a campaign: the scheduler creates no runs for it until it is resumed;
    /// with `holdRuns`, its runs in progress are held as well. Recorded in the
    /// audit trail (`campaign.pause`; with `holdRuns`, `heldRuns` and the runs' ids
    /// in `runs`) in the same transaction. Nil when there is no such campaign or it
    /// is already paused (nothing is recorded or held).
    ///
    /// - Throws: ``InvalidPauseReason`` for a reason ``pauseReasonProblem(_:)`` refuses, before anything is sent.
    public static func pause(
        _ name: String, reason: String, holdRuns: Bool = false, by operatorName: String, on pool: PostgresPool
    ) async throws -> Paused? {
        if let problem = pauseReasonProblem(reason) { throw InvalidPauseReason(description: problem) }
        let entry = try AuditEntry(.campaignPause, target: name, reason: reason, by: operatorName)
        return try await pool.transaction { transaction in
            // The update locks the campaign's row: the scheduler and `campaign trigger`, which
            // lock it to add a run, wait for this commit and then find the campaign paused.
            guard try await transaction.query(CampaignQueries.pause(name: name, reason: reason)).affectedRows == 1 else { return nil }
            var held: [Int] = []
            if holdRuns {
                held = try await transaction.query(RunQueries.inProgress(campaign: name)).decode(Int.self)
                try await JobQueue.hold(groups: held.map(RunGroup.key(runID:)), on: transaction)
            }
            var details: [String: AuditDetail] = holdRuns ? ["heldRuns": .integer(held.count)] : [:]
            if !held.isEmpty { details["runs"] = .text(Self.list(held)) }
            try await AuditTrail.record(entry.adding(details), on: transaction)
            return Paused(heldRuns: held)
        }
    }

    /// The most characters a pause reason may have: a sentence or two for the record, shown by `campaign show`.
    public static let maximumPauseReasonLength = AuditEntry.maximumReasonLength

    /// What is wrong with a pause reason, or nil: it must say something, in at most
    /// ``maximumPauseReasonLength`` characters (the audit trail's rule for every reason).
    public static func pauseReasonProblem(_ reason: String) -> String? {
        AuditEntry.reasonProblem(reason, blank: "empty; say why the campaign is paused")
    }

    /// A pause reason ``pause(_:reason:holdRuns:by:on:)`` refuses, with why.
    public struct InvalidPauseReason: Error, CustomStringConvertible {
        public let description: String
    }

    /// Resumes it: fire times missed while paused follow its `catchUp` policy, and
    /// its held runs are released. Recorded in the audit trail (`campaign.resume`,
    /// with the reason if given, and `releasedRuns` when runs were held) in the same
    /// transaction. Nil when there is no such campaign or it is not paused.
    ///
    /// - Throws: ``AuditError`` for a reason ``AuditEntry/reasonProblem(_:blank:)`` refuses, before anything is sent.
    public static func resume(_ name: String, reason: String? = nil, by operatorName: String, on pool: PostgresPool) async throws -> Resumed? {
        let entry = try AuditEntry(.campaignResume, target: name, reason: reason, by: operatorName)
        return try await pool.transaction { transaction in
            guard try await transaction.query(CampaignQueries.resume(name: name)).affectedRows == 1 else { return nil }
            let heldRuns = try await JobQueue.heldGroups(on: transaction).compactMap { RunGroup.runID(of: $0.group) }
            let released = heldRuns.isEmpty ? [] : try await transaction.query(RunQueries.ofCampaign(name, among: heldRuns)).decode(Int.self)
            try await JobQueue.release(groups: released.map(RunGroup.key(runID:)), on: transaction)
            let details: [String: AuditDetail] = released.isEmpty ? [:] : ["releasedRuns": .integer(released.count), "runs": .text(Self.list(released))]
            try await AuditTrail.record(entry.adding(details), on: transaction)
            return Resumed(releasedRuns: released)
        }
    }

    /// Run ids as the audit trail's details keep them: `12,13`.
    private static func list(_ runIDs: [Int]) -> String {
        runIDs.map(String.init).joined(separator: ",")
    }
}
