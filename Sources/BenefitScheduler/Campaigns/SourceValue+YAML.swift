import Foundation
import PostgresClient
import Yams

extension SourceValue {
    /// How many values one file may expand to; far above any real campaign.
    ///
    /// YAML aliases let a few lines stand for an exponential number of values
    /// (`&a [*b, *b, …]` nested ten deep), and the reader walks the expanded
    /// tree; this bound turns such a file into one problem instead of a hang.
    static let maximumValueCount = 100_000

    /// Reads a campaign file's YAML text into a tree, or reports why it cannot be read.
    ///
    /// Scalars are typed by the YAML 1.2 core schema, as JSON-minded authors
    /// expect: `null`, `~` or nothing is null; `true` and `false` (in any of
    /// their three spellings) are booleans; decimal numbers are numbers; every
    /// other scalar is text. So the YAML 1.1 readings Yams' resolver would
    /// give (`no` as false, `0x1F` and `010` as numbers, `9:30` as 570) do not
    /// happen: those stay text. Quoted scalars are always text.
    ///
    /// A file holds one campaign; a second non-empty document (after `---`) is
    /// a problem, because `campaign apply` maps files to campaigns one to one
    /// and a change to one campaign should be a change to one file.
    ///
    /// A key written twice in one mapping is reported at its second occurrence
    /// (see ``RepeatedKeys``).
    ///
    /// - Returns: The first document's tree, or `nil` if the file could not be read (the reason is in `reader`'s problems).
    static func readYAML(_ text: String, reader: inout CampaignValueReader) -> SourceValue? {
        var repeatedKeys = RepeatedKeys()
        let documents: [Node]
        do {
            // Reading stops at a second document that holds anything: it is refused below.
            documents = try repeatedKeys.compose(text) { $0.dropFirst().contains { !isEmptyDocument($0) } }
        } catch {
            let (line, message) = describe(error, in: text)
            reader.add(message, at: "", line: line)
            return nil
        }
        if let second = documents.dropFirst().first(where: { !isEmptyDocument($0) }) {
            reader.add(
                "a campaign file holds one campaign, but a second document starts here; put each campaign in its own file",
                at: "", line: second.mark?.line ?? 1)
        }
        guard let root = documents.first, !isEmptyDocument(root) else {
            reader.add("the file holds no campaign", at: "", line: 1)
            return nil
        }
        var context = Context(repeatedKeys: repeatedKeys)
        return SourceValue(yaml: root, line: root.mark?.line ?? 1, path: "", reader: &reader, context: &context)
    }

    /// What converting one file's tree carries from node to node.
    private struct Context {
        /// The keys renamed to compose the file, to be given their names back.
        let repeatedKeys: RepeatedKeys
        /// How many more values the file may expand to (see ``maximumValueCount``).
        var budget = maximumValueCount
    }

