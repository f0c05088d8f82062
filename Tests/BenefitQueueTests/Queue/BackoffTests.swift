import BenefitCore
import Testing

@Suite("Backoff and durations, without a database")
struct BackoffTests {
    @Test("the bound doubles per attempt up to the maximum")
    func boundDoubles() {
        let bounds = (1...8).map { Backoff.bound(attempt: $0, initial: .seconds(10), max: .seconds(600)) }
        #expect(bounds == [.seconds(10), .seconds(20), .seconds(40), .seconds(80), .seconds(160), .seconds(320), .seconds(600), .seconds(600)])
        #expect(Backoff.bound(attempt: 200, initial: .seconds(10), max: .seconds(600)) == .seconds(600))
    }

    @Test("delays are drawn from zero to the bound (full jitter)")
    func delaysStayWithinBounds() {
        var generator = SystemRandomNumberGenerator()
        let delays = (0..<2_000).map { _ in Backoff.delay(attempt: 3, initial: .seconds(10), max: .seconds(600), using: &generator) }
        #expect(delays.allSatisfy { $0 >= .zero && $0 <= .seconds(40) })
        #expect(delays.contains { $0 < .seconds(10) })
        #expect(delays.contains { $0 > .seconds(30) })
    }

    @Test("durations parse as operators write them", arguments: [
        ("500ms", 500), ("10s", 10_000), ("10m", 600_000), ("2h", 7_200_000), ("1d", 86_400_000), ("1m30s", 90_000),
    ])
    func durationsParse(_ text: String, _ milliseconds: Int) {
        #expect(DurationText.parse(text) == .milliseconds(milliseconds))
        #expect(DurationText.parse(DurationText.format(.milliseconds(milliseconds))) == .milliseconds(milliseconds))
    }

    @Test("malformed durations are refused", arguments: ["", "10", "s", "10 x", "-5s", "1.5s", "10sec"])
    func malformedDurations(_ text: String) {
        #expect(DurationText.parse(text) == nil)
    }
}
