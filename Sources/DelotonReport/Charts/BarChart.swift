/// Bars for counts per category: rides per hour of the day, riders by gender or age group.
public struct BarChart: ReportChart, Hashable {
    public var title: String
    public var categories: [String]
    public var values: [Double]
    /// What the bars measure, e.g. "Rides"; the y-axis title.
    public var valueLabel: String
    /// Unit of the values, e.g. "kJ"; empty for plain counts.
    public var unit: String
    /// What the categories are, e.g. "Hour of day"; the x-axis title.
    public var categoryLabel: String
    /// One palette colour per bar (e.g. for genders) instead of a single colour.
    public var colorsByCategory: Bool
    public var emptyMessage: String

    public init(title: String, categories: [String], values: [Double], valueLabel: String, unit: String = "",
                categoryLabel: String = "", colorsByCategory: Bool = false, emptyMessage: String = ReportTheme.noDataMessage) {
        self.title = title
        self.categories = categories
        self.values = values
        self.valueLabel = valueLabel
        self.unit = unit
        self.categoryLabel = categoryLabel
        self.colorsByCategory = colorsByCategory
        self.emptyMessage = emptyMessage
    }

    var drawableValues: [Double] { categoryCounts(values, slots: categories.count) }

    var hasData: Bool { drawableValues.contains { $0 > 0 } }

    public func draw(on cairo: OpaquePointer, in rect: ChartRect) {
        ChartFrame.drawChart(on: cairo, in: rect, title: title, hasData: hasData, emptyMessage: emptyMessage) { canvas, body, m in
            let values = drawableValues
            let integral = values.allSatisfy { $0 == $0.rounded() }
            // A tenth of headroom keeps the value label of the tallest bar inside the plot.
            let scale = NiceScale(minimum: 0, maximum: (values.max() ?? 0) * 1.1, integral: integral)
            let layout = CartesianLayout(canvas, body: body, metrics: m, left: scale,
                                         leftTitle: axisTitle(valueLabel, unit: unit), xTitle: categoryLabel)
            layout.drawGrid(canvas)

            let plot = layout.plot
            let slot = plot.width / Double(max(1, values.count))
            // Narrow slots (24 hours) get relatively wider bars so they do not look like hairlines.
            let barWidth = min(slot * (values.count > 12 ? 0.78 : 0.64), m.label * 7)
            let centers = values.indices.map { plot.x + slot * (Double($0) + 0.5) }

            canvas.setFont(size: m.label * 0.92)
            let labels = values.map { ReportNumber.compact($0) }
            let labelsFit = labels.allSatisfy { canvas.width(of: $0) <= slot - 2 }
            let labelHeight = canvas.fontMetrics().height
            for (index, value) in values.enumerated() where value > 0 {
                let top = layout.y(value)
                let bar = ChartRect(x: centers[index] - barWidth / 2, y: top, width: barWidth, height: layout.y(0) - top)
                let color = colorsByCategory ? ReportTheme.seriesColor(index) : ReportTheme.series[0]
                canvas.fillBar(bar, radius: m.label * 0.25, color)
                if labelsFit {
                    // Above the bar when there is headroom, else inside its top in white.
                    let outside = top - labelHeight >= plot.y - labelHeight / 2
                    canvas.text(labels[index], x: centers[index], y: outside ? top - 2 : top + 2,
                                outside ? ReportTheme.ink : ReportTheme.background, align: .center,
                                vertical: outside ? .bottom : .top)
                }
            }
            layout.drawCategoryLabels(canvas, labels: categories, centers: centers, slotWidth: slot)
        }
    }
}
