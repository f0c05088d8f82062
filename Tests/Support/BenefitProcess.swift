import Foundation
import Subprocess
import SystemPackage

/// Runs the real `benefit` binary, as an operator would.
public enum BenefitProcess {
    public struct Outcome: Sendable {
        public let exitCode: Int32?
        public let standardOutput: String
        public let standardError: String
    }

    /// `BENEFIT_BINARY` if set (ops/test sets it), else `benefit` beside the test bundle.
    public static func binaryPath() throws -> String {
        if let path = ProcessInfo.processInfo.environment["BENEFIT_BINARY"], !path.isEmpty { return path }
        var directory = Bundle.main.bundleURL
        for _ in 0..<3 {
            let candidate = directory.appendingPathComponent("benefit").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        throw TestSetupError("cannot find the benefit binary: build it (swift build) or set BENEFIT_BINARY")
    }

    /// Runs `benefit ARGUMENTS` (or another program, `executable`) to completion with
    /// extra environment variables, and `standardInput` as its standard input when given (else none).
    public static func run(
        _ arguments: [String], environment: [String: String] = [:], standardInput: String? = nil, executable: String? = nil
    ) async throws -> Outcome {
        var updates: [Environment.Key: String?] = [:]
        for (key, value) in environment { updates[Environment.Key(stringLiteral: key)] = value }
        let program = Executable.path(FilePath(try executable ?? binaryPath()))
        let result = if let standardInput {
            try await Subprocess.run(
                program, arguments: Arguments(arguments),
                environment: .inherit.updating(updates), input: .string(standardInput),
                output: .string(limit: 8 << 20), error: .string(limit: 8 << 20))
        } else {
            try await Subprocess.run(
                program, arguments: Arguments(arguments),
                environment: .inherit.updating(updates),
                output: .string(limit: 8 << 20), error: .string(limit: 8 << 20))
        }
        let code: Int32? = if case .exited(let code) = result.terminationStatus { code } else { nil }
        return Outcome(exitCode: code, standardOutput: result.standardOutput, standardError: result.standardError)
    }
}
