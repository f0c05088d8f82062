import Foundation

extension CampaignEvaluation {
    /// The report as one self-contained HTML page: inline CSS (with print rules:
    /// A4, no backgrounds needed, tables kept whole) and inline SVG charts; no
    /// script, no font, image or style sheet fetched from anywhere, so it opens
    /// offline, mails as one file and prints as it shows.
    public func html() -> String {
        var body: [String] = []
        body.append("""
            <header><h1>\(Self.escaped(campaign)) <small>\(Self.escaped(program)), cycle \(Self.escaped(cycle))</small></h1>
            <p class="lead">效果评估 · evaluation of the campaign's cycle, from the administrators' views.</p></header>
            <section class="figures">
            \(Self.figure("eligible", "\(total.eligible)"))
            \(Self.figure("served", "\(total.served)",
                          Self.percent(total.served, of: total.eligible) + (program == HealthCheckupProgram.name ? " of due members booked" : "")))
            \(Self.figure("waitlisted", "\(total.waitlisted)"))
            \(amount > 0 || budget != nil ? Self.figure("yuan", "\(amount)", budget.map { "of \($0) budget" } ?? "") : "")
            </section>
            """ + (leavers > 0 ? "<p class=\"note\">\(leavers) members had left the union on or before the cycle's reference date and are not counted as eligible.</p>" : ""))
        body.append("<h2>Coverage</h2>")
        for breakdown in breakdowns where !breakdown.lines.isEmpty {
            body.append("<section class=\"block\"><h3>By \(Self.escaped(breakdown.dimension))</h3>")
            // A city has thousands of org units: the chart draws the largest groups, the table lists all.
            let charted = breakdown.lines.count > Self.chartedGroups
                ? Array(breakdown.lines.sorted { ($0.eligible, $1.group) > ($1.eligible, $0.group) }.prefix(Self.chartedGroups))
                : breakdown.lines
            if charted.count < breakdown.lines.count {
                body.append("<p class=\"note\">The chart shows the \(charted.count) largest of \(breakdown.lines.count) groups.</p>")
            }
            body.append(HorizontalBars(
                title: "Served and waitlisted by \(breakdown.dimension)",
                rows: charted.map { .init(label: $0.group, parts: [Double($0.served), Double($0.waitlisted)], text: "\($0.served) / \($0.eligible)") },
                legend: ["served", "waitlisted"]).svg)
            body.append(Self.table(coverageTable(breakdown)))
            body.append("</section>")
        }
        if !reasons.isEmpty {
            body.append("<section class=\"block\"><h3>Why members wait</h3>")
            body.append(Self.table(reasonsTable))
            body.append("</section>")
        }
        if !money.isEmpty || budget != nil {
            body.append("<h2>Money</h2><section class=\"block\">")
            if let budget { body.append("<p>Budget \(budget) yuan; granted \(amount), spent \(spent ?? 0).</p>") }
            body.append(HorizontalBars(
                title: "Yuan by group", rows: money.map { .init(label: $0.group, parts: [NSDecimalNumber(decimal: $0.amount).doubleValue], text: "\($0.amount)") },
                legend: ["yuan"]).svg)
            body.append(Self.table(moneyTable))
            body.append("</section>")
        }
        if !places.isEmpty {
            body.append("<h2>Places</h2><section class=\"block\">")
            if places.count > Self.chartedGroups {
                body.append("<p class=\"note\">The chart shows the first \(Self.chartedGroups) of \(places.count) days and sessions; the table lists all.</p>")
            }
            body.append(HorizontalBars(
                title: "Places used against capacity",
                rows: places.prefix(Self.chartedGroups).map { .init(label: "\($0.place) \($0.day)", parts: [Double($0.used), Double(max($0.capacity - $0.used, 0))], text: "\($0.used) / \($0.capacity)") },
                legend: ["used", "free"]).svg)
            body.append(Self.table(placesTable))
            body.append("</section>")
        }
        if !route.isEmpty {
            body.append("<h2>Van routes</h2><section class=\"block\">")
            body.append(Self.table(routeTable))
            body.append("</section>")
        }
        body.append("<h2>Runs</h2><section class=\"block\">")
        body.append(Self.table(runsTable))
        body.append("</section>")
        if let previous {
            body.append("<h2>Compared with cycle \(Self.escaped(previous.cycle))</h2><section class=\"block\">")
            if let comparisonTable { body.append(Self.table(comparisonTable)) }
            body.append("</section>")
        }
        return """
            <!DOCTYPE html>
            <html lang="zh-Hans"><head><meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(Self.escaped("\(campaign) \(cycle): evaluation"))</title>
            <style>\(Self.style)</style></head>
            <body><main>
            \(body.joined(separator: "\n"))
            </main></body></html>

            """
    }

    /// The most groups one chart draws.
    static let chartedGroups = 30

