/// Lays the blocks of a `PDFDocument` out on pages. Measuring needs the real PDF context (font metrics differ
/// between surfaces), so composing runs on it first and yields, per page, the drawing to do afterwards,
/// once the page count for the footers is known.
struct PageComposer {
    typealias Draw = (CairoCanvas) -> Void

    static let margin = 42.0
    private static let footerHeight = 22.0

    private(set) var pages: [[Draw]] = [[]]
    private var y: Double
    private let content: ChartRect
    private let canvas: CairoCanvas

    private init(pageSize: (width: Double, height: Double), canvas: CairoCanvas) {
        let m = Self.margin
        content = ChartRect(x: m, y: m, width: pageSize.width - 2 * m, height: pageSize.height - 2 * m - Self.footerHeight)
        y = content.y
        self.canvas = canvas
    }

    static func compose(_ document: PDFDocument, canvas: CairoCanvas) -> [[Draw]] {
        var composer = PageComposer(pageSize: document.pageSize, canvas: canvas)
        for (index, block) in document.blocks.enumerated() {
            switch block {
            case let .title(title, subtitle): composer.title(title, subtitle: subtitle)
            case let .heading(text):
                let next = index + 1 < document.blocks.count ? document.blocks[index + 1] : nil
                composer.heading(text, keepWith: next.map { composer.leadHeight(of: $0) } ?? 0)
            case let .paragraph(text): composer.paragraph(text)
            case let .keyFigures(figures, titles): composer.keyFigures(figures, columnTitles: titles)
            case let .table(columns, rows): composer.table(columns: columns, rows: rows)
            case let .charts(charts, perRow, height): composer.charts(charts, perRow: perRow, height: height)
            case .pageBreak: if !composer.atPageTop { composer.newPage() }
            }
        }
        return composer.pages
    }

    // MARK: Page bookkeeping

    private var atPageTop: Bool { y <= content.y }
    private var remaining: Double { content.maxY - y }

    private mutating func newPage() {
        pages.append([])
        y = content.y
    }

    /// Space between blocks, dropped at the top of a page so pages start flush.
    private mutating func space(_ height: Double) {
        if !atPageTop { y = min(content.maxY, y + height) }
    }

    /// Claims `height` on this page, or on a fresh one when it does not fit; returns the top of the claimed band.
    private mutating func reserve(_ height: Double) -> Double {
        if height > remaining && !atPageTop { newPage() }
        let top = y
        y += height
        return top
    }

    private mutating func draw(_ body: @escaping Draw) {
        pages[pages.count - 1].append(body)
    }

    // MARK: Blocks

    private mutating func title(_ title: String, subtitle: String?) {
        let width = content.width, x = content.x
        canvas.setFont(size: 20, weight: .bold)
        let titleLines = canvas.wrap(title, width: width)
        let titleLine = canvas.fontMetrics().height
        canvas.setFont(size: 11)
        let subtitleLine = canvas.fontMetrics().height
        let height = titleLine * Double(titleLines.count) + (subtitle == nil ? 0 : subtitleLine + 2) + 10
        let top = reserve(height)
        draw { canvas in
            canvas.setFont(size: 20, weight: .bold)
            for (index, line) in titleLines.enumerated() {
                canvas.text(line, x: x, y: top + titleLine * Double(index), ReportTheme.ink, vertical: .top)
            }
            if let subtitle {
                canvas.setFont(size: 11)
                canvas.text(canvas.truncated(subtitle, toFit: width), x: x, y: top + titleLine * Double(titleLines.count) + 2,
                            ReportTheme.mutedInk, vertical: .top)
            }
            canvas.line(from: (x, top + height - 1), to: (x + width, top + height - 1), ReportTheme.series[0], width: 1.5)
        }
        space(14)
    }

    /// Height of the first unbreakable piece of a block: what a heading above it must stay with.
    private func leadHeight(of block: PDFDocument.Block) -> Double {
        switch block {
        case .title, .heading: return 40
        case .paragraph: return 2 * 14
        case .keyFigures, .table: return 6 + 22 + 2 * 20
        case let .charts(_, perRow, height): return chartRowHeight(perRow: perRow, height: height) + 4
        case .pageBreak: return 0
        }
    }

    private func chartColumnWidth(perRow: Int) -> Double {
        (content.width - Self.chartGap * Double(perRow - 1)) / Double(perRow)
    }

    /// Proportioned to the column width, but never so tall that a landscape page holds only one chart row.
    private func chartRowHeight(perRow: Int, height: Double?) -> Double {
        let width = chartColumnWidth(perRow: perRow)
        let proposed = height ?? (perRow == 1 ? min(width * 0.45, content.height * 0.55) : min(width * 0.68, content.height * 0.5))
        return max(40, min(content.height, proposed))
    }

    private static let chartGap = 14.0

