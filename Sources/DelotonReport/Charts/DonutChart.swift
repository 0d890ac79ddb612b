import Foundation

/// Shares of a whole, e.g. riders by gender, with the total in the middle and a legend with counts and percentages.
public struct DonutChart: ReportChart, Hashable {
    public var title: String
    public var categories: [String]
    public var values: [Double]
    /// Shown under the total, e.g. "riders".
    public var totalLabel: String
    public var emptyMessage: String

    public init(title: String, categories: [String], values: [Double], totalLabel: String = "total",
                emptyMessage: String = ReportTheme.noDataMessage) {
        self.title = title
        self.categories = categories
        self.values = values
        self.totalLabel = totalLabel
        self.emptyMessage = emptyMessage
    }

    var drawableValues: [Double] { categoryCounts(values, slots: categories.count) }

    var hasData: Bool { drawableValues.contains { $0 > 0 } }

    public func draw(on cairo: OpaquePointer, in rect: ChartRect) {
        // With data, some value is positive and none negative, so the total is positive.
        ChartFrame.drawChart(on: cairo, in: rect, title: title, hasData: hasData, emptyMessage: emptyMessage) { canvas, body, m in
            let values = drawableValues
            let total = values.reduce(0, +)

            // Legend column on the right, ring centred in what is left.
            canvas.setFont(size: m.label)
            let lineHeight = canvas.fontMetrics().height * 1.5
            let entries = zip(categories, values).map { name, value in
                (name, "\(ReportNumber.compact(value))  (\(ReportNumber.format(value / total * 100, decimals: 0))%)")
            }
            let swatch = m.label * 0.85
            let legendWidth = min(body.width * 0.5, (entries.map { canvas.width(of: "\($0.0)  \($0.1)") }.max() ?? 0)
                + swatch + m.gap * 2)
            // Ring and legend are centred as one group so a wide chart has no gulf between them.
            let outer = max(1, min((body.width - legendWidth) / 2 - 2 * m.padding, body.height / 2 - m.gap))
            let inner = outer * 0.58
            let groupWidth = 2 * outer + 2 * m.padding + legendWidth
            let groupX = max(body.x, body.midX - groupWidth / 2)
            let center = (groupX + outer, body.midY)

            var angle = -Double.pi / 2
            for (index, value) in values.enumerated() where value > 0 {
                let sweep = value / total * 2 * Double.pi
                canvas.annularSector(center: center, outer: outer, inner: inner, from: angle, to: angle + sweep,
                                     ReportTheme.seriesColor(index))
                angle += sweep
            }

            canvas.setFont(size: min(inner * 0.55, m.title * 1.6), weight: .bold)
            canvas.text(ReportNumber.compact(total), x: center.0, y: center.1, ReportTheme.ink, align: .center, vertical: .bottom)
            canvas.setFont(size: m.label)
            canvas.text(canvas.truncated(totalLabel, toFit: inner * 1.8), x: center.0, y: center.1 + m.gap * 0.4,
                        ReportTheme.mutedInk, align: .center, vertical: .top)

            let legendX = groupX + 2 * outer + 2 * m.padding
            var y = body.midY - lineHeight * Double(entries.count) / 2
            for (index, entry) in entries.enumerated() {
                canvas.fillRounded(ChartRect(x: legendX, y: y + (lineHeight - swatch) / 2, width: swatch, height: swatch),
                                   radius: swatch * 0.2, ReportTheme.seriesColor(index))
                let textX = legendX + swatch + m.gap
                let name = canvas.truncated(entry.0, toFit: legendWidth - swatch - m.gap - canvas.width(of: "  \(entry.1)"))
                canvas.text(name, x: textX, y: y + lineHeight / 2, ReportTheme.ink, vertical: .middle)
                canvas.text("  " + entry.1, x: textX + canvas.width(of: name), y: y + lineHeight / 2, ReportTheme.mutedInk,
                            vertical: .middle)
                y += lineHeight
            }
        }
    }
}
