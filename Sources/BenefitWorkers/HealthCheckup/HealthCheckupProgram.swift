import BenefitCore
import BenefitQueue
import BenefitScheduler
import Foundation
import PostgresClient

/// `health-checkup` (分批分项体检): one appointment per due member and cycle, at
/// a hospital on a workday, with a package by age band and gender.
///
/// ```yaml
/// program: health-checkup
/// parameters:
///   interval: 1y
///   startDate: 2027-03-01
///   holidays: [2027-04-05, 2027-05-03]
///   hospitals:
///     - { name: 市第一人民医院, dailyCapacity: 120 }
///     - { name: 中医附院, dailyCapacity: 80 }
///   packages:
///     - { name: basic, ageBelow: 35 }
///     - { name: standard, ageBelow: 50 }
///     - { name: extended }
///   womenExtra: two-cancer-screening
/// ```
///
/// **How a run books.** Planning (``prepare(_:on:)``) opens the cycle's
/// calendar and hospitals (or finds them open: every run of a cycle books on
/// the calendar and capacities its first run set), locks the run's hospitals'
/// rows, counts the due members per org unit, shares whole units out among the
/// hospitals (``UnitAssignment``), and reserves each hospital a contiguous range
/// of its cycle's seats (``CheckupPlan``). The population ranks members by
/// hospital, org unit and member, so a unit's members get consecutive seats.
/// Each batch (``execute(_:on:)``) books its members the seats their ranks map
/// to, in one statement, and commits with the job. So:
/// - no hospital's day is ever over capacity, whoever writes: an appointment's
///   seat in the day is unique per hospital and day and at most the capacity,
///   which a foreign key pins to the hospital's row (`migrations/0006_health_checkup.sql`);
/// - runs of a cycle reserve seats one at a time (the hospital row locks), so
///   they never hand out a seat twice; batches take no lock of their own;
/// - the appointments are the plan's, whatever order batches run in, however
///   many workers and however often a batch is retried after a crash;
/// - a member gets at most one appointment per campaign and cycle (the primary
///   key), and a second run of the cycle books only members the first did not.
public struct HealthCheckupProgram: BenefitProgram {
    /// The program's name in campaign files.
    public static let name = "health-checkup"
    public let program = Self.name
    /// What the cycle's first run opens: the cycle's calendar and hospitals (`benefit.open_checkup_cycle`).
    public let fixedPerCycle = ["startDate", "holidays", "hospitals"]

    public init() {}

    public func validate(_ parameters: SourceValue, with reader: inout CampaignValueReader) {
        _ = reader.checkupParameters(parameters)
    }

    public func prepare(_ run: RunContext, on transaction: PostgresConnection) async throws {
        let scope = try Self.scope(of: run)
        let hospitals = scope.parameters.hospitals
        try await transaction.query(CheckupCycleQueries.open(runID: run.runID))
        // Locked before counting: `seats_taken` is then current (a planning that reserved
        // seats since this transaction's snapshot makes this one fail and be retried), so
        // two runs' reservations never overlap. Members an overlapping run reserved seats
        // for but has not booked yet are counted again; their second seat stays empty.
        let held = try await transaction.query(
            CheckupCycleQueries.lockHospitals(campaignID: run.campaignID, cycle: run.cycle, names: hospitals.map(\.name))
        ).decode((String, Int, Int).self)
        let rows = Dictionary(uniqueKeysWithValues: held.map { ($0.0, (capacity: $0.1, taken: $0.2)) })
        // The cycle's capacity, which may differ from this revision's: the row is what appointments are checked against.
        let open = try hospitals.map { hospital in
            guard let row = rows[hospital.name] else {
                throw PermanentFailure("health-checkup: hospital \(hospital.name) has no row in cycle \(run.cycle) after opening it")
            }
            return UnitAssignment.Hospital(name: hospital.name, dailyCapacity: row.capacity, seatsTaken: row.taken)
        }
        let units = try await transaction.query(DueQueries.units(scope)).decode((String, Int).self)
            .map { UnitAssignment.Unit(name: $0.0, members: $0.1) }
        let plan = CheckupPlan(units: units, hospitals: open)
        guard !plan.reservations.isEmpty else { return }
        try await transaction.query(CheckupPlanQueries.recordReservations(runID: run.runID, plan))
        try await transaction.query(CheckupPlanQueries.recordUnits(runID: run.runID, plan))
    }

    public func population(_ run: RunContext) throws -> PostgresQuery {
        DueQueries.population(try Self.scope(of: run))
    }

    public func execute(_ batch: RunBatch, on transaction: PostgresConnection) async throws -> BatchOutcome {
        let run = batch.run
        let parameters = try Self.parameters(of: run)
        guard let (start, holidays) = try await transaction.query(
            CheckupCycleQueries.calendar(campaignID: run.campaignID, cycle: run.cycle)).first((CalendarDate, [CalendarDate]).self)
        else {
            throw PermanentFailure("health-checkup: campaign \(run.campaign) has no checkup calendar for cycle \(run.cycle); its run was not planned by this program")
        }
        let reservations = try await transaction.query(CheckupPlanQueries.reservations(runID: run.runID))
            .decode((String, Int, Int, Int, Int, Int).self)
            .map { CheckupPlan.Reservation(hospital: $0.0, position: $0.1, dailyCapacity: $0.2, firstRank: $0.3, lastRank: $0.4, firstSeat: $0.5) }
        let ranks = batch.firstRank...(batch.firstRank + batch.memberIDs.count - 1)
        // The plan covers every rank: `prepare` counted and the population ranked
        // in one snapshot. A batch outside it is a fault to see, not to skip.
        guard let days = CheckupPlan(reservations: reservations).days(ofRanks: ranks) else {
            throw PermanentFailure("health-checkup: ranks \(ranks.lowerBound)–\(ranks.upperBound) of run \(run.runID) are outside its plan")
        }
        let dates = WorkdayCalendar(start: start, holidays: holidays).workdays(days)
        try await transaction.query(AppointmentQueries.book(batch, parameters, start: start, firstDay: days.lowerBound, days: dates))
        return BatchOutcome(members: batch.memberIDs.count)
    }

    /// The run's parameters, read as they were validated (see ``CampaignValueReader/readStored(_:campaign:program:_:)``).
    static func parameters(of run: RunContext) throws -> CheckupParameters {
        try CampaignValueReader.readStored(run.parameters, campaign: run.campaign, program: name) { $0.checkupParameters($1) }
    }

    static func scope(of run: RunContext) throws -> DueQueries.Scope {
        DueQueries.Scope(
            runID: run.runID, campaignID: run.campaignID, cycle: run.cycle, referenceDate: run.fireDate, parameters: try parameters(of: run))
    }
}
