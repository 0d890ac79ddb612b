import CCairo
import Foundation

/// Type sizes and spacing derived from the space a chart gets, so the same spec reads well
/// as an 800×400 PNG and as a quarter of an A4 page.
struct ChartMetrics {
    let label: Double
    var title: Double { label * 1.3 }
    var axisTitle: Double { label * 0.95 }
    var padding: Double { label * 1.1 }
    var gap: Double { label * 0.5 }
    var lineWidth: Double { max(1.5, label * 0.18) }

    init(_ rect: ChartRect) {
        label = min(13, max(7, min(rect.width / 50, rect.height / 28)))
    }
}

struct LegendItem {
    enum Marker { case swatch, lineAndDot }
    let name: String
    let color: RGBColor
    let marker: Marker
}

/// The parts every chart shares: background, title, legend, and the "no data" panel.
enum ChartFrame {
    /// Every chart's drawing: clipped to `rect` with the context's state restored after, the
    /// frame first, then `plot` in the area left for it, or the "no data" panel without data.
    static func drawChart(on cairo: OpaquePointer, in rect: ChartRect, title: String, legend: [LegendItem] = [],
                          hasData: Bool, emptyMessage: String,
                          plot: (CairoCanvas, ChartRect, ChartMetrics) -> Void) {
        let canvas = CairoCanvas(cr: cairo)
        canvas.withSavedState {
            canvas.clip(rect)
            let m = ChartMetrics(rect)
            let body = draw(canvas, in: rect, title: title, legend: legend)
            if hasData {
                plot(canvas, body, m)
            } else {
                drawNoData(canvas, in: body, message: emptyMessage, metrics: m)
            }
        }
    }

    /// Draws the background, the title and (when given) the legend; returns the area left for the plot.
    static func draw(_ canvas: CairoCanvas, in rect: ChartRect, title: String, legend: [LegendItem] = []) -> ChartRect {
        let m = ChartMetrics(rect)
        canvas.fill(rect, ReportTheme.background)
        let inner = rect.inset(top: m.padding * 0.9, left: m.padding, bottom: m.padding * 0.8, right: m.padding)

        canvas.setFont(size: m.title, weight: .bold)
        let titleHeight = canvas.fontMetrics().height
        let titleText = canvas.truncated(title, toFit: inner.width)
        canvas.text(titleText, x: inner.x, y: inner.y, ReportTheme.ink, vertical: .top)
        let titleWidth = canvas.width(of: titleText)

        var top = inner.y + titleHeight + m.gap
        if !legend.isEmpty {
            canvas.setFont(size: m.label)
            let legendWidth = Self.legendWidth(canvas, legend, m)
            let beside = inner.maxX - legendWidth >= inner.x + titleWidth + 2 * m.padding
            // Beside the title when there is room keeps the plot tall; otherwise on a line of its own.
            let legendY = beside ? inner.y + (titleHeight - canvas.fontMetrics().height) / 2 : top
            drawLegend(canvas, legend, m, rightEdge: inner.maxX, top: legendY)
            if !beside { top += canvas.fontMetrics().height + m.gap }
        }
        return ChartRect(x: inner.x, y: top, width: inner.width, height: max(0, inner.maxY - top))
    }

    static func drawNoData(_ canvas: CairoCanvas, in body: ChartRect, message: String, metrics m: ChartMetrics) {
        let panel = body.inset(top: m.gap, left: 0, bottom: 0, right: 0)
        canvas.fillRounded(panel, radius: m.label * 0.6, ReportTheme.panel)
        canvas.strokeRounded(panel.inset(by: 0.5), radius: m.label * 0.6, ReportTheme.grid, width: 1)
        canvas.setFont(size: m.title, weight: .bold)
        canvas.text(canvas.truncated(message, toFit: panel.width - 2 * m.padding), x: panel.midX, y: panel.midY,
                    ReportTheme.mutedInk, align: .center, vertical: .middle)
    }

    private static func legendWidth(_ canvas: CairoCanvas, _ items: [LegendItem], _ m: ChartMetrics) -> Double {
        items.reduce(0) { $0 + markerWidth(m) + m.gap + canvas.width(of: $1.name) + m.padding } - m.padding
    }

    private static func markerWidth(_ m: ChartMetrics) -> Double { m.label * 1.6 }

    private static func drawLegend(_ canvas: CairoCanvas, _ items: [LegendItem], _ m: ChartMetrics, rightEdge: Double, top: Double) {
        var x = rightEdge - legendWidth(canvas, items, m)
        let centerY = top + canvas.fontMetrics().height / 2
        for item in items {
            let w = markerWidth(m)
            switch item.marker {
            case .swatch:
                let side = m.label * 0.8
                canvas.fillRounded(ChartRect(x: x + (w - side) / 2, y: centerY - side / 2, width: side, height: side),
                                   radius: side * 0.2, item.color)
            case .lineAndDot:
                canvas.polyline([(x, centerY), (x + w, centerY)], item.color, width: m.lineWidth)
                canvas.dot(at: (x + w / 2, centerY), radius: m.label * 0.28, item.color)
            }
            x += w + m.gap
            canvas.text(item.name, x: x, y: centerY, ReportTheme.ink, vertical: .middle)
            x += canvas.width(of: item.name) + m.padding
        }
    }
}

/// "Riders" + "bpm" → "Riders (bpm)": axis titles always carry their unit.
func axisTitle(_ label: String, unit: String?) -> String {
    guard let unit, !unit.isEmpty else { return label }
    return label.isEmpty ? unit : "\(label) (\(unit))"
}

/// Values a count-like chart can draw: NaN, infinities and negatives (bad data, not real counts) become zero.
func sanitizedCounts(_ values: [Double]) -> [Double] {
    values.map { $0.isFinite && $0 > 0 ? $0 : 0 }
}

/// One drawable count per category: missing values count as zero so every category keeps its
/// slot; values without a category are dropped.
func categoryCounts(_ values: [Double], slots: Int) -> [Double] {
    let counts = sanitizedCounts(Array(values.prefix(slots)))
    return counts + Array(repeating: 0, count: slots - counts.count)
}
