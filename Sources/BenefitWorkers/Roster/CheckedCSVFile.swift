import BenefitCore
import Foundation

/// An operator's CSV file read all or nothing, as the roster is: a fixed header,
/// then records each checked; every problem is named by line and column (the
/// first ``RosterError/shownProblems`` shown, all counted), and nothing is
/// returned unless every record is sound. The org-unit register and aid
/// applications are read through it.
struct CheckedCSVFile {
    /// The header's column names, in order.
    let columns: [String]
    /// What a record is, for the refusal of a file with none: `org unit`, `application`.
    let noun: String

    var header: String { columns.joined(separator: ",") }

    /// Reads the file at `path`: checks the header, then each record with
    /// `problem`; once a problem is found, records are only checked. Returns
    /// `value` of each record (those it makes nil of are left out) when none had
    /// a problem.
    func read<Value>(
        path file: String, problem: (CSVRecord) -> RosterProblem?, value: (CSVRecord) -> Value?
    ) throws(RosterError) -> [Value] {
        var records: CSVRecordReader
        do {
            records = try CSVRecordReader(path: file)
        } catch {
            throw .unreadable(file, error)
        }
        func next() throws(RosterError) -> CSVRecord? {
            do {
                return try records.next()
            } catch {
                throw .unreadable(file, error)
            }
        }
        guard let first = try next() else {
            throw RosterError(code: .badHeader, file: file, reason: "the file is empty; it starts with the header \(header)")
        }
        guard first.malformation == nil, first.fields == columns else {
            throw RosterError(
                code: .badHeader, file: file,
                reason: "line \(first.line) must be the header \(header) (exactly, in this order); found \(PrintableText.quoted(first.fields.joined(separator: ","), limit: 40))")
        }
        var values: [Value] = []
        var problems: [RosterProblem] = []
        var problemCount = 0
        while let record = try next() {
            if let found = problem(record) {
                problemCount += 1
                if problems.count < RosterError.shownProblems { problems.append(found) }
            } else if problemCount == 0, let made = value(record) {
                values.append(made)
            }
        }
        if problemCount > 0 { throw RosterError(code: .invalidRows, file: file, problems: problems, problemCount: problemCount) }
        if values.isEmpty { throw RosterError(code: .invalidRows, file: file, reason: "no \(noun) after the header") }
        return values
    }
}
