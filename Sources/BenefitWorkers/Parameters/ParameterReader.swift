import BenefitCore
import BenefitQueue
import BenefitScheduler
import Foundation

/// What every program's parameter reader shares: the problems found so far,
/// by path, and readers for the value kinds campaign files use (mappings with
/// known keys, whole numbers, dates and lists of dates, names, choices from a
/// list such as employment types, flags).
///
/// Each reader records a problem and returns nil when the value is bad, so a
/// program's reader can go on and report every problem of a file at once.
/// Paths follow ``ParameterProblem``: keys joined by `.`, list items as `[i]`.
struct ParameterReader {
    private(set) var problems: [ParameterProblem] = []

    mutating func add(_ path: String, _ message: String) {
        problems.append(ParameterProblem(path: path, message: message))
    }

    /// `parent.key`, or `key` at the top of the block.
    static func path(_ parent: String, _ key: String) -> String {
        parent.isEmpty ? key : "\(parent).\(key)"
    }

    /// `block[key]`; when it is missing, nil and the problem `required: what` at `parent.key`.
    mutating func required(_ block: [String: JSONValue], _ key: String, in parent: String = "", what: String) -> JSONValue? {
        guard let value = block[key] else {
            add(Self.path(parent, key), "required: \(what)")
            return nil
        }
        return value
    }

    /// A mapping whose keys are all in `known`; every unknown key is a problem
    /// (the mapping is still returned, so its known keys are read too).
    mutating func mapping(_ value: JSONValue, at path: String, known: [String], example: String) -> [String: JSONValue]? {
        guard let block = value.objectValue else {
            add(path, "expected a mapping such as \(example), got \(value.kindDescription)")
            return nil
        }
        for key in block.keys.sorted() where !known.contains(key) {
            add(Self.path(path, key), ParameterProblem.unknownKeyMessage(key, known: known))
        }
        return block
    }

    /// A list, perhaps empty.
    mutating func list(_ value: JSONValue, at path: String, of what: String) -> [JSONValue]? {
        guard let list = value.arrayValue else {
            add(path, "expected a list of \(what), got \(value.canonicalText)")
            return nil
        }
        return list
    }

    /// A list with at least one element.
    mutating func nonEmptyList(_ value: JSONValue, at path: String, of what: String) -> [JSONValue]? {
        guard let list = value.arrayValue, !list.isEmpty else {
            add(path, "expected a non-empty list of \(what), got \(value.canonicalText)")
            return nil
        }
        return list
    }

    /// A whole number in `range`.
    mutating func wholeNumber(_ value: JSONValue, at path: String, in range: ClosedRange<Int>, what: String) -> Int? {
        guard let number = Self.wholeNumber(value) else {
            add(path, "expected \(what) (a whole number), got \(value.canonicalText)")
            return nil
        }
        guard range.contains(number) else {
            add(path, "\(number) is out of range: \(what) must be from \(range.lowerBound) to \(range.upperBound)")
            return nil
        }
        return number
    }

    /// A calendar date, `YYYY-MM-DD`.
    mutating func date(_ value: JSONValue, at path: String) -> CalendarDate? {
        guard let text = value.stringValue, let date = CalendarDate(text) else {
            add(path, "expected a date YYYY-MM-DD, got \(value.canonicalText)")
            return nil
        }
        return date
    }

    /// A list of distinct calendar dates, possibly empty; every bad or repeated item is a problem.
    mutating func distinctDates(_ value: JSONValue, at path: String) -> [CalendarDate]? {
        guard let list = value.arrayValue else {
            add(path, "expected a list of dates YYYY-MM-DD, got \(value.canonicalText)")
            return nil
        }
        var dates: [CalendarDate] = []
        var valid = true
        for (index, element) in list.enumerated() {
            guard let date = date(element, at: "\(path)[\(index)]") else {
                valid = false
                continue
            }
            if dates.contains(date) {
                add("\(path)[\(index)]", "\(date) is listed twice")
                valid = false
            }
            dates.append(date)
        }
        return valid ? dates : nil
    }

    /// A name: text of 1 to 200 characters, not only spaces.
    mutating func name(_ value: JSONValue, at path: String) -> String? {
        guard let text = value.stringValue, !text.allSatisfy(\.isWhitespace), text.count <= 200 else {
            add(path, "expected a name (1 to 200 characters), got \(value.canonicalText)")
            return nil
        }
        return text
    }

    /// `true` or `false`.
    mutating func flag(_ value: JSONValue, at path: String) -> Bool? {
        guard let flag = value.boolValue else {
            add(path, "expected true or false, got \(value.canonicalText)")
            return nil
        }
        return flag
    }

    /// A non-empty list of employment types, each once.
    mutating func employment(_ value: JSONValue, at path: String) -> [Member.Employment]? {
        distinctChoices(value, at: path, known: Member.Employment.allCases.map(\.rawValue), one: "employment type", many: "employment types")?
            .compactMap(Member.Employment.init(rawValue:))
    }

    /// A list of names from `known`, each at most once, non-empty unless `mayBeEmpty`;
    /// `one` and `many` name the kind in messages (`employment type`, `employment types`).
    mutating func distinctChoices(
        _ value: JSONValue, at path: String, known: [String], one: String, many: String, mayBeEmpty: Bool = false
    ) -> [String]? {
        let knownText = known.joined(separator: ", ")
        let what = "\(many) (\(knownText))"
        guard let list = mayBeEmpty ? list(value, at: path, of: what) : nonEmptyList(value, at: path, of: what) else { return nil }
        var choices: [String] = []
        var valid = true
        for (index, element) in list.enumerated() {
            guard let choice = element.stringValue, known.contains(choice) else {
                add("\(path)[\(index)]", "unknown \(one) \(element.canonicalText) (known: \(knownText))")
                valid = false
                continue
            }
            if choices.contains(choice) {
                add("\(path)[\(index)]", "\(choice) is listed twice")
                valid = false
            }
            choices.append(choice)
        }
        return valid ? choices : nil
    }

    /// A whole number, if `value` is one.
    static func wholeNumber(_ value: JSONValue?) -> Int? {
        guard let number = value?.numberValue, number == Yuan.rounded(number, scale: 0, .plain),
              number.magnitude < 1_000_000_000 else { return nil }
        return Int(truncating: number as NSDecimalNumber)
    }
}

extension ParameterReader {
    /// A run's parameters, read with the program's reader. The campaign was
    /// checked when applied, so problems here mean it was stored before a rule
    /// was added: no retry cures that, so the job fails permanently, naming them.
    static func stored<Parameters>(
        _ run: RunContext, program: String,
        _ read: (JSONValue) -> (parameters: Parameters?, problems: [ParameterProblem])
    ) throws -> Parameters {
        try stored(run.parameters, campaign: run.campaign, program: program, read)
    }

    /// A campaign's stored parameters, read with the program's reader; see ``stored(_:program:_:)``.
    static func stored<Parameters>(
        _ parameters: JSONValue, campaign: String, program: String,
        _ read: (JSONValue) -> (parameters: Parameters?, problems: [ParameterProblem])
    ) throws -> Parameters {
        let (parameters, problems) = read(parameters)
        guard let parameters else {
            throw PermanentFailure("\(program): campaign \(campaign) has bad parameters: "
                + problems.map(\.description).joined(separator: "; "))
        }
        return parameters
    }
}
