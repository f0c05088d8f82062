import BenefitCore
import BenefitScheduler
import PostgresClient

/// Statement pieces every program's queries share: which members a campaign's
/// cycle has already served, and a batch's members with their ranks.
enum ProgramQueries {
    /// `SELECT columns candidates`, less the rows of members the campaign's cycle
    /// has served or waitlisted (`benefit.served_member`), so a second run of a
    /// cycle reaches only members the first did not. `candidates` reads the roster
    /// as `m` (`FROM benefit.member m ... WHERE ...`); `columns` are computed from
    /// `m` alone and include `m.member_id`.
    ///
    /// The served members are taken away with EXCEPT, which PostgreSQL runs as a
    /// hash or a sort, never as a nested loop. As NOT EXISTS, the anti-join's plan
    /// followed the statistics of the effect tables, which lag behind a run filling
    /// them: a re-run planned right after one took minutes, rescanning the cycle's
    /// effects for every member. The served side computes the same columns from
    /// the same member rows, so EXCEPT takes away exactly the served members' rows
    /// (`member_id` is among them, and unique), and the roster is read once: taking
    /// away member ids alone and joining the roster again for the columns read it
    /// twice, the second time through whatever join the planner guessed (a nested
    /// loop over a plan's org units, without statistics, took a fifth of a
    /// checkup's planning).
    ///
    /// A cycle's first run has no one to take away, and EXCEPT still sorted or
    /// hashed every candidate (at 1,000,000 members, half a second of a checkup's
    /// three-second fan-out). So the statement is two branches, each behind a
    /// test of whether the cycle has served anyone, which PostgreSQL runs once,
    /// before either branch (a one-time filter): the candidates as they are when
    /// it has not, the EXCEPT when it has. Both read the same snapshot, so the
    /// rows are the same as EXCEPT alone gives.
    ///
    /// PostgreSQL gives such a statement no parallel plan. A program whose
    /// ranking is worth reading on every core asks ``cycleServed(campaignID:cycle:)``
    /// first, in the planning transaction's snapshot, and takes the one branch
    /// from ``unserved(_:_:campaignID:cycle:served:)``.
    static func unserved(_ columns: PostgresQuery, _ candidates: PostgresQuery, campaignID: Int, cycle: String) -> PostgresQuery {
        let servedAny = servedAnyone(campaignID: campaignID, cycle: cycle)
        return """
            SELECT * FROM (\(subquery: unserved(columns, candidates, campaignID: campaignID, cycle: cycle, served: false))) AS everyone
            WHERE NOT EXISTS (\(subquery: servedAny))
            UNION ALL
            SELECT * FROM (\(subquery: unserved(columns, candidates, campaignID: campaignID, cycle: cycle, served: true))) AS unserved
            WHERE EXISTS (\(subquery: servedAny))
            """
    }

    /// The branch of ``unserved(_:_:campaignID:cycle:)`` for a cycle that has
    /// (`served`) or has not served anyone, as ``cycleServed(campaignID:cycle:)``
    /// answered in the same snapshot.
    static func unserved(
        _ columns: PostgresQuery, _ candidates: PostgresQuery, campaignID: Int, cycle: String, served: Bool
    ) -> PostgresQuery {
        guard served else { return "SELECT \(subquery: columns) \(subquery: candidates)" }
        return """
            SELECT \(subquery: columns) \(subquery: candidates)
            EXCEPT
            SELECT \(subquery: columns)
            FROM benefit.served_member s JOIN benefit.member m ON m.member_id = s.member_id
            WHERE s.campaign_id = \(campaignID) AND s.cycle = \(cycle)
            """
    }

    /// Whether the campaign has served or waitlisted anyone in the cycle
    /// (`benefit.served_member`).
    static func cycleServed(campaignID: Int, cycle: String) -> PostgresQuery {
        "SELECT EXISTS (\(subquery: servedAnyone(campaignID: campaignID, cycle: cycle)))"
    }

    private static func servedAnyone(campaignID: Int, cycle: String) -> PostgresQuery {
        "SELECT 1 FROM benefit.served_member s WHERE s.campaign_id = \(campaignID) AND s.cycle = \(cycle)"
    }

    /// A condition on the roster row `m`: the member is still a member on
    /// `referenceDate` (never left, or leaves after it). Every program's
    /// population has it, so a member who left drops out of all of them alike.
    ///
    /// A test on the row the population already reads: no join, no function per
    /// row, and nearly every row settles it at `left_on IS NULL`.
    static func memberOn(_ referenceDate: CalendarDate) -> PostgresQuery {
        "(m.left_on IS NULL OR m.left_on > \(referenceDate)::date)"
    }

    /// A batch's members with their ranks in the run, `member_id, rank`.
    static func ranked(_ batch: RunBatch) -> PostgresQuery {
        """
        SELECT b.member_id, b.rank
        FROM unnest(\(batch.memberIDs)::text[], \(batch.ranks)::bigint[]) AS b(member_id, rank)
        """
    }

    /// The effect tables whose rows count a member as served for one program's
    /// campaigns: the parts of `benefit.served_member` that program's batches
    /// write. Relief's and recuperation's waitlist entries do not count (a later
    /// run of the cycle may still serve them); a job fair's do.
    enum ServedEffects {
        case grants, allocations, fairPlaces
    }

    /// A join to add after a batch's member row `b`: `served.found` is 1 when the
    /// run's campaign has already served `b.member_id` in this cycle (another
    /// run got there first), NULL otherwise.
    ///
    /// One primary-key probe per member into the program's own effect tables,
    /// `effects`: LATERAL with LIMIT keeps them probes. As an anti-join, the plan
    /// would follow statistics that lag while a run fills these tables, and could
    /// rescan the whole cycle per member. Through `benefit.served_member` it was
    /// a probe into each of the five effect tables, four of which cannot hold the
    /// campaign's rows: 28 µs of a recuperation batch's 65 µs per member.
    static func servedProbe(_ run: RunContext, in effects: ServedEffects) -> PostgresQuery {
        let (campaign, cycle) = (run.campaignID, run.cycle)
        let found: PostgresQuery = switch effects {
        case .grants:
            "SELECT 1 FROM benefit.grant e WHERE e.campaign_id = \(campaign) AND e.cycle = \(cycle) AND e.member_id = b.member_id"
        case .allocations:
            "SELECT 1 FROM benefit.allocation e WHERE e.campaign_id = \(campaign) AND e.cycle = \(cycle) AND e.member_id = b.member_id"
        case .fairPlaces:
            """
            SELECT 1 FROM benefit.fair_place e WHERE e.campaign_id = \(campaign) AND e.cycle = \(cycle) AND e.member_id = b.member_id
            UNION ALL
            SELECT 1 FROM benefit.waitlist_entry w WHERE w.campaign_id = \(campaign) AND w.cycle = \(cycle) AND w.member_id = b.member_id
            """
        }
        return """
            LEFT JOIN LATERAL (
                SELECT 1 AS found FROM (\(subquery: found)) AS e
                LIMIT 1
            ) served ON true
            """
    }
}
