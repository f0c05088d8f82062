import Foundation
import Logging
import PostgresClient

/// Which database a command talks to.
public enum DatabaseLocation {
    /// The `--database-url` given, else `DATABASE_URL`, else the embedded cluster
    /// (created and started on first use).
    public static func resolve(url: String?, logger: Logger) async throws -> PostgresConfiguration {
        if let given = given(url: url) { return try PostgresConfiguration(given) }
        return try await EmbeddedPostgres(root: EmbeddedPostgres.defaultRoot(), logger: logger).start()
    }

    /// The URL given (`url`, else `DATABASE_URL`); nil means the embedded cluster.
    public static func given(url: String?) -> String? {
        if let url, !url.isEmpty { return url }
        if let url = ProcessInfo.processInfo.environment["DATABASE_URL"], !url.isEmpty { return url }
        return nil
    }
}
