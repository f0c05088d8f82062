import BenefitAudit
import BenefitCore
import Foundation
import PostgresClient

/// Loads a roster file into `benefit.member`: all of it, or nothing.
///
/// Imports run one at a time (``MemberQueries/lockRoster``). The file is read
/// once. Each record is checked as it is read and, while no record has failed,
/// streamed straight into a COPY: to a staging table, or, when the roster is
/// empty, into `benefit.member` itself (every member is new, so there is
/// nothing to merge). After the first bad record the rest is only checked, so
/// the report is complete, and the COPY is aborted. A staged file is then
/// merged in one statement; the roster's planner statistics are brought up to
/// date, and everything commits together. `--dry-run` does all of it and rolls
/// back, so its counts are the ones a real import would report.
///
/// A member in the file who had left re-joins (an update). With a
/// ``CompleteRoster``, the file is the whole roster: active members absent from
/// it leave, in the same transaction, unless too many would.
public enum RosterImport {
    /// What an import changed (or, for a dry run, would have changed).
    public struct Summary: Sendable, Hashable {
        /// Members that were not on the roster before.
        public let added: Int
        /// Members on the roster with at least one field different.
        public let updated: Int
        /// Members in the file exactly as on the roster; not rewritten.
        public let unchanged: Int
        /// Members in the file who had left and are back (counted in `updated` too).
        public let rejoined: Int
        /// For a complete roster: active members absent from the file, who leave; nil otherwise.
        public let left: Int?
        /// True when nothing was written.
        public let dryRun: Bool

        /// Every member in the file.
        public var total: Int { added + updated + unchanged }
    }

    /// Imports the roster at `path` in one transaction and says what changed.
    ///
    /// Members missing from the file are left as they are, unless the file is
    /// `complete`. An import is recorded in the audit trail (`roster.import`,
    /// target the path as given, with its counts) in the same transaction; a dry
    /// run records nothing.
    /// - Parameters:
    ///   - today: Birth dates after this day are refused, and members absent from a
    ///     complete roster leave on it (default: the local date, the union's).
    ///   - dryRun: Check and count everything, then roll back.
    ///   - complete: The file is the whole roster: members absent from it leave.
    ///   - operatorName: Who imports, for the audit trail (`OperatorIdentity.current`).
    /// - Throws: ``RosterError`` for a bad file or, with `complete`, too many members
    ///   leaving (`.tooManyLeaving`; nothing written), `AuditError` for a
    ///   path or name the audit trail cannot record, `PostgresError` when the database fails.
    public static func run(
        path: String, dryRun: Bool = false, today: CalendarDate = .today(), complete: CompleteRoster? = nil,
        by operatorName: String, on pool: PostgresPool
    ) async throws -> Summary {
        // The header is checked before connecting: the wrong file fails at once.
        _ = try RosterReader(path: path, today: today)
        let entry = try AuditEntry(.rosterImport, target: path, reason: nil, by: operatorName)
        do {
            return try await pool.transaction { connection in
                let clock = ContinuousClock()
                let start = clock.now
                try await takeRosterLock(on: connection)
                // Into an empty roster every member is new: the file goes straight in.
                let first = try await connection.query(MemberQueries.rosterIsEmpty).single(Bool.self)
                if !first { try await connection.query(MemberQueries.createStaging) }
                let loaded = try await connection.copyIn(first ? MemberQueries.copyIntoRoster : MemberQueries.copyIntoStaging) { writer in
                    var reader = try RosterReader(path: path, today: today)
                    while let row = try reader.next() {
                        // Once the file is known to be refused, the rows only need checking.
                        if reader.problemCount == 0 { try append(row, to: &writer) }
                    }
                    if let rejection = reader.rejection { throw rejection }
                }
                let copied = clock.now
                let (added, updated, rejoined, left) = first
                    ? (loaded, 0, 0, complete == nil ? nil : 0)
                    : try await merge(path: path, today: today, complete: complete, on: connection)
                connection.logger.debug("roster merged", metadata: [
                    "file": "\(path)", "members": "\(loaded)", "read_and_copy": "\(copied - start)", "merge": "\(clock.now - copied)"])
                let summary = Summary(
                    added: added, updated: updated, unchanged: loaded - added - updated, rejoined: rejoined, left: left, dryRun: dryRun)
                if dryRun { throw DryRunRollback(summary: summary) }
                // A run triggered right after plans on these statistics (migrations/0020);
                // members who left change them too (the populations' left_on test).
                if added + updated + (left ?? 0) > 0 { try await connection.query(MemberQueries.analyze) }
                try await AuditTrail.record(entry.adding(summary.auditDetails), on: connection)
                return summary
            }
        } catch let rollback as DryRunRollback {
            return rollback.summary
        } catch let error as PostgresError where error.sqlState.map(refusals.contains) == true {
            throw RosterError(
                code: .refusedByDatabase, file: path,
                reason: "the database refused a member although the file passed its checks: \(error.message)")
        }
    }

