import Foundation

/// Decides which fire times of a campaign become runs on a scheduler tick.
///
/// Pure: it is given the schedule, the instant up to which fire times were
/// already handled, "now" and the catch-up policy, and returns the fire times to
/// run with their trigger, plus the instant the campaign is handled through
/// afterwards. A fire time is *missed* when it is older than ``missedAfter`` when
/// first seen (all schedulers were down, or the campaign was paused): the
/// catch-up policy decides about those. On-time fire times always run.
public struct FirePlanner: Sendable {
    /// Older than this when first seen counts as missed. Default 60 s.
    public var missedAfter: TimeInterval = 60
    /// Most fire times one tick handles; the rest wait for the next tick. Default 1,000.
    public var limit = 1_000

    public init() {}

    public struct Fire: Sendable, Equatable {
        public let time: Date
        public let trigger: RunTrigger

        public init(time: Date, trigger: RunTrigger) {
            self.time = time
            self.trigger = trigger
        }
    }

    public struct Plan: Sendable, Equatable {
        /// The fire times to create runs for, ascending.
        public var fires: [Fire]
        /// The campaign's new `scheduled_through`.
        public var handledThrough: Date
        /// Why fire times up to now could not all be known: a lunar schedule past the lunar table's last year.
        /// The fire times before that still run, and the campaign is handled only through the last of them.
        public var problem: ScheduleError? = nil
    }

    public func plan(schedule: Schedule, handledThrough: Date, now: Date, catchUp: CatchUpPolicy) -> Plan {
        let due: [Date]
        var problem: ScheduleError?
        do throws(ScheduleError) {
            due = try schedule.fireTimes(in: (after: handledThrough, through: now), limit: limit)
        } catch {
            problem = error
            if case .beyondLunarTable(let found) = error { due = found } else { due = [] }
        }
        // When capped, only what was looked at counts as handled; past the lunar table, only what is known.
        let through = due.count == limit || problem != nil ? due.last ?? handledThrough : max(handledThrough, now)
        let missed = due.filter { now.timeIntervalSince($0) > missedAfter }
        let onTime = due.filter { now.timeIntervalSince($0) <= missedAfter }
        var fires: [Fire] = []
        switch catchUp {
        case .none:
            break
        case .latest:
            // The most recent missed one stands in for all of them, unless an
            // on-time fire time has already superseded it.
            if onTime.isEmpty, let last = missed.last { fires.append(Fire(time: last, trigger: .catchUp)) }
        case .all:
            fires += missed.map { Fire(time: $0, trigger: .catchUp) }
        }
        fires += onTime.map { Fire(time: $0, trigger: .schedule) }
        return Plan(fires: fires, handledThrough: through, problem: problem)
    }
}
