import BenefitCore
import BenefitTestSupport
import Foundation
import Testing

/// FileGuard: what another account could plant where we read or write is refused
/// and left as it was; what we write is made new, with its mode from creation.
@Suite("File guard")
struct FileGuardTests {
    /// What another user could have left at a path we are about to use.
    enum Planted: String, CaseIterable, Sendable {
        case linkToAFile, anotherAccountsFile, fileOthersCanWrite, fifo

        var code: FileGuardError.Code {
            switch self {
            case .linkToAFile: .symbolicLink
            case .anotherAccountsFile: .foreignOwner
            case .fileOthersCanWrite: .writableByOthers
            case .fifo: .wrongKind
            }
        }

        /// Plants it at `folder/name`; a link points at `folder/target`, a file of the caller's.
        func plant(_ name: String, in folder: URL) async throws -> String {
            let path = folder.appendingPathComponent(name).path
            let target = folder.appendingPathComponent("target").path
            try Data("the target's own words\n".utf8).write(to: URL(fileURLWithPath: target))
            switch self {
            case .linkToAFile:
                try FileManager.default.createSymbolicLink(atPath: path, withDestinationPath: target)
            case .anotherAccountsFile:
                try await OtherAccount.run("umask 0; printf planted > '\(path)'")
            case .fileOthersCanWrite:
                try Data("planted".utf8).write(to: URL(fileURLWithPath: path))
                chmod(path, 0o666)
            case .fifo:
                mkfifo(path, 0o600)
            }
            return path
        }
    }

    /// Each way we touch a file, as its caller would.
    enum Use: String, CaseIterable, Sendable {
        case read, append, lock, replace

        func run(_ path: String) throws {
            switch self {
            case .read: _ = try FileGuard.read(path)
            case .append: try FileGuard.append(Data("more".utf8), to: path)
            case .lock: close(try FileGuard.openForLocking(path))
            case .replace: try FileGuard.replace(path, mode: 0o600, contents: Data("the secret\n".utf8))
            }
        }
    }

    @Test("a link, another account's file, a file others can write or a FIFO is refused in one line naming it, and left as it was",
          .enabled(if: getuid() == 0, "another account's files need root"), .timeLimit(.minutes(1)),
          arguments: Planted.allCases, Use.allCases)
    func plantedFilesAreRefused(planted: Planted, use: Use) async throws {
        try await ScratchFolder.with(mode: 0o1777) { folder in
            let path = try await planted.plant("password", in: folder)
            let target = folder.appendingPathComponent("target").path
            let before = (PathInfo(path), PathInfo(target))
            let error = try #require(throws: FileGuardError.self) { try use.run(path) }
            #expect(error.code == planted.code)
            #expect(error.path == path)
            #expect(error.description.contains(path) && !error.description.contains("\n"), "\(error)")
            #expect((PathInfo(path), PathInfo(target)) == before)
            let left = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
            #expect(left == ["password", "target"], "nothing else was made beside it")
        }
    }

    @Test("a report file (--out) is made new with exactly its mode; whatever is planted at its path is refused as existing, in one line, and left as it was",
          .enabled(if: getuid() == 0, "another account's files need root"), .timeLimit(.minutes(1)), arguments: Planted.allCases)
    func createsAReportFileNewOrNotAtAll(planted: Planted) async throws {
        try await ScratchFolder.with(mode: 0o1777) { folder in
            let fresh = folder.appendingPathComponent("report.csv").path
            try FileGuard.create(fresh, mode: 0o600, contents: Data("section\r\n".utf8))
            #expect(PathInfo(fresh)?.permissions == 0o600 && PathInfo(fresh)?.uid == geteuid())
            #expect(try FileGuard.read(fresh) == Data("section\r\n".utf8))

            let path = try await planted.plant("planted.html", in: folder)
            let target = folder.appendingPathComponent("target").path
            let before = (PathInfo(path), PathInfo(target))
            let error = try #require(throws: FileGuardError.self) { try FileGuard.create(path, mode: 0o600, contents: Data("new".utf8)) }
            #expect(error.code == .exists && error.path == path)
            #expect(error.description == "\(path) already exists: refusing to overwrite it")
            #expect((PathInfo(path), PathInfo(target)) == before)
        }
    }

