import BenefitCore

/// One thing wrong in a campaign file, with where it is: `FILE:LINE: PATH: MESSAGE`.
///
/// Problems are values rather than thrown one by one, because an operator
/// fixing a file wants the whole list at once, in file order, each pointing at
/// the line to edit and naming the key by its full path
/// (`execution.batchSize`, `parameters.amounts.4`).
public struct CampaignProblem: Sendable, Hashable, CustomStringConvertible {
    /// The file's name as the operator gave it, e.g. `campaigns/winter.yaml`.
    public let file: String
    /// The 1-based line the problem is on; for a missing key, the line of the block that lacks it.
    ///
    /// Zero when the definition did not come from a file (decoding a stored form).
    public let line: Int
    /// The key's path from the top of the campaign, keys joined by `.`, list items as `[0]`; empty for the file as a whole.
    public let path: String
    /// What is wrong, in one line, e.g. `expected attempts per job (a whole number), got "big"`.
    public let message: String

    /// Creates a problem.
    public init(file: String, line: Int, path: String, message: String) {
        self.file = file
        self.line = line
        self.path = path
        self.message = message
    }

    /// `FILE:LINE: PATH: MESSAGE`, or `FILE:LINE: MESSAGE` for the file as a whole
    /// (`FILE: MESSAGE` when there is no line), always one line, control characters escaped.
    public var description: String {
        let place = line > 0 ? "\(file):\(line)" : file
        return "\(PrintableText.escaping(place)): \(pathAndMessage)"
    }

    /// `PATH: MESSAGE`, or `MESSAGE` for the file as a whole, always one line: for a stored definition, which has no file or lines.
    ///
    /// Paths and messages quote what the author wrote, so their control
    /// characters are escaped (``PrintableText``): an ESC sequence in a key or a
    /// value must not reach the operator's terminal as itself.
    public var pathAndMessage: String {
        // Line breaks become spaces rather than escapes: one problem per line is
        // what makes the list readable and greppable.
        let oneLine = message.replacing("\r\n", with: " ").replacing("\n", with: " ")
        return PrintableText.escaping(path.isEmpty ? oneLine : "\(path): \(oneLine)")
    }
}

/// A campaign file that cannot be applied, with every problem found in it.
///
/// The file is rejected whole: nothing of it is valid enough to write, and the
/// list is complete, so fixing all of it yields a file that parses.
public struct CampaignFileError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Every problem, ordered by line; never empty.
    public let problems: [CampaignProblem]

    /// Creates the error; the problems are put in line order, keeping the order found within a line.
    public init(problems: [CampaignProblem]) {
        precondition(!problems.isEmpty, "a campaign file error needs at least one problem")
        // Sorting the indices keeps the sort stable: Swift's sort does not promise it.
        self.problems = problems.indices
            .sorted { (problems[$0].line, $0) < (problems[$1].line, $1) }
            .map { problems[$0] }
    }

    /// The problems of several files, each file's in line order, the files in the order given.
    init(files: [[CampaignProblem]]) {
        self.problems = files.filter { !$0.isEmpty }.flatMap { CampaignFileError(problems: $0).problems }
        precondition(!problems.isEmpty, "a campaign file error needs at least one problem")
    }

    /// One problem per line.
    public var description: String {
        problems.map(\.description).joined(separator: "\n")
    }
}
