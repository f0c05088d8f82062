import Foundation

/// A relief run's budget as its batches spend it (Assets/burndown.mustache): a
/// step line from what the cycle's budget held when the run began down to what
/// is left, over the run's time. Drawn on the server as SVG, scaled to its
/// container like the bar charts.
struct BurnDownChart {
    let title: String
    /// When the run began: the line's left end.
    let start: Date
    /// What the budget held then.
    let available: Double
    /// Each committed batch: when, and what was left after it.
    let steps: [(at: Date, remaining: Double)]
    /// Texts for the axis: the budget at the start, the remainder at the end, the two times.
    let availableText: String, remainingText: String, startText: String, endText: String

    static let (width, height, top, bottom, left, right) = (640.0, 240.0, 20.0, 36.0, 8.0, 8.0)
    /// Points drawn at most: a run of many thousands of batches keeps its shape.
    static let pointLimit = 400

    var model: [String: Any] {
        let plotHeight = Self.height - Self.top - Self.bottom
        let plotWidth = Self.width - Self.left - Self.right
        let end = steps.last?.at ?? start
        let span = max(end.timeIntervalSince(start), 0.001)
        func x(_ date: Date) -> Double { Self.left + plotWidth * max(0, date.timeIntervalSince(start)) / span }
        func y(_ value: Double) -> Double { Self.top + plotHeight * (1 - (available > 0 ? max(0, value) / available : 0)) }
        let stride = max(1, steps.count / Self.pointLimit)
        var drawn = Swift.stride(from: 0, to: steps.count, by: stride).map { steps[$0] }
        if let last = steps.last, drawn.last?.at != last.at || drawn.last?.remaining != last.remaining { drawn.append(last) }
        var path = "M\(SVGNumber.text(x(start))) \(SVGNumber.text(y(available)))"
        for step in drawn {
            path += " H\(SVGNumber.text(x(step.at))) V\(SVGNumber.text(y(step.remaining)))"
        }
        let baseline = Self.height - Self.bottom
        let lastY = y(drawn.last?.remaining ?? available)
        return [
            "title": title, "width": Int(Self.width), "height": Int(Self.height), "path": path,
            "area": path + " V\(SVGNumber.text(baseline)) H\(SVGNumber.text(x(start))) Z",
            "axis": ["x1": SVGNumber.text(Self.left), "x2": SVGNumber.text(Self.width - Self.right), "y": SVGNumber.text(baseline)],
            "budgetLine": ["y": SVGNumber.text(y(available))],
            "availableText": availableText, "availableY": SVGNumber.text(y(available) + 14),
            "remainingText": remainingText, "remainingY": SVGNumber.text(min(baseline - 4, lastY - 6)),
            "startText": startText, "endText": endText, "timeY": SVGNumber.text(baseline + 16),
            "left": SVGNumber.text(Self.left), "right": SVGNumber.text(Self.width - Self.right),
        ]
    }
}
