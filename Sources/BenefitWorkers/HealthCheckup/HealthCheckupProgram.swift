import BenefitCore
import BenefitQueue
import BenefitScheduler
import Foundation
import PostgresClient

/// `health-checkup` (分批分项体检): one appointment per due member and cycle, at
/// a hospital (or, in `mode: vans`, on a checkup van at the member's org unit)
/// on a workday, with a package by age band and gender.
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
///   which a key pins to the hospital's row, whose capacity never changes
///   (`migrations/0006_health_checkup.sql`, `0032_appointment_hospital_without_row_lock.sql`);
/// - runs of a cycle reserve seats one at a time (the hospital row locks), so
///   they never hand out a seat twice; batches take no lock of their own;
/// - the appointments are the plan's, whatever order batches run in, however
///   many workers and however often a batch is retried after a crash;
/// - a member gets at most one appointment per campaign and cycle (the primary
///   key), and a second run of the cycle books only members the first did not.
///
/// **Checkup vans (`mode: vans`).** The cycle opens vans instead of hospitals
/// (capacity rows of kind `van`), and planning sends them to the org units
/// (``VanPlan``): it records each van-day with its site and the ranks it seats
/// (`benefit.van_day`), the population ranks each unit's members together in
/// that order, and each batch books its ranks' van-day seats. The seat
/// constraints hold vans to their capacity as they hold hospitals; the van-day's
/// key holds one site per van-day, and each van appointment's foreign key to its
/// van-day holds it at that site (`migrations/0026_checkup_vans.sql`).
public struct HealthCheckupProgram: BenefitProgram {
    /// The program's name in campaign files.
    public static let name = "health-checkup"
    public let program = Self.name
    /// What the cycle's first run opens: the cycle's calendar and hospitals (`benefit.open_checkup_cycle`).
    public let fixedPerCycle = ["mode", "startDate", "holidays", "hospitals", "vans"]

    public init() {}

    public func validate(_ parameters: SourceValue, with reader: inout CampaignValueReader) {
        _ = reader.checkupParameters(parameters)
    }

    public func prepare(_ run: RunContext, on transaction: PostgresConnection) async throws {
        let scope = try Self.scope(of: run)
        try await transaction.query(CheckupCycleQueries.open(runID: run.runID))
        if scope.parameters.mode == .vans { return try await planVans(run, scope, on: transaction) }
        let hospitals = scope.parameters.hospitals
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
        let scope = try Self.scope(of: run)
        return scope.parameters.mode == .vans ? DueQueries.vanPopulation(scope) : DueQueries.population(scope)
    }

    public func execute(_ batch: RunBatch, on transaction: PostgresConnection) async throws -> BatchOutcome {
        let run = batch.run
        let parameters = try Self.parameters(of: run)
        guard let (start, holidays) = try await transaction.query(
            CheckupCycleQueries.calendar(campaignID: run.campaignID, cycle: run.cycle)).first((CalendarDate, [CalendarDate]).self)
        else {
            throw PermanentFailure("health-checkup: campaign \(run.campaign) has no checkup calendar for cycle \(run.cycle); its run was not planned by this program")
        }
        if parameters.mode == .vans {
            try await MemberKeyInsert.insert(on: transaction) { AppointmentQueries.bookOnVans(batch, parameters, start: start, skippingTaken: $0) }
            return BatchOutcome(members: batch.memberIDs.count)
        }
        let reservations = try await transaction.query(CheckupPlanQueries.reservations(runID: run.runID))
            .decode((String, Int, Int, Int, Int, Int).self)
            .map { CheckupPlan.Reservation(hospital: $0.0, position: $0.1, dailyCapacity: $0.2, firstRank: $0.3, lastRank: $0.4, firstSeat: $0.5) }
        // The plan covers every rank: `prepare` counted and the population ranked
        // in one snapshot. A batch with any rank outside it is a fault to see, not to skip.
        guard let days = CheckupPlan(reservations: reservations).days(ofRanks: batch.ranks) else {
            throw PermanentFailure(
                "health-checkup: job \(batch.jobID) holds a rank outside the plan of run \(run.runID) (its ranks: \(batch.ranks.min() ?? 0)–\(batch.ranks.max() ?? 0))")
        }
        let dates = WorkdayCalendar(start: start, holidays: holidays).workdays(days)
        try await MemberKeyInsert.insert(on: transaction) {
            AppointmentQueries.book(batch, parameters, start: start, firstDay: days.lowerBound, days: dates, skippingTaken: $0)
        }
        return BatchOutcome(members: batch.memberIDs.count)
    }

    /// Plans a checkup-van run, in `prepare` after the cycle is open: locks the
    /// vans' rows (as hospitals' are locked, and for the same reason: runs of a
    /// cycle plan one at a time, each after the days the last gave out), counts
    /// the due members per org unit, and records the van-days ``VanPlan`` gives.
    private func planVans(_ run: RunContext, _ scope: DueQueries.Scope, on transaction: PostgresConnection) async throws {
        let vans = scope.parameters.vans
        let held = try await transaction.query(
            CheckupCycleQueries.lockHospitals(campaignID: run.campaignID, cycle: run.cycle, names: vans.map(\.name))
        ).decode((String, Int, Int).self)
        let rows = Dictionary(uniqueKeysWithValues: held.map { ($0.0, (capacity: $0.1, taken: $0.2)) })
        // The cycle's capacity and the days it gave out: a move may leave
        // seats_taken inside a day, which counts as given out.
        let open = try vans.map { van in
            guard let row = rows[van.name] else {
                throw PermanentFailure("health-checkup: van \(van.name) has no row in cycle \(run.cycle) after opening it")
            }
            return VanPlan.Van(
                name: van.name, dailyCapacity: row.capacity, freeFrom: VanPlan.days(for: row.taken, capacity: row.capacity))
        }
        let units = try await transaction.query(DueQueries.units(scope)).decode((String, Int).self)
            .map { UnitAssignment.Unit(name: $0.0, members: $0.1) }
        let plan = VanPlan(units: units, vans: open)
        guard let last = plan.days.map(\.workday).max() else { return }
        guard let (start, holidays) = try await transaction.query(
            CheckupCycleQueries.calendar(campaignID: run.campaignID, cycle: run.cycle)).first((CalendarDate, [CalendarDate]).self)
        else {
            throw PermanentFailure("health-checkup: cycle \(run.cycle) of campaign \(run.campaign) has no checkup calendar after opening it")
        }
        let dates = WorkdayCalendar(start: start, holidays: holidays).workdays(0...last)
        try await transaction.query(
            VanDayQueries.record(runID: run.runID, campaignID: run.campaignID, cycle: run.cycle, plan, dates: dates))
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
