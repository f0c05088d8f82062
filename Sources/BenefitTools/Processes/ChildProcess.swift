import BenefitCore
import Foundation
import Subprocess
import SystemPackage

/// Runs a program to completion and captures what it printed.
enum ChildProcess {
    struct Outcome: Sendable {
        let succeeded: Bool
        let output: String
    }

    /// Runs `executable` with `arguments`; as `user` through `runuser` when given
    /// and this process is root (the PostgreSQL server refuses to run as root).
    static func run(
        _ executable: String, _ arguments: [String], as user: String? = nil, environment: [String: String] = [:]
    ) async throws -> Outcome {
        var program = executable
        var fullArguments = arguments
        if let user, getuid() == 0 {
            program = runuserPath
            fullArguments = ["-u", user, "--", executable] + arguments
        }
        do {
            let result = try await Subprocess.run(
                .path(FilePath(program)), arguments: Arguments(fullArguments),
                environment: .inheritUpdating(environment),
                output: .string(limit: 1 << 20), error: .string(limit: 1 << 20))
            let output = result.standardOutput + result.standardError
            return Outcome(succeeded: result.terminationStatus.isSuccess, output: output)
        } catch {
            throw EmbeddedPostgresError("cannot run \(executable): \(error)")
        }
    }

    private static var runuserPath: String {
        ["/usr/sbin/runuser", "/sbin/runuser", "/usr/bin/runuser"].first { FileManager.default.isExecutableFile(atPath: $0) }
            ?? "/usr/sbin/runuser"
    }
}

/// An exclusive `flock` on a file, held across awaits (flock belongs to the open
/// file, not to a thread) and released by ``release()``.
final class FileLock: Sendable {
    private let descriptor: Int32

    private init(descriptor: Int32) { self.descriptor = descriptor }

    /// Waits, on a thread of its own, until the lock is ours. The file is the
    /// caller's, never a link (``FileGuard/openForLocking(_:owner:)``).
    static func acquire(_ path: String) async throws -> FileLock {
        try await runBlocking("flock") {
            let descriptor = try FileGuard.openForLocking(path)
            while flock(descriptor, LOCK_EX) != 0 {
                guard errno == EINTR else {
                    close(descriptor)
                    throw EmbeddedPostgresError("cannot lock \(path): \(String(cString: strerror(errno)))")
                }
            }
            return FileLock(descriptor: descriptor)
        }
    }

    func release() {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}

extension Environment {
    /// This process's environment with `values` set on top.
    static func inheritUpdating(_ values: [String: String]) -> Environment {
        .inherit.updating(Dictionary(uniqueKeysWithValues: values.map { (Environment.Key(stringLiteral: $0.key), Optional($0.value)) }))
    }
}
