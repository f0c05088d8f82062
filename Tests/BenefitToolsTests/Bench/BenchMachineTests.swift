import Foundation
import Testing

@testable import BenefitTools

@Suite("The machine a benchmark names")
struct BenchMachineTests {
    /// Two processors' entries, as Linux writes them under KVM; the second is never read.
    static let kvm = """
        processor\t: 0
        vendor_id\t: AuthenticAMD
        model name\t: AMD EPYC
        flags\t\t: fpu vme de pse tsc msr hypervisor lahf_lm

        processor\t: 1
        model name\t: another model
        flags\t\t: fpu
        """

    @Test("the first processor's model and the hypervisor flag, the processors and the memory, on one line")
    func readsTheFirstProcessor() {
        let machine = BenchMachine(cpuinfo: Self.kvm, processors: 2, memoryBytes: 24 << 30)
        #expect(machine.model == "AMD EPYC" && machine.virtual)
        #expect(machine.description == "2 CPUs (AMD EPYC, virtual), 24.0 GiB memory")
    }

    @Test("a machine that names no model (and is not virtual) says so")
    func noModel() {
        let arm = "processor\t: 0\nBogoMIPS\t: 50.00\nFeatures\t: fp asimd\nCPU implementer\t: 0x41\n"
        let machine = BenchMachine(cpuinfo: arm, processors: 1, memoryBytes: 3 << 29)
        #expect(machine.model == nil && !machine.virtual)
        #expect(machine.description == "1 CPU (model unknown), 1.5 GiB memory")
    }

    @Test("this machine: its processors and memory as the system counts them, and a model read from /proc/cpuinfo on Linux")
    func thisMachine() {
        let machine = BenchMachine.current()
        #expect(machine.processors == ProcessInfo.processInfo.activeProcessorCount)
        #expect(machine.memoryBytes == ProcessInfo.processInfo.physicalMemory)
        #if os(Linux)
        #expect(machine.model != nil)
        #endif
    }
}
