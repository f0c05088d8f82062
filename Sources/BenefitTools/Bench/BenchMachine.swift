import Foundation

/// The machine a benchmark ran on, which its report names: two machines of the
/// same size can differ by half in every figure (BENCHMARKS.md, 2026-12-07), so
/// figures are compared only when their machine lines match.
public struct BenchMachine: Sendable, Codable, Equatable {
    /// Processors active for this process (`ProcessInfo.activeProcessorCount`).
    public var processors: Int
    /// The processor's model as the system names it (`model name` in
    /// `/proc/cpuinfo`), or nil where it does not say.
    public var model: String?
    /// Whether the processor runs under a hypervisor (the `hypervisor` flag).
    public var virtual: Bool
    public var memoryBytes: UInt64

    /// This machine. On a system without `/proc/cpuinfo`, the model is unknown.
    public static func current() -> BenchMachine {
        let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        return BenchMachine(
            cpuinfo: cpuinfo, processors: ProcessInfo.processInfo.activeProcessorCount,
            memoryBytes: ProcessInfo.processInfo.physicalMemory)
    }

    /// Reads the model and the hypervisor flag from the first processor's entry of `/proc/cpuinfo`.
    init(cpuinfo: String, processors: Int, memoryBytes: UInt64) {
        let firstProcessor = cpuinfo.split(separator: "\n\n", maxSplits: 1).first ?? ""
        var fields: [String: String] = [:]
        for line in firstProcessor.split(separator: "\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let key = line[..<colon].trimmingCharacters(in: .whitespaces)
            fields[key] = fields[key] ?? line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        self.processors = processors
        self.model = fields["model name"].flatMap { $0.isEmpty ? nil : $0 }
        self.virtual = fields["flags"]?.split(separator: " ").contains("hypervisor") ?? false
        self.memoryBytes = memoryBytes
    }

    /// One line: `2 CPUs (AMD EPYC, virtual), 23.5 GiB memory`.
    public var description: String {
        let kind = [model ?? "model unknown", virtual ? "virtual" : nil].compactMap { $0 }.joined(separator: ", ")
        let gibibytes = Double(memoryBytes) / 1_073_741_824
        return "\(processors) CPU\(processors == 1 ? "" : "s") (\(kind)), \(String(format: "%.1f", gibibytes)) GiB memory"
    }
}
