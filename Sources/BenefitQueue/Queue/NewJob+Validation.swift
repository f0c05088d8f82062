import BenefitCore
import Foundation
import PostgresClient

extension NewJob {
    /// Checks the job as `benefit.job`'s constraints will, before anything is sent,
    /// so a producer (an operator's `jobs enqueue`) hears what is wrong in its own
    /// terms instead of a constraint's name; with `copies`, that so many of it may
    /// be enqueued at once (at most ten million, and one when it has a unique key).
    /// The payload must be a JSON object that `jsonb` stores and handlers read (see ``PayloadText``).
    public func validate(copies: Int = 1) throws(InvalidJob) {
        guard (1...10_000_000).contains(copies) else { throw InvalidJob(.count, "must be from 1 to 10000000, got \(copies)") }
        guard copies == 1 || uniqueKey == nil else { throw InvalidJob(.uniqueKey, "goes with a single job (a count of 1)") }
        if let problem = Self.nameProblem(kind, extraCharacters: "_.:-", maximum: 127) { throw InvalidJob(.kind, problem) }
        if let problem = Self.queueNameProblem(queue) { throw InvalidJob(.queue, problem) }
        if let problem = PayloadText.problem(payload) { throw InvalidJob(.payload, problem) }
        guard Self.priorities.contains(priority) else {
            throw InvalidJob(.priority, "must be from \(Self.priorities.lowerBound) to \(Self.priorities.upperBound), got \(priority)")
        }
        guard Self.attemptLimits.contains(maxAttempts) else {
            throw InvalidJob(.maxAttempts, "must be from \(Self.attemptLimits.lowerBound) to \(Self.attemptLimits.upperBound), got \(maxAttempts)")
        }
        guard Self.leaseDurations.contains(lease) else {
            throw InvalidJob(.lease, "\(DurationText.format(lease)) is not between 100ms and 1d")
        }
        if let timeout, !Self.timeouts.contains(timeout) {
            throw InvalidJob(.timeout, "\(DurationText.format(timeout)) is not between 100ms and 1d")
        }
        let delays = Duration.zero...Duration.seconds(86_400)
        guard delays.contains(backoffInitial), delays.contains(backoffMax), backoffInitial <= backoffMax else {
            throw InvalidJob(.backoff, "the delays must be from 0s to 1d, the first no longer than the longest")
        }
        for (field, text) in [(InvalidJob.Field.uniqueKey, uniqueKey), (.group, group), (.concurrency, concurrency?.key)] {
            guard let text else { continue }
            if text.isEmpty { throw InvalidJob(field, "must not be empty") }
            if let problem = StorableText.problem(text, maximumLength: 200) { throw InvalidJob(field, problem) }
        }
        if let concurrency, concurrency.limit < 1 { throw InvalidJob(.concurrency, "the limit must be at least 1, got \(concurrency.limit)") }
    }

    /// The priorities `benefit.job` takes (a smallint): lower runs first.
    public static let priorities = -32_768...32_767
    /// The tries per job `benefit.job` takes.
    public static let attemptLimits = 1...1_000
    /// How long a lease may last: long enough for a heartbeat to get through, short enough to rescue a job the same day.
    public static let leaseDurations = Duration.milliseconds(100)...Duration.seconds(86_400)
    /// How long a handler may be given: as a lease, down to a tenth of a second and up to a day.
    public static let timeouts = Duration.milliseconds(100)...Duration.seconds(86_400)

    /// What is wrong with a queue's name, or nil: what `benefit.job` and
    /// `benefit.queue_pause` take (a lowercase letter or digit, then those, '_', '.'
    /// or '-', at most 63 characters).
    public static func queueNameProblem(_ name: String) -> String? {
        nameProblem(name, extraCharacters: "_.-", maximum: 63)
    }

    /// What is wrong with a kind or queue name: a lowercase letter or digit, then
    /// those, `extraCharacters` or nothing, at most `maximum` characters.
    private static func nameProblem(_ name: String, extraCharacters: String, maximum: Int) -> String? {
        func plain(_ character: Character) -> Bool { character.isASCII && (character.isLowercase || character.isNumber) }
        guard let first = name.first, plain(first), name.allSatisfy({ plain($0) || extraCharacters.contains($0) }), name.count <= maximum
        else {
            let allowed = extraCharacters.map { "'\($0)'" }.joined(separator: ", ")
            return "\"\(name)\" is not a valid name: a lowercase letter or digit, then those or \(allowed), at most \(maximum) characters"
        }
        return nil
    }
}

/// A job the queue would refuse, with the field at fault.
public struct InvalidJob: Error, CustomStringConvertible {
    public enum Field: String, Sendable {
        case kind, queue, payload, priority, maxAttempts, lease, timeout, backoff, uniqueKey, group, concurrency, count
    }

    public let field: Field
    public let message: String

    init(_ field: Field, _ message: String) {
        self.field = field
        self.message = message
    }

    public var description: String { "\(field.rawValue): \(message)" }
}
