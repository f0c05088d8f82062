import Foundation
import PostgresClient

/// The statements on hardship-aid applications. Writes go through the
/// database's functions (migration 0022), which check the program's rules and
/// record the audit row in the same transaction.
enum AidApplicationQueries {
    /// Run by `aid apply` (one draft, `source` nil) and `aid import` (every row
    /// of a file, `source` the file): records them all or none.
    static func record(campaign: String, drafts: [AidApplicationDraft], by operatorName: String, source: String?) -> PostgresQuery {
        "SELECT benefit.aid_record_applications(\(campaign), \(PostgresJSON(drafts)), \(operatorName), \(source))"
    }

    /// Run by `aid review`, as the reviewing login: returns the state after it.
    static func review(_ id: Int, _ decision: AidDecision, reason: String, by operatorName: String) -> PostgresQuery {
        "SELECT benefit.aid_review(\(id), \(decision.word), \(decision.amount)::numeric, \(reason), \(operatorName))"
    }

    /// Run by `aid list`: applications with `status` (every one when nil), oldest first.
    static func list(status: AidStatus?, limit: Int) -> PostgresQuery {
        """
        SELECT application_id, member_id, campaign, category, requested, status, recorded_by, recorded_at,
               first_reviewer, decided_by, decision_reason, approved_amount, paid_at
        FROM benefit.aid_applications
        WHERE \(status?.rawValue)::text IS NULL OR status = \(status?.rawValue)::text
        ORDER BY application_id
        LIMIT \(limit)
        """
    }
}