    /// Takes the roster's import lock (``MemberQueries/lockRoster``). When another
    /// session holds it, says who, once, at notice level, and then waits until
    /// that session's transaction ends (an operator stops the wait with Ctrl-C).
    private static func takeRosterLock(on connection: PostgresConnection) async throws {
        do {
            // One round trip when no one holds it.
            _ = try await connection.pipeline(["SAVEPOINT roster_lock", MemberQueries.lockRosterAtOnce, "RELEASE SAVEPOINT roster_lock"])
            return
        } catch let error as PostgresError where error.sqlState == "55P03" {
            try await connection.query("ROLLBACK TO SAVEPOINT roster_lock")
        }
        let holders = try await connection.query(MemberQueries.rosterLockHolders).decode((Int, String, Date?).self)
        let named = holders.map { pid, login, since in
            "pid \(pid)" + (login.isEmpty ? "" : " (\(login))") + (since.map { ", its transaction open since \($0.formatted(.iso8601))" } ?? "")
        }
        // None left: the holder ended meanwhile, and the lock comes at once.
        if !named.isEmpty {
            connection.logger.notice(
                "waiting for another session that holds the roster's import lock to finish: \(named.joined(separator: "; ")) (another import, or VACUUM, ANALYZE or an index build on benefit.member)")
        }
        try await connection.query(MemberQueries.lockRoster)
    }

    /// Merges the staged file into a roster that has members, and with a
    /// `complete` file makes the absent ones leave: (added, updated, rejoined, left).
    private static func merge(
        path: String, today: CalendarDate, complete: CompleteRoster?, on connection: PostgresConnection
    ) async throws -> (Int, Int, Int, Int?) {
        let active = complete == nil ? 0 : try await connection.query(MemberQueries.countActive).single(Int.self)
        let rejoined = try await connection.query(MemberQueries.countRejoining).single(Int.self)
        let (added, updated) = try await connection.query(MemberQueries.mergeStaging).single((Int, Int).self)
        guard let complete else { return (added, updated, rejoined, nil) }
        let leaving = try await connection.query(MemberQueries.markAbsentAsLeft(on: today, note: CompleteRoster.note(file: path)))
            .single(Int.self)
        guard complete.allows(leaving: leaving, of: active) else {
            throw RosterError(code: .tooManyLeaving, file: path, reason: complete.refusal(leaving: leaving, of: active))
        }
        return (added, updated, rejoined, leaving)
    }

    /// SQLSTATE codes meaning "this data breaks a rule" rather than "the database failed".
    private static let refusals: Set<String> = ["22001", "22003", "22007", "22008", "22021", "22P02", "23502", "23505", "23514"]

    /// Thrown out of the transaction to roll a dry run back, carrying its counts.
    private struct DryRunRollback: Error {
        let summary: Summary
    }

    /// Writes one member as a COPY row in the staging table's column order.
    ///
    /// The checked text goes as written: it is already in PostgreSQL's input
    /// format (dates `YYYY-MM-DD`, plain digits), and formatting typed values
    /// back into text would cost more than parsing them did. Only the flags are
    /// normalised, since the file may spell them `yes` or `1`.
    private static func append(_ row: RosterRow, to writer: inout PostgresCopyWriter) throws {
        for (column, text) in zip(RosterColumn.allCases, row.fields) {
            switch column {
            case .frontline: try writer.appendField(row.member.frontline)
            case .modelWorker: try writer.appendField(row.member.modelWorker)
            default: try writer.appendField(text.isEmpty ? nil : text)
            }
        }
        try writer.endRow()
    }
}

extension RosterImport.Summary {
    /// The counts the audit trail records: added, updated, unchanged; rejoined
    /// when any did; complete and left for a complete roster.
    var auditDetails: [String: AuditDetail] {
        var details: [String: AuditDetail] = ["added": .integer(added), "updated": .integer(updated), "unchanged": .integer(unchanged)]
        if rejoined > 0 { details["rejoined"] = .integer(rejoined) }
        if let left {
            details["complete"] = .flag(true)
            details["left"] = .integer(left)
        }
        return details
    }
}
