import BenefitAudit
import Foundation
import PostgresClient

/// Campaigns in the database: apply files as revisions, list, find, pause, resume, trigger.
public enum CampaignStore {
    /// What applying one file did (or would do, with a dry run).
    public struct Change: Sendable, Equatable {
        public enum Kind: Sendable, Equatable {
            case created
            case updated(fromRevision: Int, toRevision: Int)
            case unchanged(revision: Int)
        }

        /// A changed parameter that the campaign's latest planned cycle keeps as
        /// its first run fixed it: the new value applies from the next cycle.
        public struct FixedForCycle: Sendable, Equatable {
            public let parameter: String
            public let cycle: String
        }

        public let campaign: String
        public let kind: Kind
        /// For an update: the changed parameters a cycle already planned keeps.
        public var fixedForCycle: [FixedForCycle] = []
    }

    /// A parsed file to apply: the definition and the text it came from.
    public struct Source: Sendable {
        public let definition: CampaignDefinition
        public let text: String
        public let fileName: String

        public init(definition: CampaignDefinition, text: String, fileName: String) {
            self.definition = definition
            self.text = text
            self.fileName = fileName
        }

        /// Parses a campaign file's text (see ``CampaignFile``), as applied at `now`.
        public init(
            parsing text: String, fileName: String, validators: [any ProgramParameterValidator], now: Date = Date()
        ) throws(CampaignFileError) {
            self.init(
                definition: try CampaignFile.parse(text: text, fileName: fileName, validators: validators, now: now), text: text,
                fileName: fileName)
        }
    }

    /// Applies every file in one transaction: an unchanged definition writes
    /// nothing; a changed one becomes a new revision (earlier ones are kept); a
    /// new name creates the campaign. With `dryRun`, nothing is written. The
    /// changes come back in the order of `sources`.
    ///
    /// Campaigns are locked (or, new, inserted) in order of name, whatever order the
    /// files were given in: two applies of the same files given in other orders
    /// then wait for each other instead of deadlocking.
    ///
    /// Each campaign created or revised is recorded in the audit trail
    /// (`campaign.apply`, with its revision) in the same transaction.
    ///
    /// - Parameter fixedPerCycle: program → the parameters a cycle's first run
    ///   fixes (``ProgramParameterValidator/fixedPerCycle``), for ``Change/fixedForCycle``.
    public static func apply(
        _ sources: [Source], fixedPerCycle: [String: [String]] = [:], dryRun: Bool, by operatorName: String, on pool: PostgresPool
    ) async throws -> [Change] {
        try await pool.transaction { transaction in
            var changes: [Change] = []
            for source in sources.sorted(by: { $0.definition.name < $1.definition.name }) {
                let name = source.definition.name
                let json = source.definition.canonicalJSON
                let existing = try await transaction.query(CampaignQueries.lockForApply(name: name, json: json)).first((Int, Int, Bool).self)
                switch existing {
                case nil:
                    changes.append(Change(campaign: name, kind: .created))
                    if !dryRun {
                        try await transaction.query(CampaignQueries.create(source, json: json, by: operatorName))
                        try await recordApply(name, revision: 1, source, by: operatorName, on: transaction)
                    }
                case let (_, revision, same)? where same:
                    changes.append(Change(campaign: name, kind: .unchanged(revision: revision)))
                case let (id, revision, _)?:
                    var change = Change(campaign: name, kind: .updated(fromRevision: revision, toRevision: revision + 1))
                    if let fixed = fixedPerCycle[source.definition.program], !fixed.isEmpty {
                        change.fixedForCycle = try await transaction.query(CampaignQueries.fixedForCycle(id: id, parameters: fixed, json: json))
                            .decode((String, String).self).map { Change.FixedForCycle(parameter: $0.0, cycle: $0.1) }
                    }
                    changes.append(change)
                    if !dryRun {
                        try await transaction.query(CampaignQueries.revise(id: id, revision: revision + 1, source, json: json, by: operatorName))
                        try await recordApply(name, revision: revision + 1, source, by: operatorName, on: transaction)
                    }
                }
            }
            let byName = Dictionary(changes.map { ($0.campaign, $0) }, uniquingKeysWith: { first, _ in first })
            return sources.compactMap { byName[$0.definition.name] }
        }
    }

