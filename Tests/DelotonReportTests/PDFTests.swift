import DelotonTestSupport
import Foundation
import Testing
@testable import DelotonReport

@Suite("PDF report")
struct PDFTests {
    static let figures = [
        KeyFigureRow(label: "Rides", current: 41, previousDay: 38, sevenDayMean: 39.4),
        KeyFigureRow(label: "Average heart rate", current: 117.3, previousDay: 119, sevenDayMean: nil, decimals: 1,
                  unit: "bpm", higherIsBetter: nil),
        KeyFigureRow(label: "Alerts", current: 4, previousDay: 0, sevenDayMean: 2.3, higherIsBetter: false),
    ]

    /// Three pages by construction: summary, charts, table.
    static var threePages: PDFDocument {
        var document = PDFDocument(footer: "deloton daily report · 2022-07-25")
        document.addTitle("Daily report", subtitle: "Monday 25 July 2022")
        document.addHeading("Key figures")
        document.addKeyFigures(figures)
        document.addParagraph(String(repeating: "Changes compare with the previous day and the seven days before. ", count: 8))
        document.addPageBreak()
        document.addHeading("Activity")
        document.addChart(SampleReportCharts.hours)
        document.addCharts([SampleReportCharts.gender, SampleReportCharts.age, SampleReportCharts.heartRate, SampleReportCharts.power])
        document.addPageBreak()
        document.addChart(SampleReportCharts.trend)
        document.addTable(columns: ["Ride", "Rider", "Avg power (W)"],
                          rows: (1...20).map { ["\($0)", "Rider \($0)", ReportNumber.format(Double($0) * 4.5, decimals: 1)] })
        return document
    }

    @Test("a three-page report has three non-blank pages with its text")
    func threePageReport() async throws {
        let directory = try ChartTestDirectory()
        let path = directory.path + "/report.pdf"
        try Self.threePages.write(to: path)

        let info = try await runPoppler("pdfinfo", [path])
        #expect(info.contains("Pages:           3"))
        #expect(info.contains("A4"))
        #expect(info.contains("Daily report"), "title metadata missing")

        let inks = try await popplerPageInk(pdf: path, in: directory)
        #expect(inks.count == 3)
        for (page, ink) in inks.enumerated() {
            #expect(ink > 0.01, "page \(page + 1) is blank (\(ink))")
        }

        let text = try await runPoppler("pdftotext", ["-layout", path, "-"])
        for expected in ["Daily report", "Monday 25 July 2022", "Key figures", "Average heart rate", "117.3 bpm",
                         "+7.9%", "vs 7-day mean", "Rides per hour of the day", "Riders by gender", "Riders by age group",
                         "Heart-rate distribution", "Power distribution", "Last 7 days", "Rider 20",
                         "Page 1 of 3", "Page 3 of 3", "deloton daily report"] {
            #expect(text.contains(expected), "\(expected) missing from the PDF text")
        }
        let fonts = try await runPoppler("pdffonts", [path])
        #expect(fonts.contains("DejaVuSans"))
    }

    @Test("long tables continue on new pages under a repeated header")
    func tablePagination() async throws {
        var document = PDFDocument(orientation: .landscape)
        document.addTitle("Rides")
        document.addTable(columns: [TableColumn("Ride"), TableColumn("Energy (kJ)", alignment: .trailing)],
                          rows: (1...150).map { ["ride-\($0)", "\($0)"] })
        let text = try await popplerText(of: document)
        let pageCount = text.components(separatedBy: "\u{0C}").filter { !$0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty }.count
        #expect(pageCount >= 5)
        #expect(text.components(separatedBy: "Energy (kJ)").count - 1 == pageCount)
        #expect(text.contains("ride-1\n") || text.contains("ride-1 "))
        #expect(text.contains("ride-150"))
        #expect(text.contains("Page \(pageCount) of \(pageCount)"))
    }

