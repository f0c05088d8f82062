#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Peak resident memory, as the kernel counts it (`getrusage`'s `ru_maxrss`),
/// in bytes: what the benchmarks print beside their times.
public enum PeakMemory {
    /// The most this process has held resident so far.
    public static func ofThisProcess() -> Int {
        usage(of: RUSAGE_SELF)
    }

    /// The most any child process held resident, among the children this process
    /// has waited for (their descendants included): after the benchmark's workers
    /// exited, the largest worker's peak.
    public static func ofLargestChild() -> Int {
        usage(of: RUSAGE_CHILDREN)
    }

    #if canImport(Glibc)
    private static func usage(of who: __rusage_who) -> Int {
        var usage = rusage()
        getrusage(__rusage_who_t(who.rawValue), &usage)
        return Int(usage.ru_maxrss) * 1_024  // kilobytes on Linux
    }
    #else
    private static func usage(of who: Int32) -> Int {
        var usage = rusage()
        getrusage(who, &usage)
        return Int(usage.ru_maxrss)  // bytes on Darwin
    }
    #endif
}
