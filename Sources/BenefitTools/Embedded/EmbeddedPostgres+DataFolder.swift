import BenefitCore
import Foundation

extension EmbeddedPostgres {
    /// Where clusters go when the server account cannot reach `.benefit/pg`.
    static let fallbackBase = "/var/lib/benefit"

    /// `.benefit/pg` when the server account can reach it; otherwise
    /// `/var/lib/benefit/KEY/pg`, KEY from `.benefit`'s path, so the same
    /// checkout always maps to the same folder.
    ///
    /// `.benefit` is private to the caller (0700), so when root starts the server
    /// as `postgres`, a `.benefit` it made itself is out of that account's reach,
    /// as is any folder under a private one such as `/root`. The fallback's
    /// folders are the caller's and searchable by all (0755), so the account can
    /// reach the data folder, which is its own (0700); only the caller can write
    /// beside it, where initdb's password file goes.
    func chooseDataDirectory(_ account: ServerAccount) async throws -> String {
        let preferred = root.appendingPathComponent("pg").path
        if try await account.canSearch(root.path) {
            try await prepareDataFolder(preferred, account)
            return preferred
        }
        let keyed = Self.fallbackBase + "/" + Self.stableHash(root.path)
        let fallback = keyed + "/pg"
        try await runBlocking("embedded-fallback") {
            try FileGuard.makeFolder(Self.fallbackBase, mode: 0o755)
            try FileGuard.makeFolder(keyed, mode: 0o755)
        }
        guard try await account.canSearch(keyed) else {
            throw EmbeddedPostgresError("the \(account.owner.name) account can reach neither \(preferred) nor \(fallback)")
        }
        logger.notice("the \(account.owner.name) account cannot reach \(preferred) (a folder on the way is private); the cluster goes under \(fallback) instead")
        try await prepareDataFolder(fallback, account)
        return fallback
    }

    /// Makes the data folder (0700) and gives it to the server account; a folder
    /// left by an initdb that did not finish is cleared first. A folder there that
    /// belongs to anyone but the server account is refused.
    private func prepareDataFolder(_ path: String, _ account: ServerAccount) async throws {
        try await runBlocking("embedded-data-folder") {
            if try FileGuard.inspect(path, kind: .folder, owner: account.owner) {
                // A folder holding a cluster is left for initdb to refuse in its own words.
                guard !FileManager.default.fileExists(atPath: path + "/PG_VERSION") else { return }
                do {
                    try FileManager.default.removeItem(atPath: path)
                } catch {
                    throw EmbeddedPostgresError("cannot clear \(path), left by an initdb that did not finish: \(FileFailure.reason(error))")
                }
            }
            try FileGuard.makeFolder(path, mode: 0o700)
            try account.handOver(path)
        }
        guard try await account.canWrite(path) else {
            throw EmbeddedPostgresError("the \(account.owner.name) account cannot write its data folder \(path)")
        }
    }

    /// FNV-1a of the path: the same checkout always maps to the same fallback folder.
    static func stableHash(_ text: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        return String(hash, radix: 16)
    }
}
