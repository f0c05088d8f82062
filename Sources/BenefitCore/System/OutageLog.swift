import Logging
import Synchronization

/// Logs a lost database once per outage, and its return once.
public final class OutageLog: Sendable {
    private let down = Mutex(false)

    public init() {}

    public func failed(_ what: String, _ error: any Error, logger: borrowing Logger) {
        let first = down.withLock { down in
            defer { down = true }
            return !down
        }
        if first { logger.warning("\(what) failed; retrying with backoff: \(error)") }
    }

    public func recovered(logger: borrowing Logger) {
        let wasDown = down.withLock { down in
            defer { down = false }
            return down
        }
        if wasDown { logger.notice("database reachable again; carrying on") }
    }
}