    @Test("long paragraphs wrap within the margins and flow over pages")
    func paragraphWrapping() async throws {
        var document = PDFDocument()
        document.addParagraph(String(repeating: "Lorem ipsum dolor sit amet, consectetur adipiscing elit. ", count: 200)
            + "Supercalifragilisticexpialidocious" + String(repeating: "x", count: 300))
        let data = try document.pdfData()
        let directory = try ChartTestDirectory()
        let path = directory.path + "/text.pdf"
        try Data(data).write(to: URL(fileURLWithPath: path))
        let info = try await runPoppler("pdfinfo", [path])
        #expect(info.contains("Pages:           2") || info.contains("Pages:           3"))
        // A line wider than the text width would show as text beyond the right margin; bbox reports every word.
        let bbox = try await runPoppler("pdftotext", ["-bbox", path, "-"])
        let rightEdges = bbox.split(separator: "\n").compactMap { line -> Double? in
            guard line.contains("<word"), let range = line.range(of: "xMax=\"") else { return nil }
            return Double(line[range.upperBound...].prefix { $0 != "\"" })
        }
        #expect(!rightEdges.isEmpty)
        #expect((rightEdges.max() ?? 0) <= 595.3 - 42 + 0.5)
    }

    @Test("an empty document is a valid one-page PDF")
    func emptyDocument() throws {
        let bytes = try PDFDocument().pdfData()
        #expect(String(decoding: bytes.prefix(5), as: UTF8.self) == "%PDF-")
        #expect(String(decoding: bytes.suffix(8), as: UTF8.self).contains("%%EOF"))
    }

    @Test("an unwritable path is reported with the path")
    func unwritablePath() throws {
        do {
            try PDFDocument().write(to: "/nonexistent-dir/report.pdf")
            Issue.record("expected an error")
        } catch {
            #expect(error.description.contains("/nonexistent-dir/report.pdf"))
        }
    }

    @Test("changes are phrased as percentages, or differences when the reference is zero")
    func changes() {
        #expect(KeyFigureRow.Change.between(41, and: 38) == .init(text: "+7.9%", direction: .up))
        #expect(KeyFigureRow.Change.between(36, and: 40) == .init(text: "−10.0%", direction: .down))
        #expect(KeyFigureRow.Change.between(4, and: 0) == .init(text: "+4", direction: .up))
        #expect(KeyFigureRow.Change.between(5, and: 5) == .init(text: "0%", direction: .flat))
        // A change that rounds to nothing is no change, not "−0.0%" in red.
        #expect(KeyFigureRow.Change.between(99.9999, and: 100) == .init(text: "0%", direction: .flat))
        #expect(KeyFigureRow.Change.between(0.0001, and: 0) == .init(text: "0", direction: .flat))
        #expect(KeyFigureRow.Change.between(nil, and: 5) == nil)
        #expect(KeyFigureRow.Change.between(.nan, and: 5) == nil)
        let alerts = KeyFigureRow(label: "Alerts", current: 4, previousDay: 2, sevenDayMean: 6, higherIsBetter: false)
        #expect(alerts.vsPreviousDay.map(alerts.color(of:)) == ReportTheme.deterioration)
        #expect(alerts.vsSevenDayMean.map(alerts.color(of:)) == ReportTheme.improvement)
        #expect(KeyFigureRow(label: "x", current: nil, previousDay: 1, sevenDayMean: 1).value == "–")
    }

    @Test("table cells wrap between words, as the HTML does, instead of being cut")
    func cellsWrap() async throws {
        let directory = try ChartTestDirectory()
        let path = directory.path + "/wrap.pdf"
        var document = PDFDocument()
        let long = "Raised three times on the longest climb of the whole day while the rider kept pedalling"
        document.addTable(columns: ["Raised", "Rider", "Ride", "Age, gender", "Safe range", "Readings", "Email status"],
                          rows: [["10:02:03", "Mrs Alexandra Featherstonehaugh-Smith", "#1234567", "47, female",
                                  "47–174 bpm", "180, 182, 185, 190, 191 bpm", long]])
        try document.write(to: path)
        let text = try await runPoppler("pdftotext", [path, "-"])
        #expect(!text.contains("…"), "a cell was cut: \(text)")
        let words = text.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        for expected in ["Featherstonehaugh-Smith", "#1234567", "47–174 bpm", "whole day while the rider kept pedalling"] {
            #expect(words.contains(expected), "\(expected) missing from \(words)")
        }
    }

