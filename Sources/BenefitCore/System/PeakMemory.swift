#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Peak resident memory, as the kernel counts it (`getrusage`'s `ru_maxrss`),
/// in bytes: what the benchmarks print beside their times.
public enum PeakMemory {
    /// The most this process has held resident so far.
    public static func ofThisProcess() -> Int {
        var usage = rusage()
        #if canImport(Glibc)
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        return Int(usage.ru_maxrss) * 1_024  // kilobytes on Linux
        #else
        getrusage(RUSAGE_SELF, &usage)
        return Int(usage.ru_maxrss)  // bytes on Darwin
        #endif
    }

    /// The most the process `pid` of this machine has held resident so far
    /// (`VmHWM` in `/proc/PID/status`); nil where there is no such file.
    ///
    /// Not `getrusage(RUSAGE_CHILDREN)`: a child's count starts at the fork, as a
    /// copy of its parent, so a big parent makes every child it starts look as big.
    public static func ofProcess(_ pid: Int32) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
              let kilobytes = line.split(separator: " ").dropFirst().first.flatMap({ Int($0) })
        else { return nil }
        return kilobytes * 1_024
    }
}