    static let style = """
        body{font:15px/1.45 system-ui,"Noto Sans CJK SC","WenQuanYi Micro Hei",sans-serif;color:#1d2430;background:#f4f6f9;margin:0}
        main{max-width:960px;margin:0 auto;padding:24px 32px;background:#fff}
        h1{font-size:26px;margin:0 0 4px}h1 small{font-size:15px;font-weight:normal;color:#5b6472}
        h2{font-size:19px;border-bottom:2px solid #2f6f9f;padding-bottom:2px;margin:28px 0 8px}
        h3{font-size:15px;margin:16px 0 4px;color:#2f3a4a}
        .lead,.note{color:#5b6472;margin:2px 0 12px}
        .figures{display:flex;gap:12px;flex-wrap:wrap}
        .figure{border:1px solid #d4dae3;border-radius:6px;padding:8px 14px;min-width:130px}
        .figure b{display:block;font-size:24px}.figure span{color:#5b6472;font-size:13px}
        table{border-collapse:collapse;width:100%;margin:6px 0 10px;font-variant-numeric:tabular-nums}
        th,td{border-bottom:1px solid #e3e7ee;padding:3px 8px;text-align:left}
        .n{text-align:right}
        th{background:#eef2f7;font-weight:600}
        svg{width:100%;height:auto;display:block}
        .bar0{fill:#2f6f9f}.bar1{fill:#b9d3e6}.label{font-size:12px;fill:#1d2430}.value{font-size:11px;fill:#3d4754}
        @media print{
          @page{size:A4;margin:14mm}
          body{background:#fff;font-size:11pt}main{max-width:none;padding:0}
          .block,table,svg,.figures{break-inside:avoid}h2,h3{break-after:avoid}
          th{background:none;border-bottom:1.5px solid #000}
          .bar0{fill:#333}.bar1{fill:#bbb}
        }
        """

    static func figure(_ name: String, _ value: String, _ detail: String = "") -> String {
        "<div class=\"figure\"><span>\(escaped(name))</span><b>\(escaped(value))</b><span>\(escaped(detail))</span></div>"
    }

    /// A table whose figures are right-aligned (a column is a figure's when its first cell is), its words left.
    static func table(_ table: Table) -> String {
        let figures = table.header.indices.map { column in
            table.rows.first.map { column > 0 && column < $0.count && isFigure($0[column]) } ?? false
        }
        func cell(_ tag: String, _ text: String, _ column: Int) -> String {
            "<\(tag)\(figures[column] ? " class=\"n\"" : "")>\(escaped(text))</\(tag)>"
        }
        let head = table.header.enumerated().map { cell("th", $1, $0) }.joined()
        let body = table.rows.map { row in "<tr>" + row.enumerated().map { cell("td", $1, min($0, figures.count - 1)) }.joined() + "</tr>" }
        return "<table><thead><tr>\(head)</tr></thead><tbody>\n\(body.joined(separator: "\n"))\n</tbody></table>"
    }

    /// `12`, `-3`, `+50`, `35.7%`, `0.3s`, `9/9`, `–`: a cell to right-align.
    static func isFigure(_ text: String) -> Bool {
        guard let first = text.first else { return false }
        return first.isNumber || ((first == "+" || first == "-") && text.dropFirst().first?.isNumber == true) || text == "–"
    }

    /// Text for HTML content and attribute values.
    static func escaped(_ text: String) -> String {
        var out = ""
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }
}

/// A horizontal bar chart as inline SVG: one row per group, each bar made of
/// parts laid end to end (served then waitlisted; used then free), scaled to the
/// longest. Printed, its colours turn to greys that still tell the parts apart.
struct HorizontalBars {
    struct Row {
        let label: String
        let parts: [Double]
        let text: String
    }

    let title: String
    let rows: [Row]
    let legend: [String]

    static let (width, rowHeight, labelWidth, textWidth) = (720.0, 20.0, 190.0, 90.0)

    var svg: String {
        let longest = rows.map { $0.parts.reduce(0, +) }.max() ?? 0
        let plot = Self.width - Self.labelWidth - Self.textWidth
        let height = Double(rows.count) * Self.rowHeight + 26
        var out = "<svg viewBox=\"0 0 \(Int(Self.width)) \(Int(height))\" role=\"img\" aria-label=\"\(CampaignEvaluation.escaped(title))\">"
        out += "<title>\(CampaignEvaluation.escaped(title))</title>"
        for (index, row) in rows.enumerated() {
            let y = Double(index) * Self.rowHeight
            out += "<text class=\"label\" x=\"0\" y=\"\(Self.number(y + 14))\">\(CampaignEvaluation.escaped(Self.cut(row.label)))</text>"
            var x = Self.labelWidth
            for (part, value) in row.parts.enumerated() {
                let length = longest > 0 ? plot * value / longest : 0
                out += "<rect class=\"bar\(part % 2)\" x=\"\(Self.number(x))\" y=\"\(Self.number(y + 3))\" width=\"\(Self.number(length))\" height=\"14\"/>"
                x += length
            }
            out += "<text class=\"value\" x=\"\(Self.number(x + 6))\" y=\"\(Self.number(y + 14))\">\(CampaignEvaluation.escaped(row.text))</text>"
        }
        let legendY = Double(rows.count) * Self.rowHeight + 8
        for (index, name) in legend.enumerated() {
            let x = Self.labelWidth + Double(index) * 110
            out += "<rect class=\"bar\(index % 2)\" x=\"\(Self.number(x))\" y=\"\(Self.number(legendY))\" width=\"12\" height=\"12\"/>"
            out += "<text class=\"value\" x=\"\(Self.number(x + 16))\" y=\"\(Self.number(legendY + 10))\">\(CampaignEvaluation.escaped(name))</text>"
        }
        return out + "</svg>"
    }

    /// A label short enough for the label column.
    static func cut(_ label: String) -> String { label.count > 24 ? String(label.prefix(23)) + "…" : label }

    static func number(_ value: Double) -> String { String(format: "%.1f", value.isFinite ? value : 0) }
}
