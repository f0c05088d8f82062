import BenefitCore
import Foundation

/// One migration file, `NNNN_name.sql`.
public struct Migration: Sendable, Equatable {
    /// The number before the underscore; migrations apply in this order.
    public let version: Int
    /// The part after the underscore, without `.sql`.
    public let name: String
    /// The SQL, run as one script in one transaction.
    public let sql: String
    /// The oldest release that keeps working once this migration is applied, named
    /// by the newest migration that release bundles: a line `-- compatible-from: NNNN`
    /// among the file's first comment lines. Nil when the file says nothing: then
    /// only a binary that bundles this migration may run on it (docs/operations.md,
    /// Upgrading hosts one at a time).
    public let compatibleFrom: Int?

    public var fileName: String { Self.fileName(version: version, name: name) }

    /// `NNNN_name.sql`.
    static func fileName(version: Int, name: String) -> String { String(format: "%04d_%@.sql", version, name) }

    public init(version: Int, name: String, sql: String) throws {
        self.version = version
        self.name = name
        self.sql = sql
        self.compatibleFrom = try Self.compatibleFrom(in: sql, version: version, file: Self.fileName(version: version, name: name))
    }

    static let compatibilityMarker = "-- compatible-from:"

    /// The `-- compatible-from: NNNN` line of the file's leading comments, checked:
    /// an earlier migration's number.
    private static func compatibleFrom(in sql: String, version: Int, file: String) throws -> Int? {
        for line in sql.split(separator: "\n", omittingEmptySubsequences: false) {
            let text = line.trimmingCharacters(in: .whitespaces)
            if text.isEmpty { continue }
            guard text.hasPrefix("--") else { return nil }
            guard text.hasPrefix(compatibilityMarker) else { continue }
            // The number, then any words on why.
            let value = text.dropFirst(compatibilityMarker.count).split(separator: " ", maxSplits: 1).first.map(String.init) ?? ""
            guard value.count == 4, let from = Int(value), from >= 1, from < version else {
                throw MigrationError.catalog("\(file): \(compatibilityMarker) takes the number of an earlier migration (NNNN), not \(value)")
            }
            return from
        }
        return nil
    }

    /// Reads `NNNN_name.sql` files from a folder, in version order.
    ///
    /// A migration is one script sent whole, so each file may hold up to ``maximumBytes``.
    public static func load(from directory: URL) throws -> [Migration] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".sql") }
        } catch {
            throw MigrationError.catalog("cannot read migrations from \(directory.path): \(FileFailure.reason(error, folder: directory.path))")
        }
        var files: [(name: String, text: String)] = []
        for name in names {
            let path = directory.appendingPathComponent(name).path
            do {
                files.append((name, try FileFailure.readText(atPath: path, maximumBytes: maximumBytes, what: "a migration")))
            } catch {
                throw MigrationError.catalog("cannot read migration \(path): \(error)")
            }
        }
        return try parse(files)
    }

    /// The most bytes a migration file may hold: 16 MiB, far above any schema change.
    public static let maximumBytes = 16 << 20

    /// Checks names (`NNNN_name.sql`, unique versions) and sorts by version.
    public static func parse(_ files: [(name: String, text: String)]) throws -> [Migration] {
        var migrations: [Migration] = []
        for (file, sql) in files {
            let stem = file.dropLast(4)
            guard file.hasSuffix(".sql"), let underscore = stem.firstIndex(of: "_"),
                  stem[..<underscore].count == 4, let version = Int(stem[..<underscore]), version > 0 else {
                throw MigrationError.catalog("\(file): migration files are named NNNN_name.sql")
            }
            migrations.append(try Migration(version: version, name: String(stem[stem.index(after: underscore)...]), sql: sql))
        }
        migrations.sort { $0.version < $1.version }
        for (previous, next) in zip(migrations, migrations.dropFirst()) where previous.version == next.version {
            throw MigrationError.catalog("\(previous.fileName) and \(next.fileName) share version \(next.version)")
        }
        return migrations
    }
}

/// What `benefit db migrate` refuses, in words an operator can act on.
public enum MigrationError: Error, CustomStringConvertible {
    case catalog(String)
    case changedAfterApply(file: String, recorded: String, onDisk: String)
    case unknownApplied(version: Int, name: String)
    case notCurrent(pending: [String])
    /// A newer release applied `file`, which this release (its newest migration `newest`) cannot run with.
    case aheadIncompatible(file: String, newest: String)

    public var description: String {
        switch self {
        case .catalog(let reason):
            return reason
        case let .changedAfterApply(file, recorded, onDisk):
            return "migration \(file) was changed after it was applied (checksum \(recorded.prefix(12))… recorded, \(onDisk.prefix(12))… on disk): restore the file and put the change in a new migration"
        case .notCurrent(let pending):
            return "the database is not migrated (\(pending.joined(separator: ", ")) not applied): run benefit db migrate"
        case let .unknownApplied(version, name):
            return "the database has migration \(Migration.fileName(version: version, name: name)) that this binary does not know: run a newer benefit"
        case let .aheadIncompatible(file, newest):
            return "the database has migration \(file), which this release (newest migration \(newest)) cannot run with: install the newer benefit on this host"
        }
    }
}