    private static func recordApply(
        _ name: String, revision: Int, _ source: Source, by operatorName: String, on transaction: PostgresConnection
    ) async throws {
        let entry = try AuditEntry(
            .campaignApply, target: name, reason: nil, by: operatorName, details: ["revision": .integer(revision), "file": .text(source.fileName)])
        try await AuditTrail.record(entry, on: transaction)
    }

    public static func list(on pool: PostgresPool) async throws -> [CampaignRecord] {
        try await pool.query(CampaignQueries.all()).map { try record(from: $0) }
    }

    public static func find(_ name: String, on pool: PostgresPool) async throws -> CampaignRecord? {
        try await pool.query(CampaignQueries.byName(name)).first.map { try record(from: $0) }
    }

    /// A manual run at `fireTime` (trigger `manual`), planned at once whatever the
    /// overlap policy, recorded in the audit trail (`campaign.trigger`, with the
    /// run's id) in the same transaction. Nil when there is no such campaign.
    ///
    /// - Throws: ``AuditError`` for a reason ``AuditEntry/reasonProblem(_:blank:)`` refuses, before anything is sent.
    public static func trigger(
        _ name: String, at fireTime: Date, reason: String? = nil, by operatorName: String, on pool: PostgresPool
    ) async throws -> Int? {
        let entry = try AuditEntry(.campaignTrigger, target: name, reason: reason, by: operatorName)
        return try await pool.transaction { transaction in
            guard let row = try await transaction.query(CampaignQueries.lockByName(name)).first else { return nil }
            let campaign = try record(from: row)
            guard let runID = try await RunLauncher.create(campaign, fireTime: fireTime, trigger: .manual, start: true, on: transaction) else {
                return nil
            }
            try await AuditTrail.record(entry.adding(["run": .integer(runID)]), on: transaction)
            return runID
        }
    }

    /// A campaign's revisions, newest first.
    public static func revisions(_ name: String, on pool: PostgresPool) async throws -> [Revision] {
        try await pool.query(CampaignQueries.revisions(name: name)).decode((Int, Date, String, String?).self)
            .map { Revision(revision: $0.0, appliedAt: $0.1, appliedBy: $0.2, file: $0.3) }
    }

    /// The files of a campaign's latest `count` revisions as they were applied, newest first.
    public static func revisionSources(_ name: String, count: Int, on pool: PostgresPool) async throws -> [RevisionSource] {
        try await pool.query(CampaignQueries.revisionSources(name: name, count: count)).decode((Int, String).self)
            .map { RevisionSource(revision: $0.0, text: $0.1) }
    }

    /// One revision's file, as applied.
    public struct RevisionSource: Sendable, Equatable {
        public let revision: Int
        public let text: String
    }

    /// One revision's who and when.
    public struct Revision: Sendable, Codable {
        public let revision: Int
        public let appliedAt: Date
        public let appliedBy: String
        public let file: String?
    }

    /// Decodes a row of `id, name, revision, definition, paused, paused_reason, scheduled_through`.
    static func record(from row: PostgresRow) throws -> CampaignRecord {
        let (id, name, revision, json, paused, reason, through) = try row.decode((Int, String, Int, String, Bool, String?, Date).self)
        let definition: CampaignDefinition
        do {
            definition = try JSONDecoder().decode(CampaignDefinition.self, from: Data(json.utf8))
        } catch {
            throw PostgresError(code: .decoding, message: "campaign \(name) revision \(revision) cannot be read: \(error)")
        }
        return CampaignRecord(
            id: id, name: name, revision: revision, definition: definition, paused: paused, pausedReason: reason, scheduledThrough: through)
    }
}
