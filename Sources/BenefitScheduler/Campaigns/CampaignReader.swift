import BenefitCore
import Foundation

/// Reads a campaign definition out of a file's tree, checking every key and collecting every problem.
///
/// Each part is read even when an earlier one failed, so one pass reports
/// all that is wrong; the definition is built only when nothing is.
struct CampaignReader {
    var source: CampaignValueReader
    /// The programs' validators, or `nil` to accept any program and its parameters unchecked (reading a stored definition back).
    let validators: [any ProgramParameterValidator]?
    /// The instant a file is applied at, before which an `at:` schedule is refused; `nil` when reading a stored definition
    /// back, which must still load after its one fire time has passed.
    var now: Date? = nil

    /// The keys of the top of a campaign file, in the order the documentation lists them.
    static let keys = ["name", "title", "program", "schedule", "execution", "cycle", "parameters"]
    /// The keys of the `execution` block.
    static let executionKeys = ["queue", "batchSize", "maxAttempts", "backoff", "lease", "timeout", "priority", "concurrency"]
    /// The keys of `execution.backoff`.
    static let backoffKeys = ["initial", "max"]

    /// The problems found so far.
    var problems: [CampaignProblem] { source.problems }

    /// The definition, or `nil` if anything in the tree is wrong (see ``problems``).
    mutating func read(_ root: SourceValue) -> CampaignDefinition? {
        guard let top = source.block(root, keys: Self.keys) else { return nil }
        let name = source.required("name", in: top, what: "the campaign's name, such as winter-warmth").flatMap { readName($0) }
        // A title that is wrong leaves a problem, which the guard below checks.
        let title = top["title"].flatMap { $0.isNull ? nil : source.text($0, maximumLength: CampaignDefinition.maximumTitleLength) }
        let program = source.required("program", in: top, what: programDescription).flatMap { readProgram($0) }
        let timing = source.required("schedule", in: top, what: "when the campaign fires, such as { timezone: Asia/Shanghai, cron: \"0 9 * * MON\" }")
            .flatMap { readSchedule($0) }
        let execution: ExecutionPolicy? = if let value = top["execution"] { readExecution(value) } else { .defaults }
        let cycle: CampaignCycle? = if let value = top["cycle"] { source.choice(value, as: CampaignCycle.self) } else { .yearly }
        let parameters = readParameters(top["parameters"], in: top, program: program)

        guard problems.isEmpty, let name, let program, let timing, let execution, let cycle, let parameters
        else { return nil }
        return CampaignDefinition(
            name: name, title: title, program: program, schedule: timing.schedule, timeZoneIdentifier: timing.timeZoneIdentifier,
            catchUp: timing.catchUp, overlap: timing.overlap, execution: execution, cycle: cycle, parameters: parameters)
    }

    private mutating func readName(_ value: SourceValue) -> String? {
        guard let name = source.text(value) else { return nil }
        guard CampaignDefinition.isValidName(name) else {
            source.add(
                "\(SourceValue.quoted(name)) is not a valid name: use 1 to 63 lowercase letters, digits and hyphens, starting with a letter or digit",
                at: value)
            return nil
        }
        return name
    }

    /// The programs a file may name, or `nil` when any is accepted.
    private var knownPrograms: [String]? {
        validators.map { $0.map(\.program).sorted() }
    }

    /// What `program:` must hold, for a file that leaves it out.
    private var programDescription: String {
        knownPrograms.map { "one of \($0.joined(separator: ", "))" } ?? "the program's name"
    }

    private mutating func readProgram(_ value: SourceValue) -> String? {
        guard let knownPrograms else { return source.text(value) }
        return source.choice(value, among: knownPrograms)
    }

