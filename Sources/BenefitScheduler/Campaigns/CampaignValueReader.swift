import BenefitCore
import Foundation
import PostgresClient

/// Reads typed values out of a campaign's ``SourceValue`` tree, recording a ``CampaignProblem`` for each value that does not fit.
///
/// One reader serves the whole file: the engine reads the top-level fields
/// with it and hands it to the program's ``ProgramParameterValidator`` for the
/// `parameters` block, so a mistake is worded the same whichever layer owns the
/// field, and each problem is recorded with its path and line when found.
/// Programs read their stored parameters at run time with it too (see
/// ``readStored(_:campaign:program:_:)``).
///
/// Every method reports what is wrong and returns `nil`, never throws, so that
/// a reader can go on through the whole file and report every problem in it.
/// Messages have one shape per kind of mistake: `expected WHAT, got WRITTEN`
/// for a value of the wrong kind, `WRITTEN is out of range: WHAT must be from
/// A to B`, `required: WHAT`, `unknown key (did you mean KEY?)`, `WRITTEN is
/// already listed at PATH`.
public struct CampaignValueReader: Sendable {
    /// The file's name as problems show it.
    public let file: String
    /// The problems found so far, in the order found.
    public private(set) var problems: [CampaignProblem] = []

    /// A reader with no problem yet, for the file problems are reported against.
    public init(file: String) {
        self.file = file
    }

    /// Records a problem with a value, at its path and line; nothing for a value refused as it was read, whose problem is recorded.
    public mutating func add(_ message: String, at value: SourceValue) {
        guard !value.isRefused else { return }
        add(message, at: value.path, line: value.line)
    }

    /// Records a problem at a key path and line: for a key that is missing, or a file that is not a tree of values yet.
    mutating func add(_ message: String, at path: String, line: Int) {
        problems.append(CampaignProblem(file: file, line: line, path: path, message: message))
    }

    // MARK: Mappings

    /// The value as a mapping with any keys; `what` says what it maps, as in `expected a mapping of WHAT`.
    public mutating func mapping(_ value: SourceValue, of what: String) -> SourceBlock? {
        guard case .mapping(let entries) = value.content else {
            add("expected a mapping of \(what), got \(value.gotDescription)", at: value)
            return nil
        }
        return SourceBlock(value: value, entries: entries)
    }

    /// The value as a mapping of the allowed keys; each other key is reported, with a suggestion when it is a near miss.
    ///
    /// Unknown keys are errors rather than ignored because a misspelt optional
    /// key (`batchsize: 50`) would otherwise silently leave the default in force.
    ///
    /// - Parameter example: A sample of the mapping, shown when the value is not one.
    public mutating func block(_ value: SourceValue, keys: [String], example: String? = nil) -> SourceBlock? {
        let what = keys.joined(separator: ", ") + (example.map { " (such as \($0))" } ?? "")
        guard let block = mapping(value, of: what) else { return nil }
        for (key, entry) in block.entries where !keys.contains(key) {
            add(Self.unknownKeyMessage(key, known: keys), at: entry)
        }
        return block
    }

    /// The value of a required key, or a `required` problem at the block's line.
    ///
    /// - Parameter what: What the key should hold, for the author who left it out.
    public mutating func required(_ key: String, in block: SourceBlock, what: String) -> SourceValue? {
        guard let value = block[key] else {
            missing(key, in: block.value, what: what)
            return nil
        }
        return value
    }

    /// Records that the mapping `parent` lacks `key`, at the mapping's line (the key has none).
    public mutating func missing(_ key: String, in parent: SourceValue, what: String) {
        add("required: \(what)", at: SourceValue.path(parent.path, key: key), line: parent.line)
    }

    /// The message for a key a block does not allow: a suggestion for a near miss, otherwise the keys it does allow.
    ///
    /// A near miss differs only in letter case, `-` or `_` (`batchsize`,
    /// `batch_size`, `catch-up`), the usual slips of authors used to other
    /// naming conventions.
    static func unknownKeyMessage(_ key: String, known: [String]) -> String {
        func folded(_ text: String) -> String {
            text.lowercased().filter { $0 != "-" && $0 != "_" }
        }
        if known.isEmpty {
            return "unknown key (this block takes none)"
        }
        if let suggestion = known.first(where: { folded($0) == folded(key) }) {
            return "unknown key (did you mean \(suggestion)?)"
        }
        return "unknown key (known keys: \(known.joined(separator: ", ")))"
    }

    // MARK: Scalars

