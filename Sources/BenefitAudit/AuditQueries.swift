import Foundation
import PostgresClient

/// The statements on `benefit.audit_event` and its view `benefit.audit`, named for who runs them.
enum AuditQueries {
    /// Run by every audited operator action, in the transaction of the action
    /// (``AuditTrail/record(_:on:)``). Only the columns a client knows: the
    /// table's trigger stamps the login and the time.
    static func insert(_ entry: AuditEntry) -> PostgresQuery {
        """
        INSERT INTO benefit.audit_event (os_user, action, target_type, target, reason, details)
        VALUES (\(entry.operatorName), \(entry.action.rawValue), \(entry.action.targetType.rawValue), \(entry.target),
                \(entry.reason), \(PostgresJSON(entry.details)))
        RETURNING id
        """
    }

    /// Run by `benefit audit list`: the newest events first, through the view
    /// administrators read. `target` matches a target as it is (`winter-warmth`,
    /// `812`) or with its type (`job:812`).
    static func list(_ filter: AuditFilter) -> PostgresQuery {
        """
        SELECT audit_id, at, db_user, os_user, action, target, reason, details::text
        FROM benefit.audit
        WHERE (\(filter.since)::timestamptz IS NULL OR at >= \(filter.since)::timestamptz)
          AND (\(filter.target)::text IS NULL OR target = \(filter.target)::text OR target_type || ':' || target = \(filter.target)::text)
          AND (\(filter.action?.rawValue)::text IS NULL OR action = \(filter.action?.rawValue)::text)
        ORDER BY at DESC, audit_id DESC
        LIMIT \(filter.limit)
        """
    }
}
