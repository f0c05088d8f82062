import Foundation
import PostgresClient

/// The statements on `benefit.campaign` and `benefit.campaign_revision`, named for who runs them.
enum CampaignQueries {
    /// Run by `campaign apply`: locks the campaign, if it exists, and compares its
    /// definition with the file's as jsonb (key order and spacing do not count).
    static func lockForApply(name: String, json: String) -> PostgresQuery {
        "SELECT id, revision, definition = \(json)::jsonb FROM benefit.campaign WHERE name = \(name) FOR UPDATE"
    }

    /// Run by `campaign apply` for a changed campaign, before it is revised: of
    /// `parameters`, those whose value `json` changes, each with the campaign's
    /// latest cycle that has a run (a run keeps the revision it was created with,
    /// so that cycle's first run fixes them from the old one, if it has not
    /// already); nothing when no cycle has. A run cancelled before it planned
    /// fixed nothing and does not count.
    static func fixedForCycle(id: Int, parameters: [String], json: String) -> PostgresQuery {
        """
        SELECT k.key, planned.cycle
        FROM unnest(\(parameters)::text[]) WITH ORDINALITY AS k(key, n)
        JOIN benefit.campaign c ON c.id = \(id)
        CROSS JOIN LATERAL (
            SELECT r.cycle FROM benefit.run r
            WHERE r.campaign_id = c.id AND (r.state <> 'cancelled' OR r.plan_job_id IS NOT NULL)
            ORDER BY r.fire_time DESC LIMIT 1
        ) planned
        WHERE c.definition -> 'parameters' -> k.key IS DISTINCT FROM \(json)::jsonb -> 'parameters' -> k.key
        ORDER BY k.n
        """
    }

    /// Run by `campaign apply` for a new name: the campaign and its revision 1.
    static func create(_ source: CampaignStore.Source, json: String, by operatorName: String) -> PostgresQuery {
        """
        WITH created AS (
            INSERT INTO benefit.campaign (name, program, revision, definition)
            VALUES (\(source.definition.name), \(source.definition.program), 1, \(json)::jsonb)
            RETURNING id
        )
        INSERT INTO benefit.campaign_revision (campaign_id, revision, definition, source, source_file, applied_by)
        SELECT id, 1, \(json)::jsonb, \(source.text), \(source.fileName), \(operatorName) FROM created
        """
    }

    /// Run by `campaign apply` for a changed file: a new revision, made current.
    static func revise(id: Int, revision: Int, _ source: CampaignStore.Source, json: String, by operatorName: String) -> PostgresQuery {
        """
        WITH revised AS (
            INSERT INTO benefit.campaign_revision (campaign_id, revision, definition, source, source_file, applied_by)
            VALUES (\(id), \(revision), \(json)::jsonb, \(source.text), \(source.fileName), \(operatorName))
        )
        UPDATE benefit.campaign
        SET revision = \(revision), program = \(source.definition.program), definition = \(json)::jsonb, updated_at = now()
        WHERE id = \(id)
        """
    }

    /// The columns ``CampaignStore/record(from:)`` reads, in its order.
    static let record: PostgresQuery = """
        SELECT id, name, revision, definition::text, paused, paused_reason, scheduled_through
        FROM benefit.campaign
        """

    /// Run by `campaign trigger`: the campaign, locked like the scheduler locks it.
    static func lockByName(_ name: String) -> PostgresQuery {
        "\(subquery: record) WHERE name = \(name) FOR UPDATE"
    }

    static func byName(_ name: String) -> PostgresQuery {
        "\(subquery: record) WHERE name = \(name)"
    }

    static func all() -> PostgresQuery {
        "\(subquery: record) ORDER BY name"
    }

    static func pause(name: String, reason: String) -> PostgresQuery {
        """
        UPDATE benefit.campaign SET paused = true, paused_reason = \(reason), paused_at = now(), updated_at = now()
        WHERE name = \(name) AND NOT paused
        """
    }

    static func resume(name: String) -> PostgresQuery {
        """
        UPDATE benefit.campaign SET paused = false, paused_reason = NULL, paused_at = NULL, updated_at = now()
        WHERE name = \(name) AND paused
        """
    }

    static func revisions(name: String) -> PostgresQuery {
        """
        SELECT rv.revision, rv.applied_at, rv.applied_by, rv.source_file
        FROM benefit.campaign_revision rv JOIN benefit.campaign c ON c.id = rv.campaign_id
        WHERE c.name = \(name) ORDER BY rv.revision DESC
        """
    }

    /// Run by the console's campaign page: the files of the latest `count`
    /// revisions as applied, newest first (for the diff between the last two).
    static func revisionSources(name: String, count: Int) -> PostgresQuery {
        """
        SELECT rv.revision, rv.source
        FROM benefit.campaign_revision rv JOIN benefit.campaign c ON c.id = rv.campaign_id
        WHERE c.name = \(name) ORDER BY rv.revision DESC LIMIT \(count)
        """
    }

    // MARK: The scheduler

    /// Run by the scheduler each tick, per campaign: locks the campaign row, so two
    /// schedulers that both think they lead handle one campaign one after the
    /// other, the second seeing the first's `scheduled_through`.
    static func lockCampaign(id: Int) -> PostgresQuery {
        "\(subquery: record) WHERE id = \(id) FOR UPDATE"
    }

    /// Run by the scheduler after creating a tick's runs, in the same transaction.
    static func advance(campaignID: Int, through: Date) -> PostgresQuery {
        "UPDATE benefit.campaign SET scheduled_through = greatest(scheduled_through, \(through)) WHERE id = \(campaignID)"
    }

    /// Run by the scheduler each tick: campaigns to look at.
    static let activeCampaigns: PostgresQuery = "\(subquery: record) WHERE NOT paused ORDER BY id"
}
