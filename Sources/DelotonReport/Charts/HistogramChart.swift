import Foundation

/// A distribution over contiguous bins: heart rate in bpm, power in W.
public struct HistogramChart: ReportChart, Hashable {
    public var title: String
    /// `counts.count + 1` ascending edges; bin i covers `binEdges[i] ..< binEdges[i + 1]`.
    public var binEdges: [Double]
    public var counts: [Double]
    /// Unit of the measured quantity, shown on the x axis, e.g. "bpm".
    public var unit: String
    /// What is measured, e.g. "Heart rate"; the x-axis title.
    public var valueLabel: String
    /// What is counted, e.g. "Readings"; the y-axis title.
    public var countLabel: String
    public var emptyMessage: String

    public init(title: String, binEdges: [Double], counts: [Double], unit: String, valueLabel: String,
                countLabel: String = "Count", emptyMessage: String = ReportTheme.noDataMessage) {
        self.title = title
        self.binEdges = binEdges
        self.counts = counts
        self.unit = unit
        self.valueLabel = valueLabel
        self.countLabel = countLabel
        self.emptyMessage = emptyMessage
    }

    /// Bins `samples` into about `targetBins` bins of a 1-2-5 width (or exactly `binWidth`), aligned to multiples
    /// of that width so edges read as round numbers. Non-finite samples are ignored.
    public init(title: String, samples: [Double], binWidth: Double? = nil, targetBins: Int = 16, unit: String,
                valueLabel: String, countLabel: String = "Count", emptyMessage: String = ReportTheme.noDataMessage) {
        let finite = samples.filter(\.isFinite)
        var edges: [Double] = []
        var counts: [Double] = []
        if let low = finite.min(), let high = finite.max() {
            let width = binWidth.flatMap { $0.isFinite && $0 > 0 ? $0 : nil }
                ?? NiceScale.niceStep(atLeast: max(high - low, 1) / Double(max(1, targetBins)))
            let start = (low / width).rounded(.down) * width
            // Capped so a stray outlier cannot ask for millions of bins.
            let binCount = clampedInt(((high - start) / width).rounded(.down) + 1, in: 1...1_000)
            edges = (0...binCount).map { start + Double($0) * width }
            counts = Array(repeating: 0, count: binCount)
            for sample in finite {
                let index = clampedInt(((sample - start) / width).rounded(.down), in: 0...(binCount - 1))
                counts[index] += 1
            }
        }
        self.init(title: title, binEdges: edges, counts: counts, unit: unit, valueLabel: valueLabel,
                  countLabel: countLabel, emptyMessage: emptyMessage)
    }

    /// Bins with usable edges (finite, increasing) and their counts, with bad counts as zero.
    var drawableBins: [(low: Double, high: Double, count: Double)] {
        let counts = sanitizedCounts(self.counts)
        guard binEdges.count >= 2 else { return [] }
        return (0..<min(counts.count, binEdges.count - 1)).compactMap { index in
            let low = binEdges[index], high = binEdges[index + 1]
            guard low.isFinite, high.isFinite, high > low else { return nil }
            return (low, high, counts[index])
        }
    }

    var hasData: Bool { drawableBins.contains { $0.count > 0 } }

    public func draw(on cairo: OpaquePointer, in rect: ChartRect) {
        ChartFrame.drawChart(on: cairo, in: rect, title: title, hasData: hasData, emptyMessage: emptyMessage) { canvas, body, m in
            let bins = drawableBins
            guard let first = bins.first, let last = bins.last else { return }
            let integral = bins.allSatisfy { $0.count == $0.count.rounded() }
            let scale = NiceScale(minimum: 0, maximum: bins.map(\.count).max() ?? 0, integral: integral)
            canvas.setFont(size: m.label)
            let edgeDecimals = NiceScale.decimalsToShow(bins.map(\.low) + [last.high])
            let lastLabelWidth = canvas.width(of: ReportNumber.format(last.high, decimals: edgeDecimals))
            let layout = CartesianLayout(canvas, body: body, metrics: m, left: scale, leftTitle: countLabel,
                                         xTitle: axisTitle(valueLabel, unit: unit), trailingOverhang: lastLabelWidth / 2)
            layout.drawGrid(canvas)

            let plot = layout.plot
            let span = last.high - first.low
            func x(_ value: Double) -> Double { plot.x + (value - first.low) / span * plot.width }
            // A hairline gap keeps adjacent bins distinguishable without breaking the continuous look.
            let gap = min(1.5, plot.width / Double(bins.count) * 0.08)
            for bin in bins where bin.count > 0 {
                let top = layout.y(bin.count)
                canvas.fill(ChartRect(x: x(bin.low) + gap / 2, y: top, width: x(bin.high) - x(bin.low) - gap,
                                      height: layout.y(0) - top), ReportTheme.series[0])
            }

            // Edge labels, thinned so they never collide.
            let edges = bins.map(\.low) + [last.high]
            let labels = edges.map { ReportNumber.format($0, decimals: edgeDecimals) }
            let binWidth = plot.width / Double(bins.count)
            let widest = labels.map { canvas.width(of: $0) }.max() ?? 0
            let stride = clampedInt(((widest + m.gap) / max(1, binWidth)).rounded(.up), in: 1...10_000)
            // Thinned labels start at an edge that is a multiple of the label spacing (80, 90, … not 75, 85, …).
            let spacing = (last.high - first.low) / Double(bins.count) * Double(stride)
            func isRound(_ edge: Double) -> Bool {
                let nearest: Double = (edge / spacing).rounded() * spacing
                return abs(nearest - edge) < spacing * 1e-6
            }
            let phase = (0..<min(stride, edges.count)).first { isRound(edges[$0]) } ?? 0
            for (index, label) in labels.enumerated() where index >= phase && (index - phase) % stride == 0 {
                let px = x(edges[index])
                canvas.line(from: (px, plot.maxY), to: (px, plot.maxY + m.gap * 0.6), ReportTheme.axis)
                canvas.text(label, x: px, y: layout.xLabelBaseline, ReportTheme.mutedInk, align: .center, vertical: .top)
            }
        }
    }
}

extension NiceScale {
    /// Fewest decimals (up to 2) that show each value exactly, so edges like 0.5 keep their fraction.
    static func decimalsToShow(_ values: [Double]) -> Int {
        for decimals in 0...2 {
            let factor = pow(10, Double(decimals))
            if values.allSatisfy({ abs(($0 * factor).rounded() - $0 * factor) < 1e-6 }) { return decimals }
        }
        return 2
    }
}
