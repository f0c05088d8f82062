import BenefitCore
import Foundation

/// The `.benefit` folder (or `$BENEFIT_HOME`): the embedded cluster's password,
/// its state and its lock.
///
/// The superuser's password is written here, so the folder and everything read
/// or written in it must be the caller's alone: the folder is made 0700, and it
/// and each file are refused (``FileGuard``) when they are links, belong to
/// another account or can be written by others — a `.benefit/password` planted
/// by another user would otherwise receive the password, and a link there would
/// have root overwrite the link's target. Every method blocks on the file
/// system: call them in ``runBlocking(_:_:)``.
struct EmbeddedHome: Sendable {
    let root: URL

    var path: String { root.path }
    var passwordFile: String { path + "/password" }
    var stateFile: String { path + "/embedded.json" }
    var lockFile: String { path + "/embedded.lock" }

    /// Makes the folder (0700; missing parents as `mkdir -p` makes them) or checks
    /// the one there, and checks the files in it that commands use.
    func prepare() throws {
        let parent = root.deletingLastPathComponent().path
        do {
            try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
        } catch {
            throw EmbeddedPostgresError("cannot create \(parent): \(FileFailure.reason(error))")
        }
        try FileGuard.makeFolder(path, mode: 0o700)
        for file in [passwordFile, stateFile, lockFile] {
            try FileGuard.inspect(file, kind: .file)
        }
    }

    /// The cluster's password.
    func password() throws -> String {
        guard let data = try FileGuard.read(passwordFile) else {
            throw EmbeddedPostgresError("\(passwordFile) is missing: the embedded cluster's password is lost")
        }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Writes the password to a new file, mode 0600 from its creation.
    func savePassword(_ password: String) throws {
        try FileGuard.replace(passwordFile, mode: 0o600, contents: Data((password + "\n").utf8))
    }

    /// What `embedded.json` records; nil before the first cluster.
    func loadState() throws -> EmbeddedState? {
        guard let data = try FileGuard.read(stateFile) else { return nil }
        do {
            return try JSONDecoder().decode(EmbeddedState.self, from: data)
        } catch {
            throw EmbeddedPostgresError("\(stateFile) is damaged: \(error)")
        }
    }

    func saveState(_ state: EmbeddedState) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try FileGuard.replace(stateFile, mode: 0o600, contents: try encoder.encode(state))
    }
}

/// What `.benefit/embedded.json` records.
struct EmbeddedState: Codable {
    var dataDirectory: String
    var port: Int
    var logFile: String { dataDirectory + "/server.log" }
}