    @Test("a table's header keeps rows with it and its last row never stands alone on a page")
    func noLoneRows() async throws {
        let directory = try ChartTestDirectory()
        // Table lengths around a page's capacity, so that some break right before the last row.
        for count in stride(from: 30, through: 52, by: 1) {
            let path = directory.path + "/rows-\(count).pdf"
            var document = PDFDocument()
            document.addParagraph(String(repeating: "Filler text to push the table down the page. ", count: 20))
            document.addTable(columns: ["Row", "Value"], rows: (1...count).map { ["Row \($0)", "\($0 * 3)"] })
            try document.write(to: path)
            let text = try await runPoppler("pdftotext", ["-layout", path, "-"])
            let pages = text.split(separator: "\u{0C}").map { page in
                page.split(separator: "\n").filter { $0.trimmingCharacters(in: .whitespaces).hasPrefix("Row ") }.count
            }.filter { $0 > 0 }
            #expect(!pages.contains(1), "\(count) rows laid out as \(pages) per page")
        }
    }

    @Test("numeric columns are right-aligned automatically")
    func columnAlignment() {
        var document = PDFDocument()
        document.addTable(columns: ["Rider", "Start", "Change"], rows: [["Ann", "07:13", "+3%"], ["Bo", "08:00", "–"]])
        guard case let .table(columns, _) = document.blocks.last else {
            Issue.record("no table block")
            return
        }
        #expect(columns.map(\.alignment) == [.leading, .trailing, .trailing])
    }
}

// MARK: Helpers shared by the report tests

/// A directory under the system temporary directory, removed when the value goes away.
final class ChartTestDirectory {
    let path: String

    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("deloton-report-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}

struct PopplerFailure: Error, CustomStringConvertible {
    let description: String
}

/// Runs a poppler tool (Debian package poppler-utils) and returns its standard output.
func runPoppler(_ name: String, _ arguments: [String]) async throws -> String {
    let executable = "/usr/bin/" + name
    guard FileManager.default.isExecutableFile(atPath: executable) else {
        throw PopplerFailure(description: "\(executable) is missing: install poppler-utils (apt-get install poppler-utils)")
    }
    let child = try await ChildProcess.run(executable, arguments)
    guard child.status == 0 else {
        throw PopplerFailure(description: "\(name) \(arguments.joined(separator: " ")) exited with \(child.status): \(child.stderr)")
    }
    return child.stdout
}

func popplerText(of document: PDFDocument) async throws -> String {
    let directory = try ChartTestDirectory()
    let path = directory.path + "/document.pdf"
    try document.write(to: path)
    return try await runPoppler("pdftotext", [path, "-"])
}

/// Fraction of non-white pixels on each page, rasterised at 50 dpi as greyscale PGM (trivial to decode).
func popplerPageInk(pdf path: String, in directory: ChartTestDirectory) async throws -> [Double] {
    let prefix = directory.path + "/page"
    _ = try await runPoppler("pdftoppm", ["-gray", "-r", "50", path, prefix])
    let pages = try FileManager.default.contentsOfDirectory(atPath: directory.path)
        .filter { $0.hasPrefix("page") && $0.hasSuffix(".pgm") }
        .sorted()
    return try pages.map { name in
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: directory.path + "/" + name)))
        // Header: "P5" width height maxval, whitespace separated, then one byte per pixel.
        var fields: [String] = []
        var index = 0
        var current = ""
        while fields.count < 4, index < bytes.count {
            let byte = bytes[index]
            if byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 {
                if !current.isEmpty { fields.append(current); current = "" }
            } else {
                current.append(Character(UnicodeScalar(byte)))
            }
            index += 1
        }
        guard fields.first == "P5", let width = Int(fields[1]), let height = Int(fields[2]) else {
            throw PopplerFailure(description: "\(name) is not a binary PGM")
        }
        let pixels = bytes[index...].prefix(width * height)
        return Double(pixels.filter { $0 < 240 }.count) / Double(max(1, width * height))
    }
}
