import BenefitCore
import Foundation

/// A valid roster record: the member, and the line it starts on.
public struct RosterRow: Sendable {
    public let line: Int
    public let member: Member
    /// The record's fields as written, which the import sends on unchanged.
    let fields: [String]
}

/// Reads a roster CSV file one member at a time, checking every record as it goes.
///
/// The file is streamed (see ``CSVRecordReader``): memory holds one chunk, and
/// one set of the member numbers seen so far, which a duplicate check cannot do
/// without. Invalid records are not returned: they are recorded in ``problems``
/// (the first ``RosterError/shownProblems``) and ``problemCount``, and reading
/// goes on, so one pass finds every problem in the file.
public struct RosterReader {
    /// The file's name as the operator gave it.
    public let file: String
    private var records: CSVRecordReader
    private let validator: MemberRowValidator
    /// Each member number seen, with the line it was first on.
    private var firstLines: [String: Int] = [:]
    /// The first problems found, in line order.
    public private(set) var problems: [RosterProblem] = []
    /// How many problems were found, including those not kept.
    public private(set) var problemCount = 0
    /// How many records were read (valid or not), not counting the header.
    public private(set) var recordCount = 0

    /// Opens a roster file and checks its header.
    ///
    /// - Parameter today: Birth dates after this day are refused; the import passes the local date.
    /// - Throws: ``RosterError`` (`.unreadable`, `.badHeader`).
    public init(path: String, today: CalendarDate) throws(RosterError) {
        let records: CSVRecordReader
        let size: Int
        do {
            records = try CSVRecordReader(path: path)
            size = (try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        } catch {
            throw RosterError(code: .unreadable, file: path, reason: "cannot read: \(FileFailure.reason(error, file: path))")
        }
        try self.init(file: path, records: records, today: today)
        // Records run 80 to 120 bytes: sizing the duplicate check up front spares
        // rehashing it twenty times on the way to a million members.
        firstLines.reserveCapacity(Swift.min(size / 80, 20_000_000))
    }

    /// A reader over records from any source (tests read from memory); checks the header.
    public init(file: String, records: CSVRecordReader, today: CalendarDate) throws(RosterError) {
        self.file = file
        self.records = records
        self.validator = MemberRowValidator(today: today, file: file)
        let header: CSVRecord?
        do {
            header = try self.records.next()
        } catch {
            throw RosterError(code: .unreadable, file: file, reason: "cannot read: \(FileFailure.reason(error, file: file))")
        }
        guard let header else {
            throw RosterError(code: .badHeader, file: file, reason: "the file is empty; a roster starts with the header \(RosterColumn.header)")
        }
        guard header.malformation == nil, header.fields == RosterColumn.allCases.map(\.rawValue) else {
            let found = header.fields.joined(separator: ",")
            throw RosterError(
                code: .badHeader, file: file,
                reason: "line \(header.line) must be the header \(RosterColumn.header) (exactly, in this order); found \(RosterProblem.quoted(found))")
        }
    }

    /// The next valid member, or nil at the end of the file; invalid records are recorded and skipped.
    ///
    /// - Throws: ``RosterError`` with code `.unreadable` when reading fails midway.
    public mutating func next() throws(RosterError) -> RosterRow? {
        while true {
            let record: CSVRecord?
            do {
                record = try records.next()
            } catch {
                throw RosterError(code: .unreadable, file: file, reason: "cannot read: \(FileFailure.reason(error, file: file))")
            }
            guard let record else { return nil }
            recordCount += 1
            var (member, found) = validator.member(from: record)
            // A member number is checked for repeats even on an otherwise bad record,
            // so fixing that record cannot reveal a duplicate only on the next run.
            if let memberID = record.fields.first, record.malformation == nil, !memberID.isEmpty {
                if let first = firstLines[memberID] {
                    found.append(RosterProblem(
                        file: file, line: record.line, column: .memberID,
                        message: "\(RosterProblem.quoted(memberID)) is already on line \(first)"))
                    member = nil
                } else {
                    firstLines[memberID] = record.line
                }
            }
            if let member, found.isEmpty { return RosterRow(line: record.line, member: member, fields: record.fields) }
            // In column order, as the operator reads the line; the offset keeps the sort stable.
            let position = { (problem: RosterProblem) in problem.column.flatMap(RosterColumn.allCases.firstIndex) ?? -1 }
            found = found.enumerated()
                .sorted { (position($0.element), $0.offset) < (position($1.element), $1.offset) }
                .map(\.element)
            problemCount += found.count
            problems += found.prefix(RosterError.shownProblems - problems.count)
        }
    }

    /// The error for the problems found so far, or nil if there are none.
    public var rejection: RosterError? {
        problemCount == 0 ? nil : RosterError(code: .invalidRows, file: file, problems: problems, problemCount: problemCount)
    }
}