    private mutating func heading(_ text: String, keepWith following: Double) {
        space(12)
        canvas.setFont(size: 13, weight: .bold)
        let lineHeight = canvas.fontMetrics().height
        let lines = canvas.wrap(text, width: content.width)
        let height = lineHeight * Double(lines.count) + 6
        // A heading alone at the foot of a page reads as an error: keep it with some of what follows.
        if remaining < height + min(following, content.height / 2) && !atPageTop { newPage() }
        let top = reserve(height)
        let x = content.x
        draw { canvas in
            canvas.setFont(size: 13, weight: .bold)
            for (index, line) in lines.enumerated() {
                canvas.text(line, x: x, y: top + lineHeight * Double(index), ReportTheme.ink, vertical: .top)
            }
        }
    }

    private mutating func paragraph(_ text: String) {
        canvas.setFont(size: 10)
        let lineHeight = 14.0
        let x = content.x
        for line in canvas.wrap(text, width: content.width) {
            let top = reserve(lineHeight)
            draw { canvas in
                canvas.setFont(size: 10)
                canvas.text(line, x: x, y: top + lineHeight / 2, ReportTheme.ink, vertical: .middle)
            }
        }
        space(8)
    }

    /// Rows that continue on the next page under a repeated header. The header never ends a page
    /// without two rows under it, and the last row never goes to a page alone.
    private mutating func rows(heights: [Double], headerHeight: Double,
                               header: @escaping (CairoCanvas, Double) -> Void, row: @escaping (CairoCanvas, Int, Double) -> Void) {
        space(6)
        if remaining < headerHeight + heights.prefix(2).reduce(0, +) && !atPageTop { newPage() }
        let headerTop = reserve(headerHeight)
        draw { header($0, headerTop) }
        var rowsOnPage = 0
        for (index, height) in heights.enumerated() {
            // The last two rows go together: a break before the last one would strand it.
            let keepWithNext = index == heights.count - 2 ? heights[index + 1] : 0
            if remaining < height + keepWithNext, rowsOnPage > 0 {
                newPage()
                let top = reserve(headerHeight)
                draw { header($0, top) }
                rowsOnPage = 0
            }
            let top = reserve(height)
            draw { row($0, index, top) }
            rowsOnPage += 1
        }
        space(10)
    }

    private mutating func keyFigures(_ figures: [KeyFigureRow], columnTitles: [String]) {
        let x = content.x, width = content.width
        let fractions = [0.40, 0.18, 0.21, 0.21]
        var edges = [x]
        for fraction in fractions { edges.append((edges.last ?? x) + fraction * width) }
        let pad = 8.0
        let titles = (0..<4).map { $0 < columnTitles.count ? columnTitles[$0] : "" }

        rows(heights: Array(repeating: 22, count: figures.count), headerHeight: 22, header: { canvas, top in
            canvas.setFont(size: 8.5, weight: .bold)
            for (index, title) in titles.enumerated() {
                let cellWidth = edges[index + 1] - edges[index] - 2 * pad
                let text = canvas.truncated(title, toFit: cellWidth)
                if index == 0 {
                    canvas.text(text, x: edges[0] + pad, y: top + 11, ReportTheme.mutedInk, vertical: .middle)
                } else {
                    canvas.text(text, x: edges[index + 1] - pad, y: top + 11, ReportTheme.mutedInk, align: .trailing, vertical: .middle)
                }
            }
            canvas.line(from: (x, top + 21.5), to: (x + width, top + 21.5), ReportTheme.axis, width: 1)
        }, row: { canvas, index, top in
            let figure = figures[index]
            if index % 2 == 1 { canvas.fill(ChartRect(x: x, y: top, width: width, height: 22), ReportTheme.panel) }
            let middle = top + 11
            canvas.setFont(size: 10)
            canvas.text(canvas.truncated(figure.label, toFit: edges[1] - edges[0] - 2 * pad), x: edges[0] + pad, y: middle,
                        ReportTheme.ink, vertical: .middle)
            canvas.setFont(size: 10, weight: .bold)
            canvas.text(canvas.truncated(figure.value, toFit: edges[2] - edges[1] - 2 * pad), x: edges[2] - pad, y: middle,
                        ReportTheme.ink, align: .trailing, vertical: .middle)
            for (column, change) in [(3, figure.vsPreviousDay), (4, figure.vsSevenDayMean)] {
                let right = edges[column] - pad
                guard let change else {
                    canvas.setFont(size: 10)
                    canvas.text("–", x: right, y: middle, ReportTheme.mutedInk, align: .trailing, vertical: .middle)
                    continue
                }
                let color = figure.color(of: change)
                canvas.setFont(size: 10)
                canvas.text(change.text, x: right, y: middle, color, align: .trailing, vertical: .middle)
                let textWidth = canvas.width(of: change.text)
                canvas.setFont(size: 7)
                canvas.text(KeyFigureRow.arrow(change.direction), x: right - textWidth - 4, y: middle, color,
                            align: .trailing, vertical: .middle)
            }
        })
    }

