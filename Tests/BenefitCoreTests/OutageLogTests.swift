import BenefitCore
import InMemoryLogging
import Logging
import Testing

/// OutageLog: a lost database is one line when it goes, a reminder with the
/// latest reason while it stays gone, one line when it is back.
@Suite("Outage log")
struct OutageLogTests {
    struct Failure: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    @Test("an outage is logged once when it begins, and its end once")
    func loggedOnceEachWay() {
        let handler = InMemoryLogHandler()
        let logger = Logger(label: "test") { _ in handler }
        let outage = OutageLog()
        outage.failed("claiming jobs", Failure("connection refused"), logger: logger)
        outage.failed("extending leases", Failure("connection refused"), logger: logger)
        outage.failed("claiming jobs", Failure("certificate verify failed"), logger: logger)
        outage.recovered(logger: logger)
        outage.recovered(logger: logger)
        outage.failed("claiming jobs", Failure("connection refused"), logger: logger)
        #expect(handler.entries.map { "\($0.level) \($0.message)" } == [
            "warning claiming jobs failed; retrying with backoff: connection refused",
            "notice database reachable again; carrying on",
            "warning claiming jobs failed; retrying with backoff: connection refused",
        ])
    }

    @Test("an outage that lasts is logged again when a reminder is due, with its latest reason")
    func remindsWithLatestReason() {
        let handler = InMemoryLogHandler()
        let logger = Logger(label: "test") { _ in handler }
        let outage = OutageLog(reminderInterval: .zero)
        outage.failed("claiming jobs", Failure("connection refused"), logger: logger)
        outage.failed("claiming jobs", Failure("SSL error: certificate verify failed"), logger: logger)
        let messages = handler.entries.map { "\($0.message)" }
        #expect(messages.count == 2)
        #expect(messages.last?.hasPrefix("claiming jobs still failing after ") == true)
        #expect(messages.last?.hasSuffix("; retrying with backoff: SSL error: certificate verify failed") == true)
    }
}
