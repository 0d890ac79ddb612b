/// One line of a `LineChart`. `nil` values (days without data) leave a gap instead of a fake zero.
public struct LineSeries: Sendable, Hashable {
    public enum Axis: Sendable, Hashable { case left, right }

    public var name: String
    public var values: [Double?]
    /// Unit of this series, shown on its axis, e.g. "kJ".
    public var unit: String
    /// Series of very different magnitude (rides vs kJ) each get an axis of their own.
    public var axis: Axis

    public init(name: String, values: [Double?], unit: String = "", axis: Axis = .left) {
        self.name = name
        self.values = values
        self.unit = unit
        self.axis = axis
    }
}

/// A trend over labelled points, e.g. the last 7 days: lines with dots, up to one series per axis side.
public struct LineChart: ReportChart, Hashable {
    public var title: String
    public var xLabels: [String]
    public var series: [LineSeries]
    /// Title of the left axis; defaults to the name of the first left-axis series.
    public var valueLabel: String?
    /// Unit of the left axis when the series do not carry one.
    public var unit: String
    public var xLabel: String
    public var emptyMessage: String

    public init(title: String, xLabels: [String], series: [LineSeries], valueLabel: String? = nil, unit: String = "",
                xLabel: String = "", emptyMessage: String = ReportTheme.noDataMessage) {
        self.title = title
        self.xLabels = xLabels
        self.series = series
        self.valueLabel = valueLabel
        self.unit = unit
        self.xLabel = xLabel
        self.emptyMessage = emptyMessage
    }

    /// The brief's tuple form: `series: [("Rides", [3, 5, nil])]`.
    public init(title: String, xLabels: [String], series: [(name: String, values: [Double?])], unit: String = "",
                xLabel: String = "") {
        self.init(title: title, xLabels: xLabels, series: series.map { LineSeries(name: $0.name, values: $0.values, unit: unit) },
                  unit: unit, xLabel: xLabel)
    }

    /// Values aligned with `xLabels`; non-finite readings become gaps.
    func points(of series: LineSeries) -> [Double?] {
        let values = series.values.prefix(xLabels.count).map { $0.flatMap { $0.isFinite ? $0 : nil } }
        return values + Array(repeating: nil, count: xLabels.count - values.count)
    }

    var hasData: Bool { series.contains { points(of: $0).contains { $0 != nil } } }

    public func draw(on cairo: OpaquePointer, in rect: ChartRect) {
        let legend = series.count > 1
            ? series.enumerated().map { LegendItem(name: $1.name, color: ReportTheme.seriesColor($0), marker: .lineAndDot) }
            : []
        ChartFrame.drawChart(on: cairo, in: rect, title: title, legend: legend, hasData: hasData,
                             emptyMessage: emptyMessage) { canvas, body, m in

            let leftSeries = series.filter { $0.axis == .left }
            let rightSeries = series.filter { $0.axis == .right }
            func range(_ list: [LineSeries]) -> (min: Double, max: Double, integral: Bool) {
                let values = list.flatMap { points(of: $0).compactMap { $0 } }
                return (values.min() ?? 0, values.max() ?? 0, values.allSatisfy { $0 == $0.rounded() })
            }
            // With every series on the right, the right axis is really the only axis: draw it on the left.
            let primary = leftSeries.isEmpty ? rightSeries : leftSeries
            let secondary = leftSeries.isEmpty ? [] : rightSeries
            let p = range(primary)
            let leftScale = NiceScale(minimum: p.min, maximum: p.max, integral: p.integral)
            let rightScale = secondary.isEmpty ? nil : NiceScale(matching: leftScale, maximum: range(secondary).max,
                                                                  integral: range(secondary).integral)
            let leftTitle = axisTitle(valueLabel ?? (primary.count == 1 ? primary[0].name : ""),
                                      unit: primary.first.map { $0.unit.isEmpty ? unit : $0.unit } ?? unit)
            let rightTitle = secondary.count == 1 ? axisTitle(secondary[0].name, unit: secondary[0].unit)
                : axisTitle("", unit: secondary.first?.unit)

            let layout = CartesianLayout(canvas, body: body, metrics: m, left: leftScale, leftTitle: leftTitle,
                                         right: rightScale, rightTitle: rightTitle, xTitle: xLabel)
            layout.drawGrid(canvas)
            let plot = layout.plot
            let slot = plot.width / Double(max(1, xLabels.count))
            let centers = xLabels.indices.map { plot.x + slot * (Double($0) + 0.5) }

            for (index, line) in series.enumerated() {
                let scale = (line.axis == .right && rightScale != nil) ? rightScale : leftScale
                let color = ReportTheme.seriesColor(index)
                // Consecutive present values form one segment; a nil ends it.
                var segment: [(Double, Double)] = []
                var dots: [(Double, Double)] = []
                for (i, value) in points(of: line).enumerated() {
                    guard let value else {
                        canvas.polyline(segment, color, width: m.lineWidth)
                        segment = []
                        continue
                    }
                    let point = (centers[i], layout.y(value, on: scale))
                    segment.append(point)
                    dots.append(point)
                }
                canvas.polyline(segment, color, width: m.lineWidth)
                for dot in dots { canvas.dot(at: dot, radius: m.label * 0.3, color) }
            }
            layout.drawCategoryLabels(canvas, labels: xLabels, centers: centers, slotWidth: slot)
        }
    }
}
