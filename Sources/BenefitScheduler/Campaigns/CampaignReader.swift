import BenefitCore
import Foundation

/// Reads a campaign definition out of a file's tree, checking every key and collecting every problem.
///
/// Each part is read even when an earlier one failed, so one pass reports
/// all that is wrong; the definition is built only when nothing is.
struct CampaignReader {
    var source: SourceReader
    /// The programs' validators, or `nil` to accept any program and its parameters unchecked (reading a stored definition back).
    let validators: [any ProgramParameterValidator]?

    /// The keys of the top of a campaign file, in the order the documentation lists them.
    static let keys = ["name", "title", "program", "schedule", "execution", "cycle", "parameters"]
    /// The keys of the `execution` block.
    static let executionKeys = ["queue", "batchSize", "maxAttempts", "backoff", "lease", "priority", "concurrency"]
    /// The keys of `execution.backoff`.
    static let backoffKeys = ["initial", "max"]

    /// The problems found so far.
    var problems: [CampaignProblem] { source.problems.problems }

    /// The definition, or `nil` if anything in the tree is wrong (see ``problems``).
    mutating func read(_ root: SourceValue) -> CampaignDefinition? {
        guard let top = source.block(root, path: "", keys: Self.keys) else { return nil }
        let name = source.required("name", in: top).flatMap { readName($0) }
        // A title that is wrong leaves a problem, which the guard below checks.
        let title = top["title"].flatMap { $0.isNull ? nil : source.text($0, path: "title") }
        let program = source.required("program", in: top).flatMap { readProgram($0) }
        let timing = source.required("schedule", in: top).flatMap { readSchedule($0) }
        let execution: ExecutionPolicy? = if let value = top["execution"] { readExecution(value) } else { .defaults }
        let cycle: CampaignCycle? = if let value = top["cycle"] { source.choice(value, path: "cycle", as: CampaignCycle.self) } else { .yearly }
        let parameters = readParameters(top["parameters"], blockLine: top.line, program: program)

        guard problems.isEmpty, let name, let program, let timing, let execution, let cycle, let parameters
        else { return nil }
        return CampaignDefinition(
            name: name, title: title, program: program, schedule: timing.schedule, timeZoneIdentifier: timing.timeZoneIdentifier,
            catchUp: timing.catchUp, overlap: timing.overlap, execution: execution, cycle: cycle, parameters: parameters)
    }

    private mutating func readName(_ value: SourceValue) -> String? {
        guard let name = source.text(value, path: "name") else { return nil }
        guard CampaignDefinition.isValidName(name) else {
            source.problems.add(
                "\(SourceValue.quoted(name)) is not a valid name: use 1 to 63 lowercase letters, digits and hyphens, starting with a letter or digit",
                at: "name", line: value.line)
            return nil
        }
        return name
    }

    private mutating func readProgram(_ value: SourceValue) -> String? {
        guard let program = source.text(value, path: "program") else { return nil }
        if let validators, !validators.contains(where: { $0.program == program }) {
            let known = validators.map(\.program).sorted()
            source.problems.add(
                "unknown program \(SourceValue.quoted(program)) (known: \(known.isEmpty ? "none" : known.joined(separator: ", ")))",
                at: "program", line: value.line)
            return nil
        }
        return program
    }

