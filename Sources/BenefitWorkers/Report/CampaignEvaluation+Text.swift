import BenefitTools
import Foundation

extension CampaignEvaluation {
    /// `83.3%`: a share, one decimal.
    static func percent(_ part: Int, of whole: Int) -> String {
        whole == 0 ? "–" : String(format: "%.1f%%", 100 * Double(part) / Double(whole))
    }

    /// `+12`, `-3`, `0`: a change with its sign.
    static func signed(_ change: Int) -> String { change > 0 ? "+\(change)" : "\(change)" }

    /// `+1200`, `-800`: a change of money with its sign.
    static func signed(_ change: Decimal) -> String { change > 0 ? "+\(change)" : "\(change)" }

    /// `12.4s`, or empty when unknown.
    static func seconds(_ value: Double?) -> String { value.map { String(format: "%.1fs", $0) } ?? "" }

    /// The comparison with the previous cycle: `figure, this cycle, previous, change`.
    var comparison: [(figure: String, current: String, previous: String, change: String)] {
        guard let previous else { return [] }
        let current = totals
        return [
            ("eligible", "\(current.eligible)", "\(previous.eligible)", Self.signed(current.eligible - previous.eligible)),
            ("served", "\(current.served)", "\(previous.served)", Self.signed(current.served - previous.served)),
            ("waitlisted", "\(current.waitlisted)", "\(previous.waitlisted)", Self.signed(current.waitlisted - previous.waitlisted)),
            ("served share", Self.percent(current.served, of: current.eligible), Self.percent(previous.served, of: previous.eligible), "–"),
            ("yuan", "\(current.amount)", "\(previous.amount)", Self.signed(current.amount - previous.amount)),
        ]
    }

    /// The report as aligned text tables, for a terminal.
    public func text() -> String {
        var parts: [String] = []
        parts.append("""
            evaluation of \(campaign) (\(program)), cycle \(cycle)
            eligible    \(total.eligible)
            served      \(total.served) (\(Self.percent(total.served, of: total.eligible)))
            waitlisted  \(total.waitlisted)
            """ + (program == HealthCheckupProgram.name ? "\ndue members booked  \(Self.percent(total.served, of: total.eligible))" : "")
            + (leavers > 0 ? "\nleft before the cycle (not eligible)  \(leavers)" : ""))
        func render(_ table: Table) -> String { TextTable.render(header: table.header.map { $0.uppercased() }, rows: table.rows) }
        for breakdown in breakdowns where !breakdown.lines.isEmpty { parts.append(render(coverageTable(breakdown))) }
        if !reasons.isEmpty { parts.append(render(reasonsTable)) }
        if let budget {
            let share = budget == 0 ? 0 : 100 * NSDecimalNumber(decimal: amount / budget).doubleValue
            parts.append("budget  \(budget) yuan, granted \(amount) (\(String(format: "%.1f%%", share)))")
        }
        if !money.isEmpty { parts.append(render(moneyTable)) }
        if !places.isEmpty { parts.append(render(placesTable)) }
        if !route.isEmpty { parts.append("van routes\n" + render(routeTable)) }
        if !runs.isEmpty { parts.append(render(runsTable)) }
        if let comparisonTable { parts.append(render(comparisonTable)) }
        return parts.joined(separator: "\n\n")
    }
}

extension CampaignEvaluation {
    /// How the report is written.
    public enum Format: String, Sendable, CaseIterable {
        /// Aligned tables, for a terminal.
        case text
        /// One CSV file for spreadsheets.
        case csv
        /// One self-contained HTML page, to read or print.
        case html
    }

    /// The report in `format`.
    public func rendered(as format: Format) -> String {
        switch format {
        case .text: text() + "\n"
        case .csv: csv()
        case .html: html()
        }
    }
}
