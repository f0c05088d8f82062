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
/// a hash of each member number seen (``SeenHashes``, about 12 bytes a member),
/// which a duplicate check cannot do without. Invalid records are not returned:
/// they are recorded in ``problems`` (the first ``RosterError/shownProblems``)
/// and ``problemCount``, and reading goes on, so one pass finds every problem in
/// the file.
///
/// Repeated member numbers are known for sure only at the end: a hash seen twice
/// makes its number a candidate, and when the file ends with candidates, they are
/// confirmed against the numbers themselves in a second pass over the file,
/// which adds a problem for each repeat. So a record whose number repeats an
/// earlier one is returned like a valid one, and the file's ``rejection`` names
/// it once the reading is over (the import then aborts its COPY).
public struct RosterReader {
    /// The file's name as the operator gave it.
    public let file: String
    private var records: CSVRecordReader
    /// The records again from the start, for the second pass.
    private let reopen: () throws -> CSVRecordReader
    private let validator: MemberRowValidator
    /// The hash of every member number seen.
    private var seen: SeenHashes
    /// Hashes seen more than once: their numbers may repeat.
    private var repeatedHashes: Set<UInt64> = []
    private var repeatsChecked = false
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
        let size: Int
        do {
            size = (try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        } catch {
            throw .unreadable(path, error)
        }
        // Records run 80 to 120 bytes: sizing the duplicate check up front spares
        // growing it on the way to millions of members.
        try self.init(file: path, today: today, expectedRecords: Swift.min(size / 80, 20_000_000)) {
            try CSVRecordReader(path: path)
        }
    }

    /// A reader over records from any source (tests read from memory); checks the header.
    ///
    /// - Parameter open: Opens the records from the start; called once, and once
    ///   more when member numbers may repeat.
    public init(
        file: String, today: CalendarDate, expectedRecords: Int = 1_024, open: @escaping () throws -> CSVRecordReader
    ) throws(RosterError) {
        self.file = file
        self.reopen = open
        self.validator = MemberRowValidator(today: today, file: file)
        self.seen = SeenHashes(expected: expectedRecords)
        let header: CSVRecord?
        do {
            self.records = try open()
            header = try self.records.next()
        } catch {
            throw .unreadable(file, error)
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
                throw .unreadable(file, error)
            }
            guard let record else {
                try checkRepeats()
                return nil
            }
            recordCount += 1
            let (member, found) = validator.member(from: record)
            // A member number is checked for repeats even on an otherwise bad record,
            // so fixing that record cannot reveal a duplicate only on the next run.
            if let memberID = Self.memberID(of: record) {
                let hash = Self.hash(memberID)
                if !seen.insert(hash) { repeatedHashes.insert(hash) }
            }
            if let member, found.isEmpty { return RosterRow(line: record.line, member: member, fields: record.fields) }
            problemCount += found.count
            problems += Self.inReadingOrder(found).prefix(RosterError.shownProblems - problems.count)
        }
    }

    /// The second pass, when hashes repeated: each record whose member number is
    /// on an earlier line is a problem, in line order, merged into ``problems``.
    private mutating func checkRepeats() throws(RosterError) {
        guard !repeatedHashes.isEmpty, !repeatsChecked else { return }
        repeatsChecked = true
        var firstLines: [String: Int] = [:]
        var repeats: [RosterProblem] = []
        var repeatCount = 0
        do {
            var records = try reopen()
            _ = try records.next()  // the header, checked by the first pass
            while let record = try records.next() {
                guard let memberID = Self.memberID(of: record), repeatedHashes.contains(Self.hash(memberID)) else { continue }
                guard let first = firstLines[memberID] else {
                    firstLines[memberID] = record.line
                    continue
                }
                repeatCount += 1
                if repeats.count < RosterError.shownProblems {
                    repeats.append(RosterProblem(
                        file: file, line: record.line, column: .memberID,
                        message: "\(RosterProblem.quoted(memberID)) is already on line \(first)"))
                }
            }
        } catch {
            throw .unreadable(file, error)
        }
        guard repeatCount > 0 else { return }
        problemCount += repeatCount
        // Both lists are in line order and each holds the first of its kind, so the
        // first of the two together are the file's first problems.
        problems = Array(Self.inReadingOrder(problems + repeats).prefix(RosterError.shownProblems))
    }

    /// The member number a record's repeats are judged by, if it has one.
    private static func memberID(of record: CSVRecord) -> String? {
        guard record.malformation == nil, let memberID = record.fields.first, !memberID.isEmpty else { return nil }
        return memberID
    }

    private static func hash(_ memberID: String) -> UInt64 {
        var hasher = Hasher()
        hasher.combine(memberID)
        return UInt64(bitPattern: Int64(hasher.finalize()))
    }

    /// By line, then in column order, as the operator reads a line; the offset keeps the sort stable.
    private static func inReadingOrder(_ found: [RosterProblem]) -> [RosterProblem] {
        let position = { (problem: RosterProblem) in problem.column.flatMap(RosterColumn.allCases.firstIndex) ?? -1 }
        return found.enumerated()
            .sorted { ($0.element.line, position($0.element), $0.offset) < ($1.element.line, position($1.element), $1.offset) }
            .map(\.element)
    }

    /// The error for the problems found so far, or nil if there are none.
    public var rejection: RosterError? {
        problemCount == 0 ? nil : RosterError(code: .invalidRows, file: file, problems: problems, problemCount: problemCount)
    }
}