    /// The `execution` block; each key left out takes its default.
    private mutating func readExecution(_ value: SourceValue) -> ExecutionPolicy? {
        if value.isNull { return .defaults }
        guard let block = source.block(value, path: "execution", keys: Self.executionKeys) else { return nil }
        let defaults = ExecutionPolicy.defaults
        var valid = true
        // Reads one key if present; a bad value marks the block invalid but reading goes on.
        func read<Value>(_ key: String, default fallback: Value, _ parse: (inout SourceReader, SourceValue, String) -> Value?) -> Value {
            guard let value = block[key] else { return fallback }
            guard let parsed = parse(&source, value, block.path(of: key)) else {
                valid = false
                return fallback
            }
            return parsed
        }
        let queue = read("queue", default: defaults.queue) { source, value, path in
            guard let queue = source.text(value, path: path) else { return nil }
            guard CampaignDefinition.isValidQueueName(queue) else {
                source.problems.add(
                    "\(SourceValue.quoted(queue)) is not a valid queue name: use 1 to 63 lowercase letters, digits, hyphens, underscores and dots, starting with a letter or digit",
                    at: path, line: value.line)
                return nil
            }
            return queue
        }
        let batchSize = read("batchSize", default: defaults.batchSize) { $0.integer($1, path: $2, in: ExecutionPolicy.batchSizeRange) }
        let maxAttempts = read("maxAttempts", default: defaults.maxAttempts) { $0.integer($1, path: $2, in: ExecutionPolicy.maxAttemptsRange) }
        let backoff = read("backoff", default: (defaults.backoffInitial, defaults.backoffMax)) { source, value, path in
            Self.readBackoff(value, path: path, defaults: defaults, source: &source)
        }
        let lease = read("lease", default: defaults.lease) { $0.duration($1, path: $2, in: ExecutionPolicy.leaseRange) }
        let priority = read("priority", default: defaults.priority) { $0.integer($1, path: $2, in: ExecutionPolicy.priorityRange) }
        // Written as null, concurrency says "no limit" explicitly, as leaving it out does.
        var concurrency: Int?
        if let value = block["concurrency"], !value.isNull {
            concurrency = source.integer(value, path: block.path(of: "concurrency"), in: ExecutionPolicy.concurrencyRange)
            valid = valid && concurrency != nil
        }
        guard valid else { return nil }
        return ExecutionPolicy(
            queue: queue, batchSize: batchSize, maxAttempts: maxAttempts, backoffInitial: backoff.0, backoffMax: backoff.1,
            lease: lease, priority: priority, concurrency: concurrency)
    }

    /// `execution.backoff: {initial, max}`; either may be left out, and `initial` may not exceed `max`.
    private static func readBackoff(
        _ value: SourceValue, path: String, defaults: ExecutionPolicy, source: inout SourceReader
    ) -> (Duration, Duration)? {
        guard let block = source.block(value, path: path, keys: backoffKeys) else { return nil }
        let initial = block["initial"].map { source.duration($0, path: block.path(of: "initial"), in: ExecutionPolicy.backoffRange) }
            ?? defaults.backoffInitial
        let max = block["max"].map { source.duration($0, path: block.path(of: "max"), in: ExecutionPolicy.backoffRange) }
            ?? defaults.backoffMax
        guard let initial, let max else { return nil }
        guard initial <= max else {
            source.problems.add(
                "initial (\(DurationText.format(initial))) is longer than max (\(DurationText.format(max)))",
                at: path, line: value.line)
            return nil
        }
        return (initial, max)
    }

    /// The `parameters` object, checked by the program's validator; left out or empty means `{}`.
    ///
    /// The validator's paths are relative to `parameters`; each problem is
    /// reported at the line of the value its path names, or of the nearest
    /// enclosing value that is present when the path names a missing key.
    private mutating func readParameters(_ value: SourceValue?, blockLine: Int, program: String?) -> JSONValue? {
        let parameters: JSONValue
        switch value?.content {
        case nil, .null:
            parameters = .emptyObject
        case .mapping:
            parameters = value?.jsonValue ?? .emptyObject
        default:
            source.problems.add("expected a mapping of the program's parameters, got \(value?.gotDescription ?? "nothing")", at: "parameters", line: value?.line ?? blockLine)
            return nil
        }
        guard let program, let validator = validators?.first(where: { $0.program == program }) else { return parameters }
        let located = value ?? SourceValue(content: .mapping([]), text: nil, line: blockLine)
        for problem in validator.problems(in: parameters) {
            let path = problem.path.isEmpty ? "parameters"
                : problem.path.hasPrefix("[") ? "parameters\(problem.path)" : "parameters.\(problem.path)"
            source.problems.add(problem.message, at: path, line: located.line(at: problem.path))
        }
        return parameters
    }
}
