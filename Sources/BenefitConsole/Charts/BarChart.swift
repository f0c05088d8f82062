import Foundation

/// A bar chart drawn on the server as SVG (Assets/chart.mustache): no chart
/// library, no script. It scales to its container (a viewBox, width 100%), so it
/// reads at 1280×800 and on a phone. The template escapes every text, as it does
/// on the pages.
struct BarChart {
    struct Bar {
        /// Under the bar (a day, a campaign and cycle).
        let label: String
        let value: Double
        /// Above the bar (the value, formatted for the page's language).
        let text: String
    }

    /// Said to screen readers (`<title>`, `aria-label`).
    let title: String
    let bars: [Bar]

    static let (width, height, top, bottom, side) = (640.0, 260.0, 24.0, 64.0, 8.0)

    /// What chart.mustache draws: each bar's box and where its texts go.
    var model: [String: Any] {
        let plot = Self.height - Self.top - Self.bottom
        let slot = (Self.width - 2 * Self.side) / Double(max(bars.count, 1))
        let highest = bars.map(\.value).max() ?? 0
        // Labels are turned when the bars are too narrow for them; values shown while they fit.
        let turned = slot < 56
        // Turned labels need about 14 units apart: with more bars than that, every few bars is labelled.
        let labelEvery = turned ? max(1, Int((14 / slot).rounded(.up))) : 1
        let baseline = Self.height - Self.bottom
        return [
            "title": title, "width": Int(Self.width), "height": Int(Self.height), "empty": bars.isEmpty,
            "axis": ["x1": Self.side, "x2": Self.width - Self.side, "y": baseline],
            "bars": bars.enumerated().map { index, bar -> [String: Any] in
                let barHeight = highest > 0 ? plot * bar.value / highest : 0
                let x = Self.side + Double(index) * slot + slot * 0.15
                let middle = Self.number(x + slot * 0.35)
                let labelY = Self.number(baseline + 14)
                return [
                    "x": Self.number(x), "y": Self.number(baseline - barHeight), "width": Self.number(slot * 0.7),
                    "height": Self.number(barHeight), "label": bar.label, "text": bar.text, "showValue": slot >= 28,
                    "middle": middle, "valueY": Self.number(baseline - barHeight - 4), "labelY": labelY,
                    "labelTransform": turned ? "rotate(-40 \(middle) \(labelY))" : "", "anchor": turned ? "end" : "middle",
                    "showLabel": index % labelEvery == 0,
                ]
            },
        ]
    }

    private static func number(_ value: Double) -> String {
        SVGNumber.text(value)
    }
}

/// A coordinate as the charts write it: one decimal, a dot whatever the locale.
enum SVGNumber {
    static func text(_ value: Double) -> String {
        String(format: "%.1f", value.isFinite ? value : 0)
    }
}
