import Foundation
import Synchronization

/// Where the scheduler reads "now": the system clock in production, a clock
/// moved by hand in tests.
public protocol SchedulerClock: Sendable {
    func now() -> Date
}

/// The system's wall clock.
public struct SystemClock: SchedulerClock {
    public init() {}
    public func now() -> Date { Date() }
}

/// A clock that only moves when told to (in-process tests).
public final class ManualClock: SchedulerClock {
    private let current: Mutex<Date>

    public init(_ start: Date) { current = Mutex(start) }

    public func now() -> Date { current.withLock { $0 } }

    public func set(_ date: Date) { current.withLock { $0 = date } }

    public func advance(by interval: TimeInterval) { current.withLock { $0 += interval } }
}

/// A clock read from a file holding one ISO 8601 instant, so a test can move the
/// time of scheduler *processes* by rewriting the file. Falls back to the last
/// good reading while the file is being replaced.
public final class FileClock: SchedulerClock {
    private let path: String
    private let last: Mutex<Date>

    public init(path: String) throws {
        self.path = path
        guard let first = FileClock.read(path) else {
            throw SchedulerClockError("clock file \(path) does not hold an ISO 8601 instant (like 2026-12-20T09:00:00Z)")
        }
        last = Mutex(first)
    }

    public func now() -> Date {
        if let date = FileClock.read(path) { last.withLock { $0 = date } }
        return last.withLock { $0 }
    }

    private static func read(_ path: String) -> Date? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        return try? Date(text.trimmingCharacters(in: .whitespacesAndNewlines), strategy: .iso8601)
    }
}

/// A clock that cannot be set up as asked.
public struct SchedulerClockError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
