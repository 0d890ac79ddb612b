import Foundation

/// A chart as a PNG, with the names it is known by in the folder and in the email.
public struct ReportImage: Sendable, Equatable {
    public var fileName: String
    public var contentID: String
    public var png: [UInt8]
}

/// Every form of one day's report, rendered in memory.
public struct ReportDocuments: Sendable {
    /// `report.html`, whose images are the PNG files beside it.
    public var html: String
    /// The same page with its images as `cid:` references, for email.
    public var emailHTML: String
    /// A plain-text summary for mail readers that show no HTML.
    public var text: String
    public var pdf: [UInt8]
    public var json: [UInt8]
    public var images: [ReportImage]

    public static let htmlName = "report.html", pdfName = "report.pdf", jsonName = "report.json"
}

public enum ReportRenderer {
    public static func render(_ report: DailyReport) throws(ReportError) -> ReportDocuments {
        let charts = ReportCharts(report)
        var images: [ReportImage] = []
        for chart in charts.all {
            do {
                images.append(ReportImage(fileName: chart.fileName, contentID: chart.contentID, png: try chart.pngData()))
            } catch {
                throw .rendering("chart \(chart.fileName): \(error)")
            }
        }
        let pdf: [UInt8]
        do {
            pdf = try ReportPDF.document(report, charts: charts).pdfData()
        } catch {
            throw .rendering("PDF: \(error)")
        }
        return ReportDocuments(
            html: try ReportHTML.render(report, charts: charts, images: .files),
            emailHTML: try ReportHTML.render(report, charts: charts, images: .contentIDs),
            text: plainText(report), pdf: pdf, json: try ReportJSON.data(report), images: images)
    }

    /// Renders the report and writes `report.html`, `report.pdf`, `report.json` and the chart
    /// PNGs into `directory` (created if needed). Returns the documents, e.g. to mail them.
    @discardableResult
    public static func write(_ report: DailyReport, to directory: URL) throws(ReportError) -> ReportDocuments {
        let documents = try render(report)
        try write(documents, to: directory)
        return documents
    }

    public static func write(_ documents: ReportDocuments, to directory: URL) throws(ReportError) {
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw .cannotWrite(path: directory.path, reason: (error as NSError).localizedDescription)
        }
        var files: [(String, [UInt8])] = documents.images.map { ($0.fileName, $0.png) }
        files.append((ReportDocuments.pdfName, documents.pdf))
        files.append((ReportDocuments.jsonName, documents.json))
        // The page last: once it exists, everything it references does too.
        files.append((ReportDocuments.htmlName, Array(documents.html.utf8)))
        for (name, bytes) in files {
            let url = directory.appendingPathComponent(name)
            do {
                try Data(bytes).write(to: url, options: .atomic)
            } catch {
                throw .cannotWrite(path: url.path, reason: (error as NSError).localizedDescription)
            }
        }
    }

    static func plainText(_ report: DailyReport) -> String {
        let content = ReportContent(report)
        var lines = [content.title, "", content.summary, ""]
        if let notice = content.emptyNotice { lines += [notice, ""] }
        let width = content.keyFigures.map(\.label.count).max() ?? 0
        lines.append("Key figures (vs day before, vs 7-day mean):")
        for row in content.keyFigures {
            let label = row.label + String(repeating: " ", count: max(0, width - row.label.count))
            lines.append("  \(label)  \(row.value)  (\(row.vsPreviousDay?.text ?? "–"), \(row.vsSevenDayMean?.text ?? "–"))")
        }
        lines += ["", "The charts are in the HTML version of this message; the full report is attached as a PDF.", "",
                  content.footer]
        return lines.joined(separator: "\n") + "\n"
    }
}
