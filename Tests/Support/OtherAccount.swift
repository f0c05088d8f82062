import BenefitCore
import Foundation
import Subprocess
import SystemPackage

/// A second, unprivileged OS account, for tests of what another user could plant
/// in a folder we use. Tests run as root (ops/test, CI): the account is made with
/// `useradd` on first use when it is absent, and reused after.
public enum OtherAccount {
    public static let name = "benefit-stranger"

    /// The account's user id, making the account first if the machine has none.
    public static func uid() async throws -> uid_t {
        try await runBlocking("other-account") { try made.get() }
    }

    /// Runs `script` with `/bin/sh` as the account (`runuser`); fails on a non-zero exit.
    public static func run(_ script: String) async throws {
        _ = try await uid()
        let result = try await Subprocess.run(
            .path(FilePath("/usr/sbin/runuser")), arguments: ["-u", name, "--", "/bin/sh", "-c", script],
            output: .discarded, error: .string(limit: 1 << 16))
        guard case .exited(0) = result.terminationStatus else {
            throw TestSetupError("as \(name), `\(script)` failed: \(result.standardError)")
        }
    }

    /// Made once per test process; parallel tests wait for the same `useradd`.
    private static let made = Result<uid_t, any Error> {
        if let entry = getpwnam(name) { return entry.pointee.pw_uid }
        guard getuid() == 0 else { throw TestSetupError("tests that act as another user run as root (ops/test does)") }
        let useradd = Process()
        useradd.executableURL = URL(fileURLWithPath: "/usr/sbin/useradd")
        useradd.arguments = ["--system", "--no-create-home", "--shell", "/usr/sbin/nologin", name]
        try useradd.run()
        useradd.waitUntilExit()
        // Another test process may have made it at the same moment: the account is what counts.
        guard let entry = getpwnam(name) else { throw TestSetupError("useradd \(name) failed (exit \(useradd.terminationStatus))") }
        return entry.pointee.pw_uid
    }
}

/// A folder of a test's own under the temporary folder, with the mode asked for
/// (`0o1777`: shared like /tmp; `0o700`: private like /root), removed at the end.
public enum ScratchFolder {
    public static func with<Result: Sendable>(mode: mode_t, _ body: (URL) async throws -> Result) async throws -> Result {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("benefit-scratch-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        guard chmod(folder.path, mode) == 0 else { throw TestSetupError("cannot set the mode of \(folder.path)") }
        do {
            let result = try await body(folder)
            try? FileManager.default.removeItem(at: folder)
            return result
        } catch {
            try? FileManager.default.removeItem(at: folder)
            throw error
        }
    }
}

/// What `lstat` says of a path, for checking that a test's files were left as they were.
public struct PathInfo: Equatable, Sendable, CustomStringConvertible {
    public let uid: uid_t
    public let mode: mode_t
    /// A file's bytes, or a link's target.
    public let content: String?

    /// The path's details; nil when nothing is there.
    public init?(_ path: String) {
        var info = stat()
        guard lstat(path, &info) == 0 else { return nil }
        uid = info.st_uid
        mode = info.st_mode
        switch info.st_mode & S_IFMT {
        case S_IFLNK: content = try? FileManager.default.destinationOfSymbolicLink(atPath: path)
        case S_IFREG: content = (try? Data(contentsOf: URL(fileURLWithPath: path))).map { String(decoding: $0, as: UTF8.self) }
        default: content = nil
        }
    }

    /// The permission bits (0o700, 0o600).
    public var permissions: mode_t { mode & 0o7777 }

    public var description: String { "uid \(uid), mode \(String(mode, radix: 8)), \(content.map { "\"\($0)\"" } ?? "-")" }
}
