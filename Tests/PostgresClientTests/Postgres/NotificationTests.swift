import BenefitTestSupport
import Foundation
import PostgresClient
import Testing

@Suite("LISTEN/NOTIFY")
struct NotificationTests {
    @Test("a NOTIFY inside a rolled-back transaction never arrives")
    func rolledBackNotificationNeverArrives() async throws {
        try await TestDatabase.withFresh { configuration in
            let listener = try await PostgresConnection.connect(to: configuration)
            let sender = try await PostgresConnection.connect(to: configuration)
            try await listener.listen("jobs_available")
            struct Abort: Error {}
            await #expect(throws: Abort.self) {
                try await sender.transaction { tx in
                    try await tx.query("SELECT pg_notify(\("jobs_available"), \("rolled-back"))")
                    throw Abort()
                }
            }
            // Notifications are delivered in commit order: the marker sent after the
            // rollback is the first thing the listener sees, so the rolled-back one
            // can no longer arrive ahead of it.
            try await sender.query("SELECT pg_notify(\("jobs_available"), \("marker"))")
            var iterator = listener.notifications().makeAsyncIterator()
            let first = try await iterator.next()
            #expect(first?.payload == "marker")
        }
    }

    @Test("cancelling the listening task ends the sequence without a notification")
    func cancellationEndsTheWait() async throws {
        try await TestDatabase.withFresh { configuration in
            let listener = try await PostgresConnection.connect(to: configuration)
            try await listener.listen("quiet")
            // The task is seen waiting (it receives one notification) before it is
            // cancelled in its second wait, so the cancel interrupts a wait in progress.
            let (received, receivedSignal) = AsyncStream<Void>.makeStream()
            let waiting = Task { () throws -> (first: String?, second: String?) in
                var iterator = listener.notifications().makeAsyncIterator()
                let first = try await iterator.next()
                receivedSignal.yield()
                return (first?.payload, try await iterator.next()?.payload)
            }
            let sender = try await PostgresConnection.connect(to: configuration)
            try await sender.query("SELECT pg_notify('quiet', 'one')")
            for await _ in received { break }
            waiting.cancel()
            let outcome = try await waiting.value
            #expect(outcome.first == "one")
            #expect(outcome.second == nil)
            // The connection is free again for ordinary statements.
            #expect(try await listener.query("SELECT 2").single(Int.self) == 2)
        }
    }
}
