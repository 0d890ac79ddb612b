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

    /// Rows that continue on the next page under a repeated header.
    private mutating func rows(count: Int, headerHeight: Double, rowHeight: Double,
                               header: @escaping (CairoCanvas, Double) -> Void, row: @escaping (CairoCanvas, Int, Double) -> Void) {
        space(6)
        if remaining < headerHeight + rowHeight && !atPageTop { newPage() }
        let headerTop = reserve(headerHeight)
        draw { header($0, headerTop) }
        for index in 0..<count {
            if remaining < rowHeight {
                newPage()
                let top = reserve(headerHeight)
                draw { header($0, top) }
            }
            let top = reserve(rowHeight)
            draw { row($0, index, top) }
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

        rows(count: figures.count, headerHeight: 22, rowHeight: 22, header: { canvas, top in
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
        let x = content.x, width = content.width, pad = 6.0
        let cells = tableRows.map { row in (0..<columns.count).map { $0 < row.count ? row[$0] : "" } }

        // Natural column widths, stretched or squeezed to the text width; squeezed cells get an ellipsis.
        canvas.setFont(size: 9, weight: .bold)
        var natural = columns.map { canvas.width(of: $0.title) }
        canvas.setFont(size: 9)
        for row in cells {
            for (index, cell) in row.enumerated() { natural[index] = max(natural[index], canvas.width(of: cell)) }
        }
        let padded = natural.map { $0 + 2 * pad }
        let scale = width / max(1, padded.reduce(0, +))
        var edges = [x]
        for columnWidth in padded { edges.append((edges.last ?? x) + columnWidth * scale) }

        func cell(_ canvas: CairoCanvas, _ text: String, column: Int, middle: Double, color: RGBColor) {
            let fitted = canvas.truncated(text, toFit: edges[column + 1] - edges[column] - 2 * pad)
            switch columns[column].alignment {
            case .leading:
                canvas.text(fitted, x: edges[column] + pad, y: middle, color, vertical: .middle)
            case .trailing:
                canvas.text(fitted, x: edges[column + 1] - pad, y: middle, color, align: .trailing, vertical: .middle)
            }
        }
        let rowHeight = 17.0
        rows(count: cells.count, headerHeight: 20, rowHeight: rowHeight, header: { canvas, top in
            canvas.setFont(size: 9, weight: .bold)
            for (index, column) in columns.enumerated() {
                cell(canvas, column.title, column: index, middle: top + 10, color: ReportTheme.mutedInk)
            }
            canvas.line(from: (x, top + 19.5), to: (x + width, top + 19.5), ReportTheme.axis, width: 1)
        }, row: { canvas, index, top in
            if index % 2 == 1 { canvas.fill(ChartRect(x: x, y: top, width: width, height: rowHeight), ReportTheme.panel) }
            canvas.setFont(size: 9)
            for (column, text) in cells[index].enumerated() {
                cell(canvas, text, column: column, middle: top + rowHeight / 2, color: ReportTheme.ink)
            }
        })
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
