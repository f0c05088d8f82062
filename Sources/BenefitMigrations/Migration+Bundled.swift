import PostgresClient

extension Migration {
    /// The migrations compiled into this binary from the package's `migrations/` folder.
    public static func bundled() throws -> [Migration] {
        try parse(embeddedMigrationFiles)
    }
}
