/// Retry delays: exponential with full jitter.
///
/// The bound doubles per attempt from `initial` up to `max`; the delay is drawn
/// uniformly from zero to that bound, so retries of many jobs that failed
/// together (a server restart) spread out instead of returning in lockstep.
public enum Backoff {
    /// The upper bound of the delay after failed attempt `attempt` (1-based).
    public static func bound(attempt: Int, initial: Duration, max: Duration) -> Duration {
        let exponent = Swift.max(0, Swift.min(attempt - 1, 40))
        let initialMilliseconds = initial.wholeMilliseconds
        let grown = initialMilliseconds.multipliedReportingOverflow(by: 1 << exponent)
        let capped = grown.overflow ? max.wholeMilliseconds : Swift.min(grown.partialValue, max.wholeMilliseconds)
        return .milliseconds(capped)
    }

    /// A delay drawn from [0, bound].
    public static func delay<G: RandomNumberGenerator>(
        attempt: Int, initial: Duration, max: Duration, using generator: inout G
    ) -> Duration {
        let bound = bound(attempt: attempt, initial: initial, max: max).wholeMilliseconds
        return .milliseconds(Int.random(in: 0...Swift.max(0, bound), using: &generator))
    }

    public static func delay(attempt: Int, initial: Duration, max: Duration) -> Duration {
        var generator = SystemRandomNumberGenerator()
        return delay(attempt: attempt, initial: initial, max: max, using: &generator)
    }
}
