import BenefitCore
import BenefitTestSupport
import BenefitTools
import Foundation
import Testing

/// The embedded cluster's `.benefit` folder as another user could leave it: the
/// cluster refuses to start, names what it refused, and writes nothing — above
/// all not the superuser's password into a file someone else can read.
@Suite("Embedded cluster's folder")
struct EmbeddedHomeTests {
    /// What another user could have left in or as `.benefit` before root runs a command.
    enum Planted: String, CaseIterable, Sendable {
        case homeOfAnotherAccount, homeOthersCanWrite, homeIsALink
        case passwordOfAnotherAccount, passwordIsALink, lockIsALink, stateIsALink
        case dataFolderOfAnotherAccount, dataFolderIsALink, serverLogIsALink

        var code: FileGuardError.Code {
            switch self {
            case .homeOfAnotherAccount, .passwordOfAnotherAccount, .dataFolderOfAnotherAccount: .foreignOwner
            case .homeOthersCanWrite: .writableByOthers
            case .homeIsALink, .passwordIsALink, .lockIsALink, .stateIsALink, .dataFolderIsALink, .serverLogIsALink: .symbolicLink
            }
        }

        /// Makes `scratch/.benefit` as an earlier release left it (root's, mode 0755,
        /// so the postgres account can reach `.benefit/pg`), plants the thing, and
        /// returns the planted path. Links point at `scratch/target`, a file of root's.
        func plant(home: URL, in scratch: URL) async throws -> String {
            let target = scratch.appendingPathComponent("target").path
            let elsewhere = scratch.appendingPathComponent("elsewhere").path
            try Data("the target's own words\n".utf8).write(to: URL(fileURLWithPath: target))
            try FileManager.default.createDirectory(atPath: elsewhere, withIntermediateDirectories: false)
            let stranger = try await OtherAccount.uid()
            switch self {
            case .homeOfAnotherAccount:
                try await OtherAccount.run("mkdir -m 755 '\(home.path)'")
                return home.path
            case .homeIsALink:
                try FileManager.default.createSymbolicLink(atPath: home.path, withDestinationPath: elsewhere)
                return home.path
            default:
                try FileManager.default.createDirectory(at: home, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o755])
            }
            let path = { (name: String) in home.appendingPathComponent(name).path }
            switch self {
            case .homeOthersCanWrite:
                chmod(home.path, 0o777)
                return home.path
            case .passwordOfAnotherAccount:
                try Data("planted\n".utf8).write(to: URL(fileURLWithPath: path("password")))
                chown(path("password"), stranger, gid_t(bitPattern: -1))
                chmod(path("password"), 0o666)
                return path("password")
            case .passwordIsALink, .lockIsALink, .stateIsALink:
                let name = [.passwordIsALink: "password", .lockIsALink: "embedded.lock", .stateIsALink: "embedded.json"][self]!
                try FileManager.default.createSymbolicLink(atPath: path(name), withDestinationPath: target)
                return path(name)
            case .dataFolderOfAnotherAccount:
                try FileManager.default.createDirectory(atPath: path("pg"), withIntermediateDirectories: false)
                try Data("theirs\n".utf8).write(to: URL(fileURLWithPath: path("pg/keep")))
                chown(path("pg"), stranger, gid_t(bitPattern: -1))
                return path("pg")
            case .dataFolderIsALink:
                try FileManager.default.createSymbolicLink(atPath: path("pg"), withDestinationPath: elsewhere)
                return path("pg")
            case .serverLogIsALink:
                // A cluster on record: its folder the postgres account's, as the server needs it.
                let postgres = try #require(getpwnam("postgres")).pointee.pw_uid
                try FileManager.default.createDirectory(atPath: path("pg"), withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
                try Data("15\n".utf8).write(to: URL(fileURLWithPath: path("pg/PG_VERSION")))
                try FileManager.default.createSymbolicLink(atPath: path("pg/server.log"), withDestinationPath: target)
                chown(path("pg"), postgres, gid_t(bitPattern: -1))
                try Data(#"{"dataDirectory": "\#(path("pg"))", "port": 1}"#.utf8).write(to: URL(fileURLWithPath: path("embedded.json")))
                try Data("secret\n".utf8).write(to: URL(fileURLWithPath: path("password")))
                chmod(path("password"), 0o600)
                chmod(path("embedded.json"), 0o600)
                return path("pg/server.log")
            case .homeOfAnotherAccount, .homeIsALink:
                preconditionFailure("planted above")
            }
        }
    }

    @Test("as root, a .benefit another user could have planted, or planted in, is refused in one line naming the path, and nothing there is written",
          .enabled(if: getuid() == 0, "the postgres account and other users' files need root"),
          arguments: Planted.allCases)
    func plantedHomeIsRefused(planted: Planted) async throws {
        try await ScratchFolder.with(mode: 0o1777) { scratch in
            let home = scratch.appendingPathComponent(".benefit")
            let path = try await planted.plant(home: home, in: scratch)
            let before = try Self.snapshot(scratch)

            var thrown: (any Error)?
            do {
                _ = try await EmbeddedPostgres(root: home, logger: TestDatabase.quietLogger).start()
            } catch {
                thrown = error
            }
            // A cluster started in spite of the planted file must not outlive the test.
            _ = try? await EmbeddedPostgres(root: home, logger: TestDatabase.quietLogger).stop()

            let error = try #require(thrown as? FileGuardError, "\(String(describing: thrown))")
            #expect(error.code == planted.code)
            #expect(error.path == path)
            #expect(error.description.contains(path) && !error.description.contains("\n"), "\(error)")
            #expect(try Self.snapshot(scratch) == before, "nothing in the folder changed")
        }
    }

    /// Every path under `folder` (links not followed) and what lstat says of it;
    /// an empty lock file of the caller's, which start() may make, is left out.
    static func snapshot(_ folder: URL) throws -> [String: PathInfo] {
        var result: [String: PathInfo] = [:]
        var pending = [folder.path]
        while let path = pending.popLast() {
            guard let info = PathInfo(path) else { continue }
            if path.hasSuffix("/embedded.lock"), info.mode & S_IFMT == S_IFREG, info.uid == geteuid(), info.content == "" { continue }
            result[path] = info
            if info.mode & S_IFMT == S_IFDIR {
                pending += try FileManager.default.contentsOfDirectory(atPath: path).map { path + "/" + $0 }
            }
        }
        return result
    }
}
