#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The host's monotonic clock (`CLOCK_MONOTONIC`), in nanoseconds: one clock
/// for every process on a machine, so a time read in one process can be
/// subtracted from a time read in another (what `benefit bench queue` does with
/// an enqueue's commit and a handler's start, as the peers' harnesses do).
public enum MonotonicClock {
    /// Now, in nanoseconds since an unspecified moment (the machine's boot).
    public static func nanoseconds() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec)
    }
}
