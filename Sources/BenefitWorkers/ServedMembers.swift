import BenefitScheduler

/// The one rule every program's population follows: members a campaign's cycle
/// already served or waitlisted (`benefit.served_member`) are not taken again,
/// so a second run of a cycle reaches only members the first did not.
enum ServedMembers {
    /// `candidates` (a query of `member_id`) less the members the campaign's cycle
    /// has served or waitlisted.
    ///
    /// The served members are taken away with EXCEPT, which PostgreSQL runs as a
    /// hash or a sort, never as a nested loop. As NOT EXISTS, the anti-join's plan
    /// followed the statistics of the effect tables, which lag behind a run filling
    /// them: a re-run planned right after one took minutes, rescanning the cycle's
    /// effects for every member.
    static func unserved(_ candidates: PostgresQuery, campaignID: Int, cycle: String) -> PostgresQuery {
        """
        SELECT c.member_id FROM (\(subquery: candidates)) AS c
        EXCEPT
        SELECT s.member_id FROM benefit.served_member s WHERE s.campaign_id = \(campaignID) AND s.cycle = \(cycle)
        """
    }
}
