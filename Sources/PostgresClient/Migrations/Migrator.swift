import BenefitCore
import Foundation
import Logging

/// Applies migration files in order, each in its own transaction, and reports their state.
///
/// A session-level advisory lock makes concurrent migrators (two hosts deploying
/// at once) take turns: the second waits, then finds everything applied. Each
/// applied file is recorded with its SHA-256; a file changed after it was applied
/// stops the migration before anything runs.
public struct Migrator: Sendable {
    public let migrations: [Migration]
    private let logger: Logger

    public init(migrations: [Migration], logger: Logger = Logger(label: "benefit.migrations")) {
        self.migrations = migrations
        self.logger = logger
    }

    /// One migration's state in a database.
    public struct Entry: Sendable, Equatable {
        public enum State: Sendable, Equatable {
            case applied(at: Date, by: String)
            case pending
            /// Applied, but the file on disk no longer matches.
            case changed
            /// Applied by a newer binary; no file here.
            case unknown
        }
        public let version: Int
        public let name: String
        public let state: State
        /// For a migration a newer binary applied: the oldest release it keeps
        /// working (``Migration/compatibleFrom``), as the database recorded it.
        public var compatibleFrom: Int? = nil

        public var fileName: String { Migration.fileName(version: version, name: name) }
    }

    /// Every migration known here or recorded in the database, with its state.
    public func status(on connection: PostgresConnection) async throws -> [Entry] {
        try await compare(on: connection).entries
    }

    /// Applies the pending migrations and returns them.
    @discardableResult
    public func migrate(on connection: PostgresConnection) async throws -> [Migration] {
        try await connection.query(SchemaMigrationsQueries.lock())
        do {
            let applied = try await applyPending(on: connection)
            try await connection.query(SchemaMigrationsQueries.unlock())
            return applied
        } catch {
            _ = try? await connection.query(SchemaMigrationsQueries.unlock())
            throw error
        }
    }

    private func applyPending(on connection: PostgresConnection) async throws -> [Migration] {
        let comparison = try await compare(on: connection)
        try comparison.requireNothingChangedOrUnknown()
        let pending = migrations.filter { comparison.recorded[$0.version] == nil }
        let operatorName = OperatorIdentity.current
        for migration in pending {
            let started = ContinuousClock.now
            let checksum = comparison.checksums[migration.version] ?? ""
            try await connection.transaction { connection in
                try await connection.unsafeExecuteScript(migration.sql)
                try await connection.query(SchemaMigrationsQueries.record(migration, checksum: checksum, by: operatorName))
                if let from = migration.compatibleFrom {
                    try await connection.query(SchemaMigrationsQueries.recordCompatibility(migration, from: from))
                }
            }
            logger.info("applied migration \(migration.fileName)", metadata: ["duration": "\(ContinuousClock.now - started)"])
        }
        return pending
    }

    private struct Comparison {
        var entries: [Entry]
        var recorded: [Int: (name: String, checksum: String)]
        var checksums: [Int: String]

        /// Throws for a migration edited after it was applied, or applied by a newer binary.
        func requireNothingChangedOrUnknown() throws {
            try requireNothingChanged()
            if let entry = entries.first(where: { $0.state == .unknown }) {
                throw MigrationError.unknownApplied(version: entry.version, name: entry.name)
            }
        }

        /// Throws for a migration edited after it was applied.
        func requireNothingChanged() throws {
            if let entry = entries.first(where: { $0.state == .changed }) {
                throw MigrationError.changedAfterApply(
                    file: entry.fileName, recorded: recorded[entry.version]?.checksum ?? "", onDisk: checksums[entry.version] ?? "")
            }
        }
    }

    private func compare(on connection: PostgresConnection) async throws -> Comparison {
        let checksumList = try await connection.query(SchemaMigrationsQueries.checksums(of: migrations.map(\.sql)))
            .decode(String.self)
        let checksums = Dictionary(uniqueKeysWithValues: zip(migrations.map(\.version), checksumList))
        var recorded: [Int: (name: String, checksum: String, at: Date, by: String, compatibleFrom: Int?)] = [:]
        if try await connection.query(SchemaMigrationsQueries.tableExists()).single(Bool.self) {
            let withCompatibility = try await connection.query(SchemaMigrationsQueries.compatibilityRecorded()).single(Bool.self)
            for (version, name, checksum, at, by, compatibleFrom) in try await connection.query(
                SchemaMigrationsQueries.applied(withCompatibility: withCompatibility)
            ).decode((Int, String, String, Date, String, Int?).self) {
                recorded[version] = (name, checksum, at, by, compatibleFrom)
            }
        }
        var entries: [Entry] = migrations.map { migration in
            guard let row = recorded[migration.version] else {
                return Entry(version: migration.version, name: migration.name, state: .pending)
            }
            let same = row.checksum == checksums[migration.version]
            return Entry(version: migration.version, name: migration.name, state: same ? .applied(at: row.at, by: row.by) : .changed)
        }
        let known = Set(migrations.map(\.version))
        for (version, row) in recorded where !known.contains(version) {
            entries.append(Entry(version: version, name: row.name, state: .unknown, compatibleFrom: row.compatibleFrom))
        }
        entries.sort { $0.version < $1.version }
        return Comparison(entries: entries, recorded: recorded.mapValues { ($0.name, $0.checksum) }, checksums: checksums)
    }
}

extension Migrator {
    /// Throws unless this binary may run on the database: every bundled migration
    /// applied and unchanged, and every migration a newer release applied declaring
    /// that this release keeps working (`-- compatible-from:` at or before this
    /// binary's newest migration). Returns those newer migrations, oldest first:
    /// empty when the database is exactly at this binary's migrations.
    ///
    /// Daemons call it at start and, through ``SchemaWatch``, while they run.
    @discardableResult
    public func requireCompatible(on connection: PostgresConnection) async throws -> [Entry] {
        let comparison = try await compare(on: connection)
        try comparison.requireNothingChanged()
        let pending = comparison.entries.filter { $0.state == .pending }
        guard pending.isEmpty else { throw MigrationError.notCurrent(pending: pending.map(\.fileName)) }
        let ahead = comparison.entries.filter { $0.state == .unknown }
        let newest = migrations.last?.version ?? 0
        if let incompatible = ahead.first(where: { ($0.compatibleFrom ?? Int.max) > newest }) {
            throw MigrationError.aheadIncompatible(file: incompatible.fileName, newest: migrations.last?.fileName ?? "none")
        }
        return ahead
    }

    /// What ``requireCompatible(on:)`` checks of the migrations newer than this
    /// binary's, without comparing every file: a read of a few rows, cheap enough
    /// for a running daemon to repeat.
    public func requireNewerCompatible(on connection: PostgresConnection) async throws {
        guard let newest = migrations.last else { return }
        guard try await connection.query(SchemaMigrationsQueries.compatibilityRecorded()).single(Bool.self) else { return }
        for (version, name, compatibleFrom) in try await connection.query(SchemaMigrationsQueries.newer(than: newest.version))
            .decode((Int, String, Int?).self) where (compatibleFrom ?? Int.max) > newest.version {
            throw MigrationError.aheadIncompatible(file: Migration.fileName(version: version, name: name), newest: newest.fileName)
        }
    }
}
