import BenefitAudit
import BenefitCore
import Foundation
import PostgresClient

/// `members units FILE.csv`: the org units register (`benefit.org_unit`), which
/// district each org unit of the roster is in. Job-fair campaigns invite members
/// to the fairs of their unit's district.
///
/// The file has the header `org_unit,district`. It is read with the roster's CSV
/// reader and reported with the roster's problems: every bad record as
/// `FILE:LINE: COLUMN: what is wrong`, and nothing written. A good file is
/// upserted whole in one transaction (units not in the file are left as they
/// are) and recorded in the audit trail (`roster.units`) in the same transaction.
public enum OrgUnitRegister {
    /// The header, exactly.
    public static let columns = ["org_unit", "district"]
    public static var header: String { columns.joined(separator: ",") }

    /// One unit of the register.
    public struct Unit: Sendable, Hashable {
        public let orgUnit: String
        public let district: String

        public init(orgUnit: String, district: String) {
            self.orgUnit = orgUnit
            self.district = district
        }
    }

    /// What an import changed.
    public struct Summary: Sendable, Hashable {
        /// Units not in the register before.
        public let added: Int
        /// Units whose district changed.
        public let updated: Int
        /// Units in the file exactly as in the register.
        public let unchanged: Int
    }

    /// Imports the register file at `path` in one transaction and says what changed.
    ///
    /// - Throws: ``RosterError`` for a bad file (nothing written), `AuditError` for
    ///   a path or name the audit trail cannot record, `PostgresError` when the database fails.
    public static func importFile(path: String, by operatorName: String, on pool: PostgresPool) async throws -> Summary {
        let units = try read(path: path)
        let entry = try AuditEntry(.rosterUnits, target: path, reason: nil, by: operatorName)
        return try await pool.transaction { connection in
            let (added, updated) = try await connection.query(OrgUnitQueries.upsert(units)).single((Int, Int).self)
            let summary = Summary(added: added, updated: updated, unchanged: units.count - added - updated)
            try await AuditTrail.record(
                entry.adding(["added": .integer(added), "updated": .integer(updated), "unchanged": .integer(summary.unchanged)]),
                on: connection)
            return summary
        }
    }

    /// Imports the register of a generated roster of `count` members
    /// (``RosterGenerator/units(count:)``) as an operator's file is imported:
    /// written as CSV to a temporary file, read back, checked and loaded, then
    /// removed. What a caller imports beside ``RosterImport/generated(count:seed:asOf:on:)``.
    public static func generated(count: Int, on pool: PostgresPool) async throws -> Summary {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("benefit-units-\(UUID().uuidString).csv")
        defer { try? FileManager.default.removeItem(at: file) }
        try await runBlocking("units-file") { try writeGenerated(count: count, toFile: file.path, mode: 0o600) }
        return try await importFile(path: file.path, by: OperatorIdentity.current, on: pool)
    }

    /// Writes the register of a generated roster of `count` members to the file at
    /// `path`, replacing it as ``RosterGenerator/writeCSV(count:seed:asOf:toFile:mode:)``
    /// does (a new file renamed into place; a link or another account's file refused).
    public static func writeGenerated(count: Int, toFile path: String, mode: mode_t = 0o644) throws(RosterWriteError) {
        // Generated names and districts hold no comma, quote or line break: no field needs quoting.
        let text = ([header] + RosterGenerator.units(count: count).map { "\($0.orgUnit),\($0.district)" }).joined(separator: "\n") + "\n"
        do {
            try FileGuard.replace(path, mode: mode) { handle in try handle.write(contentsOf: Data(text.utf8)) }
        } catch {
            if let refused = error as? FileGuardError { throw RosterWriteError(description: refused.description) }
            throw RosterWriteError(description: "cannot write \(path): \(FileFailure.reason(error, file: path))")
        }
    }

    /// Reads and checks the whole file: its units, or every problem.
    public static func read(path: String) throws(RosterError) -> [Unit] {
        var firstLines: [String: Int] = [:]
        return try CheckedCSVFile(columns: columns, noun: "org unit").read(
            path: path, problem: { problem(in: $0, file: path, firstLines: &firstLines) },
            value: { Unit(orgUnit: $0.fields[0], district: $0.fields[1]) })
    }

    /// The first thing wrong with a record, at its column, or nil; `firstLines`
    /// holds the line each unit was first listed on, so a repeat is named.
    static func problem(in record: CSVRecord, file: String, firstLines: inout [String: Int]) -> RosterProblem? {
        func at(_ column: String?, _ message: String) -> RosterProblem {
            RosterProblem(file: file, line: record.line, columnName: column, message: message)
        }
        if let malformation = record.malformation {
            return at(columns.indices.contains(malformation.field) ? columns[malformation.field] : nil, malformation.reason)
        }
        guard record.fields.count == columns.count else {
            return at(nil, "\(record.fields.count) field\(record.fields.count == 1 ? "" : "s"); expected \(columns.count) (\(header))")
        }
        for (column, value) in zip(columns, record.fields) {
            if let problem = StorableText.nonBlankProblem(value, maximumLength: 200) { return at(column, problem) }
        }
        let unit = record.fields[0]
        if let first = firstLines[unit] {
            return at("org_unit", "\(RosterProblem.quoted(unit)) is already listed on line \(first)")
        }
        firstLines[unit] = record.line
        return nil
    }
}
