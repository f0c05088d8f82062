import BenefitQueue
import Foundation

/// A run's attempts drawn over time (Assets/timeline.mustache): one row per job,
/// each attempt a bar from its start to its end, coloured and marked by outcome,
/// so a retry, an expired lease or a fenced commit shows where it happened and
/// what came after it. Rows with such an attempt come first; at most `rowLimit`.
struct AttemptTimeline {
    struct Attempt {
        let job: Int
        let start: Date
        /// Nil while it runs: drawn to `now`.
        let end: Date?
        let outcome: AttemptOutcome
        /// The bar's tooltip.
        let text: String
    }

    let title: String
    let attempts: [Attempt]
    let now: Date
    /// The axis's two ends, as the page's language writes a time.
    let timeText: (Date) -> String

    static let (width, labelWidth, rowHeight, top, rowLimit) = (640.0, 64.0, 14.0, 6.0, 40)

    var model: [String: Any] {
        var byJob: [Int: [Attempt]] = [:]
        for attempt in attempts { byJob[attempt.job, default: []].append(attempt) }
        let jobs = byJob.keys.sorted { a, b in
            let (flaggedA, flaggedB) = (byJob[a]!.contains { Self.flagged($0.outcome) }, byJob[b]!.contains { Self.flagged($0.outcome) })
            if flaggedA != flaggedB { return flaggedA }
            return a > b
        }.prefix(Self.rowLimit).sorted()
        let shown = jobs.flatMap { byJob[$0]! }
        let start = shown.map(\.start).min() ?? now
        let end = shown.map { $0.end ?? now }.max() ?? now
        let span = max(end.timeIntervalSince(start), 0.001)
        let plotWidth = Self.width - Self.labelWidth - 8
        func x(_ date: Date) -> Double { Self.labelWidth + plotWidth * max(0, date.timeIntervalSince(start)) / span }
        let gridHeight = Self.rowHeight * Double(jobs.count)
        return [
            "title": title, "width": Int(Self.width), "height": SVGNumber.text(Self.top + gridHeight + 24),
            "rows": jobs.enumerated().map { index, job in
                ["label": "#\(job)", "x": SVGNumber.text(Self.labelWidth - 4), "y": SVGNumber.text(Self.top + Self.rowHeight * (Double(index) + 0.75))]
            },
            "bars": jobs.enumerated().flatMap { index, job in
                byJob[job]!.map { attempt -> [String: Any] in
                    let left = x(attempt.start)
                    return [
                        "x": SVGNumber.text(left), "y": SVGNumber.text(Self.top + Self.rowHeight * Double(index) + 2),
                        "width": SVGNumber.text(max(2, x(attempt.end ?? now) - left)), "height": SVGNumber.text(Self.rowHeight - 4),
                        "outcomeKey": attempt.outcome.rawValue, "text": attempt.text,
                    ]
                }
            },
            "startText": timeText(start), "endText": timeText(end), "timeY": SVGNumber.text(Self.top + gridHeight + 16),
            "left": SVGNumber.text(Self.labelWidth), "right": SVGNumber.text(Self.width - 8),
            "hiddenJobs": max(0, byJob.count - jobs.count),
        ]
    }

    /// Outcomes worth a look (as the table marks them).
    static func flagged(_ outcome: AttemptOutcome) -> Bool {
        !RunRows.mark(outcome).isEmpty
    }
}
