import PostgresClient

/// The statement on `benefit.org_unit`.
enum OrgUnitQueries {
    /// Run by `members units` (an operator): adds the file's units and changes the
    /// district of those listed with another; returns `added, updated`. Units listed
    /// as they are stay untouched (their `updated_at` says when they last changed).
    static func upsert(_ units: [OrgUnitRegister.Unit]) -> PostgresQuery {
        """
        WITH changed AS (
            INSERT INTO benefit.org_unit AS u (org_unit, district)
            SELECT g.org_unit, g.district FROM unnest(\(units.map(\.orgUnit))::text[], \(units.map(\.district))::text[]) AS g(org_unit, district)
            ON CONFLICT (org_unit) DO UPDATE SET district = EXCLUDED.district, updated_at = now()
            WHERE u.district IS DISTINCT FROM EXCLUDED.district
            RETURNING (xmax = 0) AS inserted
        )
        SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM changed
        """
    }
}
