import Foundation

extension CampaignEvaluation {
    /// The report as one CSV file for spreadsheets (RFC 4180, CRLF line ends):
    /// one header row `section,dimension,group,measure,value`, one row per figure,
    /// so every table of the report fits one sheet and pivots back into tables.
    ///
    /// A cell that a spreadsheet would read as a formula (one starting with `=`,
    /// `+`, `-`, `@`, a tab or a carriage return) gets a leading `'`: org units and
    /// reasons come from users' files. Figures are never negative here (the
    /// comparison gives both cycles' values, not their difference), so numbers
    /// stay numbers.
    public func csv() -> String {
        var rows: [[String]] = [["section", "dimension", "group", "measure", "value"]]
        func add(_ section: String, _ dimension: String, _ group: String, _ measures: [(String, String)]) {
            for (measure, value) in measures { rows.append([section, dimension, group, measure, value]) }
        }
        func coverage(_ line: Coverage) -> [(String, String)] {
            [("eligible", "\(line.eligible)"), ("served", "\(line.served)"), ("waitlisted", "\(line.waitlisted)")]
        }
        add("summary", "campaign", campaign, [("program", program), ("cycle", cycle), ("left before the cycle", "\(leavers)")])
        add("coverage", "all", "all", coverage(total))
        for breakdown in breakdowns {
            for line in breakdown.lines { add("coverage", breakdown.dimension, line.group, coverage(line)) }
        }
        for reason in reasons { add("waitlist", "reason", reason.reason, [("members", "\(reason.members)")]) }
        if let budget { add("money", "budget", "all", [("budget", "\(budget)"), ("spent", "\(spent ?? 0)")]) }
        for line in money { add("money", program == HardshipAidProgram.name ? "category" : "tier", line.group, [("members", "\(line.members)"), ("yuan", "\(line.amount)")]) }
        for place in places { add("places", place.place, place.day, [("used", "\(place.used)"), ("capacity", "\(place.capacity)")]) }
        for stop in route {
            add("route", stop.van, stop.day, [("site", stop.site), ("booked", "\(stop.booked)"), ("capacity", "\(stop.capacity)")])
        }
        for run in runs {
            add("runs", "run", "\(run.runID)", [
                ("trigger", run.trigger), ("state", run.state.rawValue), ("seconds", run.seconds.map { String(format: "%.3f", $0) } ?? ""),
                ("planning seconds", run.planningSeconds.map { String(format: "%.3f", $0) } ?? ""),
                ("batches", "\(run.batchesTotal)"), ("batches succeeded", "\(run.batchesSucceeded)"), ("batches dead", "\(run.batchesDead)"),
                ("attempts", "\(run.attempts)"), ("retries", "\(run.retries)"), ("leases expired", "\(run.leasesExpired)"), ("fenced", "\(run.fenced)"),
            ])
        }
        if let previous {
            for totals in [totals, previous] {
                add("comparison", "cycle", totals.cycle, [
                    ("eligible", "\(totals.eligible)"), ("served", "\(totals.served)"), ("waitlisted", "\(totals.waitlisted)"), ("yuan", "\(totals.amount)"),
                ])
            }
        }
        return rows.map { $0.map(Self.csvCell).joined(separator: ",") + "\r\n" }.joined()
    }

    /// One CSV cell: defused if a spreadsheet would take it for a formula, quoted when it holds a comma, quote or line break.
    static func csvCell(_ text: String) -> String {
        var cell = text
        if let first = cell.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(first) { cell = "'" + cell }
        guard cell.unicodeScalars.contains(where: { ",\"\n\r".unicodeScalars.contains($0) }) else { return cell }
        return "\"" + cell.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
