import BenefitCore

/// One thing wrong in a roster file (or another CSV file an import reads, such
/// as hardship-aid applications), with where it is: `FILE:LINE: COLUMN: MESSAGE`.
///
/// An operator fixing a spreadsheet export wants to jump to the line and the
/// column, so both are always given when they are known; the line is the one a
/// record starts on, even when a quoted field spans several.
public struct RosterProblem: Sendable, Hashable, CustomStringConvertible {
    /// The file's name as the operator gave it.
    public let file: String
    /// The 1-based line the record starts on.
    public let line: Int
    /// The roster column at fault; nil for the file or the record as a whole, or another file's column.
    public let column: RosterColumn?
    /// The column at fault by its header name, whatever the file; nil for the record as a whole.
    public let columnName: String?
    /// What is wrong, in one line, quoting the offending value.
    public let message: String

    /// Creates a problem.
    public init(file: String, line: Int, column: RosterColumn?, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.columnName = column?.rawValue
        self.message = message
    }

    /// A problem in another CSV file than the roster, its column named as its header names it.
    public init(file: String, line: Int, columnName: String?, message: String) {
        self.file = file
        self.line = line
        self.column = nil
        self.columnName = columnName
        self.message = message
    }

    /// `FILE:LINE: COLUMN: MESSAGE`, or `FILE:LINE: MESSAGE`, always one line, control characters escaped.
    public var description: String {
        // Values quoted in messages may hold line breaks (a quoted name spanning
        // lines); one problem per output line keeps the list greppable.
        let oneLine = message.replacing("\r", with: " ").replacing("\n", with: " ")
        guard let columnName else { return PrintableText.escaping("\(file):\(line): \(oneLine)") }
        return PrintableText.escaping("\(file):\(line): \(columnName): \(oneLine)")
    }

    /// A value as messages quote it: in double quotes, cut at 40 characters, control characters escaped.
    static func quoted(_ value: String) -> String {
        PrintableText.quoted(value, limit: 40)
    }
}

/// Why a roster could not be read or imported.
///
/// A roster is imported whole or not at all, so every failure ends the import
/// with nothing written; `problems` lists what to fix, in line order.
public struct RosterError: Error, Sendable, CustomStringConvertible {
    /// What went wrong, as a small set of codes; more may be added without breaking callers.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        enum Base: String, Sendable {
            case unreadable, badHeader, invalidRows, refusedByDatabase, tooManyLeaving
        }
        let base: Base
        private init(_ base: Base) { self.base = base }

        /// The file could not be opened or read.
        public static let unreadable = Code(.unreadable)
        /// The first line is not the roster header.
        public static let badHeader = Code(.badHeader)
        /// Some records are malformed or break a rule; see `problems`.
        public static let invalidRows = Code(.invalidRows)
        /// The database refused the rows although they passed validation (a constraint this reader does not know).
        public static let refusedByDatabase = Code(.refusedByDatabase)
        /// A complete roster would make more members leave than the import allows: likely the wrong file.
        public static let tooManyLeaving = Code(.tooManyLeaving)

        public var description: String { base.rawValue }
    }

    /// How many problems are kept to show; the rest are only counted.
    ///
    /// A file with a systematic mistake (a shifted column) has a problem on every
    /// line: fifty show the pattern, a million would only bury it.
    public static let shownProblems = 50

    public let code: Code
    /// The file's name as the operator gave it.
    public let file: String
    /// The first ``shownProblems`` problems, in line order.
    public let problems: [RosterProblem]
    /// Every problem found, including those not kept in `problems`.
    public let problemCount: Int
    /// For errors without problems (unreadable file, database refusal): what happened.
    public let reason: String?

    init(code: Code, file: String, problems: [RosterProblem] = [], problemCount: Int? = nil, reason: String? = nil) {
        self.code = code
        self.file = file
        self.problems = problems
        self.problemCount = problemCount ?? problems.count
        self.reason = reason
    }

    /// The file could not be opened or read on, for `error`'s reason.
    static func unreadable(_ file: String, _ error: any Error) -> RosterError {
        RosterError(code: .unreadable, file: file, reason: "cannot read: \(FileFailure.reason(error, file: file))")
    }

    /// The problems, one per line, then `… and N more problems` when some were not kept.
    public var problemLines: [String] {
        var lines = problems.map(\.description)
        let more = problemCount - problems.count
        if more > 0 { lines.append("… and \(more) more problem\(more == 1 ? "" : "s")") }
        return lines
    }

    /// One line saying what happened and that nothing was written.
    public var summary: String {
        switch code.base {
        case .invalidRows: "\(problemCount) problem\(problemCount == 1 ? "" : "s") in \(file); nothing was imported"
        case .badHeader, .unreadable, .refusedByDatabase, .tooManyLeaving: "\(file): \(reason ?? code.description); nothing was imported"
        }
    }

    public var description: String {
        (problemLines + [summary]).joined(separator: "\n")
    }
}
