import Logging
import Synchronization

/// Logs a lost database when it is lost, again at most once a reminder interval
/// while it stays lost, and its return once.
///
/// The reminder carries the latest failure, which need not be the first: a
/// server restart begins with "connection refused" and can go on as a
/// certificate that no longer verifies, which is what the operator must fix.
public final class OutageLog: Sendable {
    /// How often a continuing outage is logged again. Default 1 minute.
    public let reminderInterval: Duration
    private let state = Mutex<Outage?>(nil)

    private struct Outage {
        let began: ContinuousClock.Instant
        var lastLogged: ContinuousClock.Instant
    }

    /// What a failure adds to the log.
    private enum Entry {
        case began
        case continuing(Duration)
    }

    public init(reminderInterval: Duration = .seconds(60)) {
        self.reminderInterval = reminderInterval
    }

    /// `what` ("claiming jobs") failed with `error`: logged when it begins an outage
    /// or a reminder is due, else left out.
    public func failed(_ what: String, _ error: any Error, logger: borrowing Logger) {
        let now = ContinuousClock.now
        let entry = state.withLock { outage -> Entry? in
            guard let current = outage else {
                outage = Outage(began: now, lastLogged: now)
                return .began
            }
            guard now - current.lastLogged >= reminderInterval else { return nil }
            outage?.lastLogged = now
            return .continuing(now - current.began)
        }
        switch entry {
        case nil:
            return
        case .began:
            logger.warning("\(what) failed; retrying with backoff: \(error)")
        case .continuing(let lasted):
            let seconds = DurationText.format(.seconds(lasted.components.seconds))
            logger.warning("\(what) still failing after \(seconds); retrying with backoff: \(error)")
        }
    }

    /// The database answered again: the end of an outage, logged once.
    public func recovered(logger: borrowing Logger) {
        let wasDown = state.withLock { outage in
            defer { outage = nil }
            return outage != nil
        }
        if wasDown { logger.notice("database reachable again; carrying on") }
    }
}