    /// The `execution` block; each key left out takes its default.
    private mutating func readExecution(_ value: SourceValue) -> ExecutionPolicy? {
        if value.isNull { return .defaults }
        guard let block = source.block(value, keys: Self.executionKeys) else { return nil }
        let defaults = ExecutionPolicy.defaults
        var valid = true
        // Reads one key if present; a bad value marks the block invalid but reading goes on.
        func read<Value>(_ key: String, default fallback: Value, _ parse: (inout CampaignValueReader, SourceValue) -> Value?) -> Value {
            guard let value = block[key] else { return fallback }
            guard let parsed = parse(&source, value) else {
                valid = false
                return fallback
            }
            return parsed
        }
        let queue = read("queue", default: defaults.queue) { source, value in
            guard let queue = source.text(value) else { return nil }
            guard CampaignDefinition.isValidQueueName(queue) else {
                source.add(
                    "\(SourceValue.quoted(queue)) is not a valid queue name: use 1 to 63 lowercase letters, digits, hyphens, underscores and dots, starting with a letter or digit",
                    at: value)
                return nil
            }
            return queue
        }
        let batchSize = read("batchSize", default: defaults.batchSize) {
            $0.wholeNumber($1, in: ExecutionPolicy.batchSizeRange, what: "members per batch")
        }
        let maxAttempts = read("maxAttempts", default: defaults.maxAttempts) {
            $0.wholeNumber($1, in: ExecutionPolicy.maxAttemptsRange, what: "attempts per job")
        }
        let backoff = read("backoff", default: (defaults.backoffInitial, defaults.backoffMax)) { source, value in
            Self.readBackoff(value, defaults: defaults, source: &source)
        }
        let lease = read("lease", default: defaults.lease) { $0.duration($1, in: ExecutionPolicy.leaseRange, what: "the lease") }
        let priority = read("priority", default: defaults.priority) {
            $0.wholeNumber($1, in: ExecutionPolicy.priorityRange, what: "the jobs' priority")
        }
        // Written as null, concurrency says "no limit" explicitly, as leaving it out does.
        var concurrency: Int?
        if let value = block["concurrency"], !value.isNull {
            concurrency = source.wholeNumber(value, in: ExecutionPolicy.concurrencyRange, what: "running jobs at once")
            valid = valid && concurrency != nil
        }
        // As concurrency, null says "no limit" explicitly.
        var timeout: Duration?
        if let value = block["timeout"], !value.isNull {
            timeout = source.duration(value, in: ExecutionPolicy.timeoutRange, what: "a batch's timeout")
            valid = valid && timeout != nil
        }
        guard valid else { return nil }
        return ExecutionPolicy(
            queue: queue, batchSize: batchSize, maxAttempts: maxAttempts, backoffInitial: backoff.0, backoffMax: backoff.1,
            lease: lease, priority: priority, concurrency: concurrency, timeout: timeout)
    }

    /// `execution.backoff: {initial, max}`; either may be left out, and `initial` may not exceed `max`.
    private static func readBackoff(_ value: SourceValue, defaults: ExecutionPolicy, source: inout CampaignValueReader) -> (Duration, Duration)? {
        guard let block = source.block(value, keys: backoffKeys) else { return nil }
        let initial = block["initial"].map { source.duration($0, in: ExecutionPolicy.backoffRange, what: "the first retry's delay") }
            ?? defaults.backoffInitial
        let max = block["max"].map { source.duration($0, in: ExecutionPolicy.backoffRange, what: "the longest retry delay") }
            ?? defaults.backoffMax
        guard let initial, let max else { return nil }
        guard initial <= max else {
            source.add("initial (\(DurationText.format(initial))) is longer than max (\(DurationText.format(max)))", at: value)
            return nil
        }
        return (initial, max)
    }

    /// The `parameters` object, checked by the program's validator; left out or empty means `{}`.
    ///
    /// The validator records its problems in ``source`` itself, each at its
    /// path and line; a key it misses in a block left out is reported at the
    /// line of the top of the file.
    private mutating func readParameters(_ value: SourceValue?, in top: SourceBlock, program: String?) -> JSONValue? {
        let empty = SourceValue(content: .mapping([]), text: nil, line: value?.line ?? top.line, path: top.path(of: "parameters"))
        let parameters = if let value, !value.isNull { value } else { empty }
        guard source.mapping(parameters, of: "the program's parameters") != nil else { return nil }
        if let program, let validator = validators?.first(where: { $0.program == program }) {
            validator.validate(parameters, with: &source)
        }
        return parameters.jsonValue
    }
}
