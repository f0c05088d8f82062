@testable import BenefitCore
import BenefitTestSupport
import Synchronization
import Testing

@Suite("Admission limit")
struct AdmissionLimitTests {
    /// Who ran, in order.
    final class Order: Sendable {
        private let names = Mutex<[String]>([])
        func withLock<T>(_ body: (inout [String]) -> T) -> T { names.withLock { body(&$0) } }
    }

    @Test("one slot and one place in the queue: the second caller waits its turn, a third is turned away at once, and the slot passes on when the first leaves")
    func slotsAndQueue() async throws {
        let limit = AdmissionLimit(slots: 1, queueLength: 1)
        let release = Latch()
        let order = Order()
        let first = Task {
            await limit.run {
                order.withLock { $0.append("first") }
                _ = await release.wait()
            }
        }
        #expect(try await eventually { order.withLock { $0 } == ["first"] })
        let second = Task { await limit.run { order.withLock { $0.append("second") } } }
        #expect(try await eventually { limit.waitingCount == 1 })
        // The slot is held and the queue full: refused without running.
        let third: Void? = await limit.run { order.withLock { $0.append("third") } }
        #expect(third == nil)
        #expect(order.withLock { $0 } == ["first"])

        release.fire()
        #expect(await first.value != nil)
        #expect(await second.value != nil)
        #expect(order.withLock { $0 } == ["first", "second"])
        #expect(limit.waitingCount == 0)
        // Free again: a new caller runs at once.
        #expect(await limit.run { 42 } == 42)
    }
}
