import BenefitCore
import Foundation

/// The problems found so far in one file.
struct ProblemList: Sendable {
    /// The file's name as problems show it.
    let file: String
    private(set) var problems: [CampaignProblem] = []

    init(file: String) {
        self.file = file
    }

    /// Records a problem at a key path and line.
    mutating func add(_ message: String, at path: String, line: Int) {
        problems.append(CampaignProblem(file: file, line: line, path: path, message: message))
    }
}

/// One mapping of a campaign file whose keys were checked against those the block allows.
struct SourceBlock {
    /// The block's path, e.g. `schedule`; empty for the top of the file.
    let path: String
    /// The line of the block's key, where a missing key is reported.
    let line: Int
    private let values: [String: SourceValue]

    init(path: String, line: Int, values: [String: SourceValue]) {
        self.path = path
        self.line = line
        self.values = values
    }

    /// The value of a key the block allows, if written.
    subscript(key: String) -> SourceValue? {
        values[key]
    }

    /// The path of a key of this block, e.g. `schedule.timezone`.
    func path(of key: String) -> String {
        SourceReader.path(path, key)
    }
}

/// Reads typed values out of a ``SourceValue`` tree, recording a problem for each value that does not fit.
///
/// Every method reports what is wrong and returns `nil`, never throws, so that
/// a reader can go on through the whole file and report every problem in it.
struct SourceReader {
    var problems: ProblemList

    /// `parent.key`, or `key` at the top.
    static func path(_ parent: String, _ key: String) -> String {
        parent.isEmpty ? key : "\(parent).\(key)"
    }

    /// The value as a mapping with only the allowed keys; each other key is reported, with a suggestion when it is a near miss.
    ///
    /// Unknown keys are errors rather than ignored because a misspelt optional
    /// key (`batchsize: 50`) would otherwise silently leave the default in force.
    mutating func block(_ value: SourceValue, path: String, keys: [String]) -> SourceBlock? {
        guard case .mapping(let entries) = value.content else {
            problems.add("expected a mapping of \(keys.joined(separator: ", ")), got \(value.gotDescription)", at: path, line: value.line)
            return nil
        }
        var values: [String: SourceValue] = [:]
        for entry in entries {
            if keys.contains(entry.key) {
                values[entry.key] = entry.value
            } else {
                problems.add(ParameterProblem.unknownKeyMessage(entry.key, known: keys), at: Self.path(path, entry.key), line: entry.value.line)
            }
        }
        return SourceBlock(path: path, line: value.line, values: values)
    }

    /// The value of a required key, or a `required` problem at the block's line.
    mutating func required(_ key: String, in block: SourceBlock) -> SourceValue? {
        guard let value = block[key] else {
            problems.add("required", at: block.path(of: key), line: block.line)
            return nil
        }
        return value
    }

    /// Any non-null scalar, as written: a text field takes `2026` or `true` as the text `2026` or `true`.
    mutating func text(_ value: SourceValue, path: String) -> String? {
        switch value.content {
        case .string, .number, .bool:
            return value.text
        case .null, .list, .mapping:
            problems.add("expected text, got \(value.gotDescription)", at: path, line: value.line)
            return nil
        }
    }

    /// A whole number in `range`.
    mutating func integer(_ value: SourceValue, path: String, in range: ClosedRange<Int>) -> Int? {
        // A whole number's canonical text has no decimal point; `Int(_:)` then reads it exactly, or not at all if it is huge.
        guard case .number(let number) = value.content, case let digits = JSONValue.canonicalNumberText(number), !digits.contains(".")
        else {
            problems.add("expected an integer, got \(value.gotDescription)", at: path, line: value.line)
            return nil
        }
        guard let integer = Int(digits), range.contains(integer) else {
            problems.add("must be from \(range.lowerBound) to \(range.upperBound), got \(digits)", at: path, line: value.line)
            return nil
        }
        return integer
    }

    /// A duration such as `10s`, `1m30s` or `500ms` (see ``DurationText``), in `range`.
    mutating func duration(_ value: SourceValue, path: String, in range: ClosedRange<Duration>) -> Duration? {
        let written = value.text.flatMap { text -> Duration? in
            if case .string = value.content { DurationText.parse(text) } else { nil }
        }
        guard let duration = written else {
            let hint = if case .number = value.content { " (add a unit: ms, s, m, h or d)" } else { "" }
            problems.add("expected a duration such as 10s, 5m or 1h, got \(value.gotDescription)\(hint)", at: path, line: value.line)
            return nil
        }
        guard range.contains(duration) else {
            problems.add(
                "must be from \(DurationText.format(range.lowerBound)) to \(DurationText.format(range.upperBound)), got \(value.text ?? "")",
                at: path, line: value.line)
            return nil
        }
        return duration
    }

    /// One of a fixed set of words, e.g. `latest` for `catchUp`; a word differing only in letter case gets a suggestion.
    mutating func choice<Choice: CaseIterable & RawRepresentable<String>>(_ value: SourceValue, path: String, as _: Choice.Type) -> Choice? {
        let allowed = Choice.allCases.map(\.rawValue)
        if case .string(let word) = value.content, let choice = Choice(rawValue: word) {
            return choice
        }
        var message = "expected one of \(allowed.joined(separator: ", ")), got \(value.gotDescription)"
        if let word = value.text, let suggestion = allowed.first(where: { $0.lowercased() == word.lowercased() }) {
            message += " (did you mean \(suggestion)?)"
        }
        problems.add(message, at: path, line: value.line)
        return nil
    }

    /// A calendar day written `YYYY-MM-DD`.
    mutating func calendarDate(_ value: SourceValue, path: String) -> CalendarDate? {
        guard case .string(let text) = value.content else {
            problems.add("expected a date of the form YYYY-MM-DD, got \(value.gotDescription)", at: path, line: value.line)
            return nil
        }
        guard let date = CalendarDate(text) else {
            problems.add(ScheduleError.invalidCalendarDate(text).messages.joined(separator: "; "), at: path, line: value.line)
            return nil
        }
        return date
    }
}
