import Foundation
import PostgresClient

/// The record of operators' actions (`benefit.audit_event`, migrations/0011_audit.sql).
///
/// Every audited action calls ``record(_:on:)`` inside its own transaction,
/// after it has done its work and knows it did something: the row commits with
/// the action or not at all. The table is append-only for every role but the
/// owner, and the database, not the client, says which login acted and when.
///
/// Adding an audited action is one call: build an ``AuditEntry`` with its
/// ``AuditAction`` and record it in the action's transaction.
public enum AuditTrail {
    /// Records `entry` in the transaction `transaction` has open; returns the event's id.
    ///
    /// - Throws: ``AuditError`` with code `notInTransaction` when no transaction is
    ///   open (a row committed apart from its action could outlive an action that
    ///   failed); `PostgresError` when the database refuses it (a login that may
    ///   not record: 42501).
    @discardableResult
    public static func record(_ entry: AuditEntry, on transaction: PostgresConnection) async throws -> Int {
        guard await transaction.inTransaction else {
            throw AuditError(.notInTransaction, "\(entry.action.rawValue) must be recorded in the transaction of the action")
        }
        return try await transaction.query(AuditQueries.insert(entry)).single(Int.self)
    }

    /// Recorded events that pass `filter`, newest first.
    public static func events(_ filter: AuditFilter, on pool: PostgresPool) async throws -> [AuditEvent] {
        try await pool.query(AuditQueries.list(filter)).decode((Int, Date, String, String, String, String, String?, String).self)
            .map { id, at, dbUser, osUser, action, target, reason, details in
                guard let action = AuditAction(rawValue: action) else {
                    throw PostgresError(code: .decoding, message: "audit event \(id) has an action this version does not know: \(action)")
                }
                let decoded: [String: AuditDetail]
                do {
                    decoded = try JSONDecoder().decode([String: AuditDetail].self, from: Data(details.utf8))
                } catch {
                    throw PostgresError(code: .decoding, message: "audit event \(id)'s details cannot be read: \(error)")
                }
                return AuditEvent(
                    id: id, at: at, databaseUser: dbUser, operatorName: osUser, action: action, targetType: action.targetType, target: target, reason: reason,
                    details: decoded)
            }
    }
}

/// Which events ``AuditTrail/events(_:on:)`` returns.
public struct AuditFilter: Sendable, Hashable {
    /// Only events at or after this instant.
    public var since: Date?
    /// Only events on this target: as recorded (`winter-warmth`, `812`) or with its type (`job:812`).
    public var target: String?
    /// Only events of this action.
    public var action: AuditAction?
    /// At most this many, the newest.
    public var limit: Int

    public init(since: Date? = nil, target: String? = nil, action: AuditAction? = nil, limit: Int = 100) {
        self.since = since
        self.target = target
        self.action = action
        self.limit = limit
    }
}

/// One recorded action, as `benefit.audit` shows it.
public struct AuditEvent: Sendable, Hashable, Codable {
    public let id: Int
    /// When: the time of the action's transaction.
    public let at: Date
    /// The login that acted (`session_user`), as the database knows it.
    public let databaseUser: String
    /// The OS user@host (or console user) the client said it was.
    public let operatorName: String
    public let action: AuditAction
    public let targetType: AuditTargetType
    public let target: String
    public let reason: String?
    public let details: [String: AuditDetail]
}
