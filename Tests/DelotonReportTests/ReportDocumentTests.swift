import DelotonCore
import DelotonReport
import DelotonStore
import DelotonTestSupport
import Foundation
import Testing

/// `report.html`, `report.pdf`, `report.json` and the chart files, as written to `--out`.
@Suite struct ReportDocumentTests {
    /// Set DELOTON_REPORT_KEEP=DIR to keep the written reports there for a look.
    static func outputDirectory(_ name: String) throws -> (URL, keep: Bool) {
        if let keep = ProcessInfo.processInfo.environment["DELOTON_REPORT_KEEP"], !keep.isEmpty {
            return (URL(fileURLWithPath: keep).appendingPathComponent(name), true)
        }
        return (try ReportFixture.temporaryDirectory("deloton-report-out"), false)
    }

    static func report(empty: Bool = false) async throws -> DailyReport {
        let (warehouse, dir) = try await ReportFixture.sqlite()
        defer { try? FileManager.default.removeItem(at: dir) }
        if !empty { try await ReportFixture.load(into: warehouse) }
        let report = try await DailyReport.build(day: ReportFixture.day, warehouse: warehouse, zone: ReportFixture.london)
        try await warehouse.close()
        return report
    }

    @Test(arguments: [false, true])
    func writesEveryDocument(empty: Bool) async throws {
        let report = try await Self.report(empty: empty)
        let (dir, keep) = try Self.outputDirectory(empty ? "empty" : "day")
        defer { if !keep { try? FileManager.default.removeItem(at: dir) } }
        try ReportRenderer.write(report, to: dir)

        // Every image the page references is a PNG beside it.
        let html = try String(contentsOf: dir.appendingPathComponent("report.html"), encoding: .utf8)
        let sources = Self.imageSources(in: html)
        #expect(sources.count == 6)
        for src in sources {
            #expect(!src.contains("/") && !src.hasPrefix("cid:"), "\(src) is not a file beside report.html")
            let bytes = try Data(contentsOf: dir.appendingPathComponent(src))
            #expect(Array(bytes.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], "\(src) is not a PNG")
        }
        #expect(html.contains("<style") == false, "mail clients drop <style>: styles must be inline")
        #expect(html.contains(empty ? "No rides on this day." : "Mr Alan Ash"))
        #expect(html.contains("Monday 25 July 2022"))

        // The PDF: A4 pages that pdftoppm can draw, none of them blank.
        let pages = try await Self.rasterise(dir.appendingPathComponent("report.pdf"), into: dir)
        #expect(pages.count >= (empty ? 1 : 2))
        let pdfText = try await runPoppler("pdftotext", [dir.appendingPathComponent("report.pdf").path, "-"])
        #expect(!pdfText.contains("…"), "no cell is cut")
        if empty {
            #expect(pdfText.components(separatedBy: "No rides").count == 2, "an empty day says so once: \(pdfText)")
        }
        for page in pages {
            #expect(page.width == 595 || page.width == 596, "A4 at 72 dpi is 595 points wide")
            #expect(page.inkedFraction > 0.01, "page \(page.name) is blank")
        }

        // The JSON holds the figures, with null where there is no data.
        let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("report.json"))) as? [String: Any])
        #expect(json["date"] as? String == "2022-07-25")
        #expect((json["ride_count"] as? NSNumber)?.intValue == (empty ? 0 : 4))
        #expect(json["previous_day"] is [String: Any] && json["previous_7_days"] is [String: Any])
        let ages = try #require(json["riders_by_age_group"] as? [String: Any])
        #expect(Set(ages.keys) == ["<25", "25-34", "35-44", "45-54", "55-64", "65+"])
        if empty {
            #expect(json["avg_heart_rate"] is NSNull && json["longest_ride_s"] is NSNull && json["max_power_w"] is NSNull)
        } else {
            #expect((json["riders_by_gender"] as? [String: Any])?.keys.sorted() == ["female", "male", "nonbinary"])
            #expect((json["avg_heart_rate"] as? NSNumber)?.doubleValue == 1971.0 / 14)
            #expect((json["alert_count"] as? NSNumber)?.intValue == 1)
        }
    }

    @Test func emailCopyReferencesInlineImages() async throws {
        let report = try await Self.report()
        let documents = try ReportRenderer.render(report)
        let sources = Self.imageSources(in: documents.emailHTML)
        #expect(sources.count == 6)
        #expect(Set(sources) == Set(documents.images.map { "cid:" + $0.contentID }))
        #expect(!documents.text.isEmpty && documents.text.contains("Rides"))
    }

    static func imageSources(in html: String) -> [String] {
        var out: [String] = []
        var rest = Substring(html)
        while let r = rest.range(of: "<img src=\"") {
            rest = rest[r.upperBound...]
            guard let end = rest.firstIndex(of: "\"") else { break }
            out.append(String(rest[..<end]))
            rest = rest[end...]
        }
        return out
    }

    struct Page {
        var name: String
        var width: Int
        var height: Int
        var inkedFraction: Double
    }

    /// Runs `pdftoppm -gray` at 72 dpi and reads the PGM pages it writes.
    static func rasterise(_ pdf: URL, into dir: URL) async throws -> [Page] {
        let prefix = dir.appendingPathComponent("page").path
        let child = try await ChildProcess.run("/usr/bin/pdftoppm", ["-gray", "-r", "72", pdf.path, prefix])
        #expect(child.status == 0, "pdftoppm could not read the PDF: \(child.stderr)")
        let names = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasPrefix("page") && $0.hasSuffix(".pgm") }.sorted()
        return try names.map { name in
            let url = dir.appendingPathComponent(name)
            defer { try? FileManager.default.removeItem(at: url) }
            return try pgm(Array(Data(contentsOf: url)), name: name)
        }
    }

    /// A binary PGM (P5, maxval 255): header tokens, then one byte per pixel.
    static func pgm(_ bytes: [UInt8], name: String) throws -> Page {
        var tokens: [Int] = [], i = 2, current = ""
        while tokens.count < 3, i < bytes.count {
            let c = Character(UnicodeScalar(bytes[i]))
            if c.isWhitespace { if !current.isEmpty { tokens.append(Int(current) ?? 0); current = "" } } else { current.append(c) }
            i += 1
        }
        let (width, height) = (tokens[0], tokens[1])
        let pixels = bytes[i...]
        let inked = pixels.reduce(0) { $0 + ($1 < 200 ? 1 : 0) }
        return Page(name: name, width: width, height: height, inkedFraction: Double(inked) / Double(max(1, width * height)))
    }
}