    private mutating func table(columns: [TableColumn], rows tableRows: [[String]]) {
        guard !columns.isEmpty else { return }
        let x = content.x, width = content.width, pad = 6.0, lineHeight = 11.0
        let cells = tableRows.map { row in (0..<columns.count).map { $0 < row.count ? row[$0] : "" } }

        // Column widths as a browser lays out an automatic table: each column gets at least its
        // longest word and at most its longest cell; cells wrap between words instead of being cut.
        func measure(bold: Bool, _ texts: [String]) -> (min: Double, max: Double) {
            canvas.setFont(size: 9, weight: bold ? .bold : .regular)
            var widest = (min: 0.0, max: 0.0)
            for text in texts {
                widest.max = max(widest.max, canvas.width(of: text))
                for word in text.split(separator: " ") { widest.min = max(widest.min, canvas.width(of: String(word))) }
            }
            return widest
        }
        let sizes = columns.indices.map { index -> (min: Double, max: Double) in
            let title = measure(bold: true, [columns[index].title]), body = measure(bold: false, cells.map { $0[index] })
            return (max(title.min, body.min) + 2 * pad, max(title.max, body.max) + 2 * pad)
        }
        let widths = Self.columnWidths(sizes, total: width)
        var edges = [x]
        for columnWidth in widths { edges.append((edges.last ?? x) + columnWidth) }

        func lines(_ text: String, column: Int, bold: Bool) -> [String] {
            canvas.setFont(size: 9, weight: bold ? .bold : .regular)
            return canvas.wrap(text, width: max(1, edges[column + 1] - edges[column] - 2 * pad))
        }
        func draw(_ canvas: CairoCanvas, _ wrapped: [String], column: Int, top: Double, color: RGBColor) {
            for (n, line) in wrapped.enumerated() {
                let middle = top + pad / 2 + lineHeight * (Double(n) + 0.5) + 1
                switch columns[column].alignment {
                case .leading: canvas.text(line, x: edges[column] + pad, y: middle, color, vertical: .middle)
                case .trailing: canvas.text(line, x: edges[column + 1] - pad, y: middle, color, align: .trailing, vertical: .middle)
                }
            }
        }
        let titles = columns.indices.map { lines(columns[$0].title, column: $0, bold: true) }
        let body = cells.map { row in row.indices.map { lines(row[$0], column: $0, bold: false) } }
        func height(_ wrapped: [[String]]) -> Double { Double(wrapped.map(\.count).max() ?? 1) * lineHeight + pad }
        let headerHeight = height(titles) + 3, heights = body.map(height)
        rows(heights: heights, headerHeight: headerHeight, header: { canvas, top in
            canvas.setFont(size: 9, weight: .bold)
            for index in columns.indices { draw(canvas, titles[index], column: index, top: top, color: ReportTheme.mutedInk) }
            canvas.line(from: (x, top + headerHeight - 0.5), to: (x + width, top + headerHeight - 0.5), ReportTheme.axis, width: 1)
        }, row: { canvas, index, top in
            if index % 2 == 1 { canvas.fill(ChartRect(x: x, y: top, width: width, height: heights[index]), ReportTheme.panel) }
            canvas.setFont(size: 9)
            for (column, wrapped) in body[index].enumerated() {
                draw(canvas, wrapped, column: column, top: top, color: ReportTheme.ink)
            }
        })
    }

    /// Widths that fill `total`: natural widths stretched when they fit; otherwise every column
    /// keeps its minimum (its longest word) and the rest is shared by how much more each wants.
    static func columnWidths(_ sizes: [(min: Double, max: Double)], total: Double) -> [Double] {
        let natural = sizes.map(\.max).reduce(0, +), least = sizes.map(\.min).reduce(0, +)
        if natural <= total { return sizes.map { $0.max * total / max(1, natural) } }
        if least >= total { return sizes.map { $0.min * total / max(1, least) } }
        let wanted = sizes.map { $0.max - $0.min }.reduce(0, +)
        return sizes.map { $0.min + ($0.max - $0.min) * (total - least) / max(1e-9, wanted) }
    }

    private mutating func charts(_ charts: [any ReportChart], perRow: Int, height: Double?) {
        let gap = Self.chartGap
        let columnWidth = chartColumnWidth(perRow: perRow)
        let rowHeight = chartRowHeight(perRow: perRow, height: height)
        space(4)
        for start in stride(from: 0, to: charts.count, by: perRow) {
            let top = reserve(rowHeight)
            for (offset, chart) in charts[start..<min(charts.count, start + perRow)].enumerated() {
                let rect = ChartRect(x: content.x + Double(offset) * (columnWidth + gap), y: top,
                                     width: columnWidth, height: rowHeight)
                draw { canvas in
                    chart.draw(on: canvas.cr, in: rect)
                    // A hairline card keeps side-by-side charts from running into each other.
                    canvas.strokeRounded(rect.inset(by: 0.25), radius: 4, ReportTheme.rule, width: 0.5)
                }
            }
            space(gap)
        }
    }
}