    /// Any non-null scalar, as written: a text field takes `2026` or `true` as the text `2026` or `true`.
    public mutating func text(_ value: SourceValue) -> String? {
        switch value.content {
        case .string, .number, .bool:
            return value.text
        case .null, .list, .mapping:
            add("expected text, got \(value.gotDescription)", at: value)
            return nil
        }
    }

    /// Any non-null scalar as written, as ``text(_:)``, of at most `maximumLength` characters.
    public mutating func text(_ value: SourceValue, maximumLength: Int) -> String? {
        guard let text = text(value) else { return nil }
        if let problem = StorableText.problem(text, maximumLength: maximumLength) {
            add(problem, at: value)
            return nil
        }
        return text
    }

    /// A name: text of 1 to 200 characters (as PostgreSQL counts them), not only spaces.
    ///
    /// Only a string is a name: a number would be stored as a number, and read
    /// back in its canonical form (`1.50` as `1.5`), a different name.
    public mutating func name(_ value: SourceValue) -> String? {
        guard case .string(let text) = value.content, StorableText.nonBlankProblem(text, maximumLength: 200) == nil else {
            add("expected a name (1 to 200 characters), got \(value.gotDescription)", at: value)
            return nil
        }
        return text
    }

    /// `true` or `false`.
    public mutating func flag(_ value: SourceValue) -> Bool? {
        guard case .bool(let flag) = value.content else {
            add("expected true or false, got \(value.gotDescription)", at: value)
            return nil
        }
        return flag
    }

    /// A whole number in `range`; `what` names it in messages (`the session's places`).
    public mutating func wholeNumber(_ value: SourceValue, in range: ClosedRange<Int>, what: String) -> Int? {
        // A number too large for a Decimal is out of any range too.
        if value.isOutsizedNumber {
            outOfRange(value, what: what, from: "\(range.lowerBound)", to: "\(range.upperBound)")
            return nil
        }
        guard let digits = value.wholeNumberDigits else {
            add("expected \(what) (a whole number), got \(value.gotDescription)", at: value)
            return nil
        }
        // A whole number too large for an Int is out of any range too.
        guard let number = Int(digits), range.contains(number) else {
            outOfRange(value, what: what, from: "\(range.lowerBound)", to: "\(range.upperBound)")
            return nil
        }
        return number
    }

    /// A duration such as `10s`, `1m30s` or `500ms` (see ``DurationText``), in `range`.
    public mutating func duration(_ value: SourceValue, in range: ClosedRange<Duration>, what: String) -> Duration? {
        let written = value.text.flatMap { text -> Duration? in
            if case .string = value.content { DurationText.parse(text) } else { nil }
        }
        guard let duration = written else {
            let hint = if case .number = value.content { " (add a unit: ms, s, m, h or d)" } else { "" }
            add("expected a duration such as 10s, 5m or 1h, got \(value.gotDescription)\(hint)", at: value)
            return nil
        }
        guard range.contains(duration) else {
            outOfRange(value, what: what, from: DurationText.format(range.lowerBound), to: DurationText.format(range.upperBound))
            return nil
        }
        return duration
    }

    /// Records that a value of the right kind lies outside its bounds: `WRITTEN is out of range: WHAT must be from LOWER to UPPER`.
    public mutating func outOfRange(_ value: SourceValue, what: String, from lower: String, to upper: String) {
        add("\(value.text ?? value.gotDescription) is out of range: \(what) must be from \(lower) to \(upper)", at: value)
    }

    /// One of a fixed set of words, e.g. `latest` for `catchUp`.
    public mutating func choice<Choice: CaseIterable & RawRepresentable<String>>(_ value: SourceValue, as _: Choice.Type) -> Choice? {
        choice(value, among: Choice.allCases.map(\.rawValue)).flatMap(Choice.init(rawValue:))
    }

    /// One of `allowed`; a word differing only in letter case gets a suggestion.
    public mutating func choice(_ value: SourceValue, among allowed: [String]) -> String? {
        if case .string(let word) = value.content, allowed.contains(word) {
            return word
        }
        var message = "expected one of \(allowed.joined(separator: ", ")), got \(value.gotDescription)"
        if let word = value.text, let suggestion = allowed.first(where: { $0.lowercased() == word.lowercased() }) {
            message += " (did you mean \(suggestion)?)"
        }
        add(message, at: value)
        return nil
    }

    /// A calendar day written `YYYY-MM-DD`.
    public mutating func calendarDate(_ value: SourceValue) -> CalendarDate? {
        guard case .string(let text) = value.content, let date = CalendarDate(text) else {
            add("expected a date of the form YYYY-MM-DD, got \(value.gotDescription)", at: value)
            return nil
        }
        return date
    }
}
