import Foundation

extension CampaignEvaluation {
    /// One of the report's tables as cells of text: what both the text and the HTML forms show.
    struct Table {
        /// Lower case; the text form prints it in capitals, as list commands do.
        let header: [String]
        let rows: [[String]]
    }

    func coverageTable(_ breakdown: Breakdown) -> Table {
        Table(
            header: [breakdown.dimension, "eligible", "served", "waitlisted", "served %"],
            rows: breakdown.lines.map { [$0.group, "\($0.eligible)", "\($0.served)", "\($0.waitlisted)", Self.percent($0.served, of: $0.eligible)] })
    }

    var reasonsTable: Table {
        Table(header: ["waiting because", "members"], rows: reasons.map { [$0.reason, "\($0.members)"] })
    }

    var moneyTable: Table {
        Table(header: [program == HardshipAidProgram.name ? "category" : "tier", "members", "yuan"],
              rows: money.map { [$0.group, "\($0.members)", "\($0.amount)"] } + [["total", "\(money.reduce(0) { $0 + $1.members })", "\(amount)"]])
    }

    var placesTable: Table {
        let checkups = program == HealthCheckupProgram.name
        return Table(
            header: [checkups ? (route.isEmpty ? "hospital" : "van") : "site", checkups ? "day" : "session", "used", "capacity", "full"],
            rows: places.map { [$0.place, $0.day, "\($0.used)", "\($0.capacity)", Self.percent($0.used, of: $0.capacity)] })
    }

    var routeTable: Table {
        Table(header: ["van", "day", "site", "booked", "capacity"],
              rows: route.map { [$0.van, $0.day, $0.site, "\($0.booked)", "\($0.capacity)"] })
    }

    var runsTable: Table {
        Table(
            header: ["run", "trigger", "state", "took", "planning", "batches", "attempts", "retries", "leases expired", "fenced"],
            rows: runs.map {
                ["\($0.runID)", $0.trigger, $0.state.rawValue, Self.seconds($0.seconds), Self.seconds($0.planningSeconds),
                 "\($0.batchesSucceeded)/\($0.batchesTotal)" + ($0.batchesDead > 0 ? " (\($0.batchesDead) dead)" : ""),
                 "\($0.attempts)", "\($0.retries)", "\($0.leasesExpired)", "\($0.fenced)"]
            })
    }

    /// Nil without a previous cycle.
    var comparisonTable: Table? {
        guard let previous else { return nil }
        return Table(header: ["compared with", "cycle \(cycle)", "cycle \(previous.cycle)", "change"],
                     rows: comparison.map { [$0.figure, $0.current, $0.previous, $0.change] })
    }
}
