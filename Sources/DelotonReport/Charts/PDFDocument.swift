import CCairo
import Foundation

/// A paginated A4 report built from blocks (title, headings, paragraphs, tables, charts) and rendered
/// with cairo in one go. Being a plain value, it can be assembled anywhere and rendered when complete;
/// page breaks and "Page i of n" footers are worked out at rendering.
public struct PDFDocument: Sendable {
    public enum Orientation: Sendable, Hashable { case portrait, landscape }

    enum Block: Sendable {
        case title(String, subtitle: String?)
        case heading(String)
        case paragraph(String)
        case keyFigures([KeyFigureRow], columnTitles: [String])
        case table(columns: [TableColumn], rows: [[String]])
        case charts([any ReportChart], perRow: Int, height: Double?)
        case pageBreak
    }

    public var orientation: Orientation
    /// Left-hand footer text on every page, e.g. "deloton daily report · 2022-07-25".
    public var footer: String
    /// Stored in the PDF's metadata; defaults to the first title added.
    public var documentTitle: String?
    private(set) var blocks: [Block] = []

    public init(orientation: Orientation = .portrait, footer: String = "", documentTitle: String? = nil) {
        self.orientation = orientation
        self.footer = footer
        self.documentTitle = documentTitle
    }

    /// A4 in PostScript points.
    public var pageSize: (width: Double, height: Double) {
        orientation == .portrait ? (595.276, 841.89) : (841.89, 595.276)
    }

    public mutating func addTitle(_ title: String, subtitle: String? = nil) {
        blocks.append(.title(title, subtitle: subtitle))
    }

    public mutating func addHeading(_ text: String) {
        blocks.append(.heading(text))
    }

    /// Word-wrapped to the page width; blank lines ("\n\n") separate paragraphs within one call.
    public mutating func addParagraph(_ text: String) {
        blocks.append(.paragraph(text))
    }

    public mutating func addKeyFigures(_ figures: [KeyFigureRow],
                                       columnTitles: [String] = ["Figure", "Value", "vs previous day", "vs 7-day mean"]) {
        blocks.append(.keyFigures(figures, columnTitles: columnTitles))
    }

    /// Rows longer or shorter than `columns` are cut or padded. Long tables continue on the next page under a
    /// repeated header.
    public mutating func addTable(columns: [TableColumn], rows: [[String]]) {
        blocks.append(.table(columns: columns, rows: rows))
    }

    /// Columns whose cells all start like a number ("12", "−3.5%", "07:13", "6 min") are right-aligned so
    /// figures line up; the others are left-aligned.
    public mutating func addTable(columns: [String], rows: [[String]]) {
        let aligned = columns.enumerated().map { index, title in
            let cells = rows.compactMap { index < $0.count ? $0[index] : nil }.filter { !$0.isEmpty && $0 != "–" }
            let numeric = !cells.isEmpty && cells.allSatisfy { cell in
                cell.first.map { $0.isNumber || "+-−±".contains($0) } ?? false
            }
            return TableColumn(title, alignment: numeric ? .trailing : .leading)
        }
        addTable(columns: aligned, rows: rows)
    }

    /// Charts laid out `perRow` to a row (2 for side by side, 1 for full width); `height` in points per row,
    /// by default proportioned to the column width.
    public mutating func addCharts(_ charts: [any ReportChart], perRow: Int = 2, height: Double? = nil) {
        blocks.append(.charts(charts, perRow: max(1, perRow), height: height))
    }

    public mutating func addChart(_ chart: any ReportChart, height: Double? = nil) {
        addCharts([chart], perRow: 1, height: height)
    }

    public mutating func addPageBreak() {
        blocks.append(.pageBreak)
    }

    /// The finished PDF's bytes.
    public func pdfData() throws(RenderingError) -> [UInt8] {
        let sink = ByteSink()
        try sink.withWriteCallback { callback, closure throws(RenderingError) in
            let size = pageSize
            guard let surface = cairo_pdf_surface_create_for_stream(callback, closure, size.width, size.height) else {
                throw .cairo(operation: "creating a PDF surface", status: "out of memory")
            }
            defer { cairo_surface_destroy(surface) }
            try RenderingError.check(cairo_surface_status(surface), "creating a PDF surface")
            cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATOR, "deloton")
            if let title = documentTitle ?? firstTitle {
                cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_TITLE, title)
            }
            guard let cairo = cairo_create(surface) else {
                throw .cairo(operation: "creating a PDF drawing context", status: "out of memory")
            }
            defer { cairo_destroy(cairo) }

            let canvas = CairoCanvas(cr: cairo)
            let pages = PageComposer.compose(self, canvas: canvas)
            for (index, page) in pages.enumerated() {
                for draw in page { draw(canvas) }
                drawFooter(canvas, page: index + 1, of: pages.count)
                cairo_show_page(cairo)
            }
            try RenderingError.check(cairo_status(cairo), "drawing the PDF pages")
            // Everything is only flushed through the callback once the surface is finished.
            cairo_surface_finish(surface)
            try RenderingError.check(cairo_surface_status(surface), "finishing the PDF")
        }
        return sink.bytes
    }

    public func write(to path: String) throws(RenderingError) {
        let bytes = try pdfData()
        do {
            try Data(bytes).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw .cannotWrite(path: path, reason: error.localizedDescription)
        }
    }

    private var firstTitle: String? {
        for case let .title(title, _) in blocks { return title }
        return nil
    }

    private func drawFooter(_ canvas: CairoCanvas, page: Int, of count: Int) {
        let size = pageSize
        let margin = PageComposer.margin
        let baseline = size.height - margin / 2 - 4
        canvas.line(from: (margin, baseline - 12), to: (size.width - margin, baseline - 12), ReportTheme.rule, width: 0.5)
        canvas.setFont(size: 8)
        canvas.text(canvas.truncated(footer, toFit: size.width - 2 * margin - 80), x: margin, y: baseline, ReportTheme.mutedInk)
        canvas.text("Page \(page) of \(count)", x: size.width - margin, y: baseline, ReportTheme.mutedInk, align: .trailing)
    }
}