    @Test("a folder that is a link, another account's or writable by others is refused, and nothing is made in it")
    func plantedFoldersAreRefused() async throws {
        try await ScratchFolder.with(mode: 0o1777) { folder in
            let link = folder.appendingPathComponent("link").path
            let theirs = folder.appendingPathComponent("theirs").path
            let open = folder.appendingPathComponent("open").path
            try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: folder.path)
            try await OtherAccount.run("mkdir -m 700 '\(theirs)'")
            mkdir(open, 0o700)
            chmod(open, 0o777)
            for (path, code) in [(link, FileGuardError.Code.symbolicLink), (theirs, .foreignOwner), (open, .writableByOthers)] {
                let before = PathInfo(path)
                let error = try #require(throws: FileGuardError.self) { try FileGuard.makeFolder(path, mode: 0o700) }
                #expect(error.code == code && error.path == path, "\(error)")
                #expect(PathInfo(path) == before)
            }
        }
    }

    @Test("a new folder gets exactly its mode, a new file its mode from creation, and both belong to the caller")
    func modesFromCreation() async throws {
        try await ScratchFolder.with(mode: 0o755) { folder in
            let shared = folder.appendingPathComponent("shared").path
            let secretFolder = folder.appendingPathComponent("private").path
            try FileGuard.makeFolder(shared, mode: 0o755)
            try FileGuard.makeFolder(secretFolder, mode: 0o700)
            #expect(PathInfo(shared)?.permissions == 0o755)
            #expect(PathInfo(secretFolder)?.permissions == 0o700)

            let secret = secretFolder + "/password"
            var modeWhileWriting: mode_t?
            try FileGuard.replace(secret, mode: 0o600) { handle in
                // Before its first byte, the file is already 0600: no moment when others could open it.
                var info = stat()
                fstat(handle.fileDescriptor, &info)
                modeWhileWriting = info.st_mode & 0o777
                try handle.write(contentsOf: Data("the secret\n".utf8))
            }
            #expect(modeWhileWriting == 0o600)
            #expect(PathInfo(secret)?.permissions == 0o600 && PathInfo(secret)?.uid == geteuid())
            #expect(try FileGuard.read(secret) == Data("the secret\n".utf8))
        }
    }

    @Test("replacing writes a new file and renames it into place: the old file's content is never rewritten")
    func replaceNeverWritesThroughTheOldFile() async throws {
        try await ScratchFolder.with(mode: 0o755) { folder in
            let path = folder.appendingPathComponent("roster.csv").path
            let otherName = folder.appendingPathComponent("roster-hard-link.csv").path
            try Data("old rows\n".utf8).write(to: URL(fileURLWithPath: path))
            link(path, otherName)
            try FileGuard.replace(path, mode: 0o644, contents: Data("new rows\n".utf8))
            #expect(PathInfo(path)?.content == "new rows\n")
            // The old inode, still reachable through the hard link, was not opened for writing.
            #expect(PathInfo(otherName)?.content == "old rows\n")
        }
    }

    @Test("a write that fails leaves the old file as it was and no partial file behind")
    func failedReplaceLeavesNothing() async throws {
        struct Interrupted: Error {}
        try await ScratchFolder.with(mode: 0o755) { folder in
            let path = folder.appendingPathComponent("roster.csv").path
            try Data("old rows\n".utf8).write(to: URL(fileURLWithPath: path))
            #expect(throws: FileGuardError.self) {
                try FileGuard.replace(path, mode: 0o644) { handle in
                    try handle.write(contentsOf: Data("half of the ".utf8))
                    throw Interrupted()
                }
            }
            #expect(PathInfo(path)?.content == "old rows\n")
            #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["roster.csv"])
        }
    }
}
