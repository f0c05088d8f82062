import BenefitCore
import Foundation
import PostgresClient

/// `aid import FILE.csv`: applications from a file, recorded all or none.
///
/// The file has the header `member_id,category,amount,statement,evidence`
/// (evidence: references separated by `;`, may be empty). It is read with the
/// roster's CSV reader and reported with the roster's problems: every bad
/// record as `FILE:LINE: COLUMN: what is wrong`, and nothing written. Rules
/// only the database knows (the campaign's categories, who is on the roster
/// and qualifies) are reported the same way, at the line of the row refused.
public enum AidApplicationFile {
    /// The header, exactly.
    public static let columns = ["member_id", "category", "amount", "statement", "evidence"]
    public static var header: String { columns.joined(separator: ",") }

    /// Imports the file into `campaign`'s applications; returns their numbers, in file order.
    ///
    /// - Throws: ``RosterError`` for a bad file or a row the database refuses
    ///   (nothing written); ``AidError`` when the campaign is missing.
    public static func importFile(
        path: String, campaign: String = AidApplications.defaultCampaign, by operatorName: String, on pool: PostgresPool
    ) async throws -> [Int] {
        let rows = try read(path: path)
        return try await pool.transaction { connection in
            do {
                return try await AidApplications.record(rows.map(\.draft), from: path, campaign: campaign, by: operatorName, on: connection)
            } catch let error as AidError where error.code == .refused {
                // `row N: …`: the N-th draft, on the line it was read from.
                guard let match = error.message.firstMatch(of: /^row ([0-9]+): (.*)$/), let index = Int(match.1), rows.indices.contains(index - 1)
                else { throw error }
                let message = String(match.2)
                let column = message.hasPrefix("category") ? "category" : "member_id"
                throw RosterError(
                    code: .invalidRows, file: path,
                    problems: [RosterProblem(file: path, line: rows[index - 1].line, columnName: column, message: message)])
            }
        }
    }

    /// Reads and checks the whole file: its drafts with their lines, or every problem.
    public static func read(path: String) throws(RosterError) -> [(line: Int, draft: AidApplicationDraft)] {
        try CheckedCSVFile(columns: columns, noun: "application").read(
            path: path, problem: { problem(in: $0, file: path) }, value: { record in draft(from: record).map { (record.line, $0) } })
    }

    /// The first thing wrong with a record, at its column, or nil.
    static func problem(in record: CSVRecord, file: String) -> RosterProblem? {
        func at(_ column: String?, _ message: String) -> RosterProblem {
            RosterProblem(file: file, line: record.line, columnName: column, message: message)
        }
        if let malformation = record.malformation {
            return at(columns.indices.contains(malformation.field) ? columns[malformation.field] : nil, malformation.reason)
        }
        guard record.fields.count == columns.count else {
            return at(nil, "\(record.fields.count) fields; expected \(columns.count) (\(header))")
        }
        let fields = record.fields
        guard let amount = AidAmount.parse(fields[2]) else {
            return at("amount", "\(PrintableText.quoted(fields[2], limit: 40)) is not an amount: positive yuan with at most 2 decimals, such as 1200 or 800.50")
        }
        let problem = AidApplicationDraft.problem(
            memberID: fields[0], category: fields[1], amount: amount, statement: fields[3], evidence: Self.evidence(fields[4]))
        guard let problem else { return nil }
        let column = ["member": "member_id", "category": "category", "amount": "amount", "statement": "statement", "evidence": "evidence"][problem.field]
        return at(column, problem.message)
    }

    static func draft(from record: CSVRecord) -> AidApplicationDraft? {
        let fields = record.fields
        guard let amount = AidAmount.parse(fields[2]) else { return nil }
        return try? AidApplicationDraft(memberID: fields[0], category: fields[1], amount: amount, statement: fields[3], evidence: evidence(fields[4]))
    }

    /// `a.pdf; 2026-017` → `["a.pdf", "2026-017"]`.
    static func evidence(_ field: String) -> [String] {
        field.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }
}