    /// Converts one node and, recursively, its children; a value in a mapping gets its key's line.
    ///
    /// A scalar PostgreSQL cannot store (one holding U+0000, which YAML's `\0`
    /// escape writes) is reported here, where its line is known, and marked
    /// refused so that no reader reports it again.
    private init?(yaml node: Node, line: Int, path: String, reader: inout CampaignValueReader, context: inout Context) {
        context.budget -= 1
        guard context.budget >= 0 else {
            if context.budget == -1 {
                reader.add("the file expands to more than \(Self.maximumValueCount) values; are aliases (*name) repeating a large block?", at: path, line: line)
            }
            return nil
        }
        switch node {
        case .scalar(let scalar):
            let problem = StorableText.unstorableCharacterProblem(scalar.string)
            if let problem { reader.add(problem, at: path, line: line) }
            let content = Self.content(ofScalar: scalar.string, tag: node.tag.rawValue)
            self.init(
                content: content, text: scalar.string, line: line, path: path, isRefused: problem != nil,
                isOutsizedNumber: Self.isOutsizedNumber(content, tag: node.tag.rawValue))
        case .sequence(let sequence):
            var items: [SourceValue] = []
            for (index, item) in sequence.enumerated() {
                let itemLine = item.mark?.line ?? line
                guard let value = SourceValue(yaml: item, line: itemLine, path: Self.path(path, index: index), reader: &reader, context: &context)
                else { return nil }
                items.append(value)
            }
            self.init(content: .list(items), text: nil, line: line, path: path)
        case .mapping(let mapping):
            var entries: [(key: String, value: SourceValue)] = []
            var firstLines: [String: Int] = [:]
            for (keyNode, valueNode) in mapping {
                let keyLine = keyNode.mark?.line ?? line
                guard case .scalar(let keyScalar) = keyNode else {
                    reader.add("a key must be plain text, not a list or mapping", at: path, line: keyLine)
                    continue
                }
                let key = context.repeatedKeys.originalKey(keyScalar.string, at: keyNode.mark)
                let keyPath = Self.path(path, key: key)
                if key == "<<", keyScalar.style == .plain {
                    reader.add("merge keys (<<) are not supported; write the keys out", at: keyPath, line: keyLine)
                    continue
                }
                if let problem = StorableText.unstorableCharacterProblem(key) {
                    reader.add("the key \(problem)", at: keyPath, line: keyLine)
                    continue
                }
                // Yams only refuses keys that are equal as YAML values, so `1:` and `"1":`
                // both get here, as do keys it refused and ``RepeatedKeys`` renamed;
                // as JSON object keys they would collide.
                if let first = firstLines[key] {
                    reader.add("key appears more than once in this mapping (first at line \(first))", at: keyPath, line: keyLine)
                    continue
                }
                firstLines[key] = keyLine
                guard let value = SourceValue(yaml: valueNode, line: keyLine, path: keyPath, reader: &reader, context: &context)
                else { return nil }
                entries.append((key, value))
            }
            self.init(content: .mapping(entries), text: nil, line: line, path: path)
        case .alias:
            // The composer replaces aliases with the nodes they name; kept for completeness.
            reader.add("unresolved alias", at: path, line: line)
            return nil
        }
    }

    /// The typed content of a scalar by the YAML 1.2 core schema, given the tag Yams resolved.
    private static func content(ofScalar text: String, tag: String) -> Content {
        switch tag {
        case Tag.Name.null.rawValue:
            return .null
        case Tag.Name.bool.rawValue:
            switch text {
            case "true", "True", "TRUE": return .bool(true)
            case "false", "False", "FALSE": return .bool(false)
            default: return .string(text)
            }
        case Tag.Name.int.rawValue, Tag.Name.float.rawValue:
            return DecimalText.parse(text).map(Content.number) ?? .string(text)
        default:
            return .string(text)
        }
    }

    /// Whether a scalar YAML reads as a number was left as text because no Decimal holds it exactly.
    private static func isOutsizedNumber(_ content: Content, tag: String) -> Bool {
        guard case .string(let text) = content, tag == Tag.Name.int.rawValue || tag == Tag.Name.float.rawValue else { return false }
        return DecimalText.isOutOfRange(text)
    }

    /// Whether a document is empty: what a trailing `---` or a file of comments composes to.
    static func isEmptyDocument(_ node: Node) -> Bool {
        if case .scalar(let scalar) = node, scalar.string.isEmpty, node.tag.rawValue == Tag.Name.null.rawValue {
            return true
        }
        return false
    }

    /// The line and one-line message for an error Yams threw while reading the text.
    private static func describe(_ error: any Error, in text: String) -> (line: Int, message: String) {
        guard let yamlError = error as? YamlError else {
            return (1, "not readable as YAML: \(error)")
        }
        func withContext(_ problem: String, _ context: YamlError.Context?) -> String {
            var message = "YAML syntax: \(problem)"
            if let context { message += " (\(context.text) at line \(context.mark.line))" }
            // The usual cause by far: an unquoted cron rule, since `*` starts an alias in YAML.
            if problem.contains("alias") || context?.text.contains("alias") == true {
                message += "; a value starting with * must be quoted, as in cron: \"* * * * *\""
            }
            return message
        }
        switch yamlError {
        case .scanner(let context, let problem, let mark, _),
             .parser(let context, let problem, let mark, _),
             .composer(let context, let problem, let mark, _):
            return (mark.line, withContext(problem, context))
        case .reader(let problem, let offset, _, _):
            let line = offset.map { text.prefix($0).count(where: { $0 == "\n" || $0 == "\r\n" }) + 1 } ?? 1
            return (line, "not readable as YAML text: \(problem)")
        case .duplicatedKeysInMapping(let duplicates, let context):
            let keys = duplicates.sorted().map(SourceValue.quoted).joined(separator: ", ")
            return (context.mark.line, "key \(keys) appears more than once in one mapping")
        default:
            return (1, "not readable as YAML: \(yamlError)")
        }
    }
}
