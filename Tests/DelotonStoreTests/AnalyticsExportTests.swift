import DelotonCore
@testable import DelotonStore
import DelotonTestSupport
import Foundation
import Testing

@Suite("Analytics export")
struct AnalyticsExportTests {
    typealias F = AnalyticsFixture

    static func export(_ view: AnalyticsView, from warehouse: any Warehouse, format: AnalyticsExport.Format,
                       since: ExportBound? = nil, until: ExportBound? = nil, pageSize: Int = 5000) async throws -> (String, Int) {
        let path = TestPaths.scratch("export") + "/out"
        defer { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }
        _ = FileManager.default.createFile(atPath: path, contents: nil)
        let handle = try #require(FileHandle(forWritingAtPath: path))
        let count = try await AnalyticsExport(warehouse: warehouse, zone: F.london, pageSize: pageSize)
            .write(view, format: format, since: since, until: until, to: handle)
        try handle.close()
        return (try String(contentsOfFile: path, encoding: .utf8), count)
    }

    static func fields(_ csv: String) -> [[String]] {
        csv.components(separatedBy: "\r\n").filter { !$0.isEmpty }.map { $0.components(separatedBy: ",") }
    }

    @Test("both warehouses export the same CSV and JSONL, whatever the page size")
    func sameEverywhere() async throws {
        let opened = try await F.loaded()
        defer { opened.forEach { $0.cleanup() } }
        for view in AnalyticsCatalog.all {
            var outputs: [(String, String)] = []
            for o in opened {
                let (csv, rows) = try await Self.export(view, from: o.warehouse, format: .csv)
                let (paged, _) = try await Self.export(view, from: o.warehouse, format: .csv, pageSize: 7)
                #expect(csv == paged, "\(o.warehouse.kind) \(view.name): pages change the output")
                let lines = Self.fields(csv)
                #expect(lines.first == view.columns.map(\.name))
                #expect(lines.count == rows + 1)
                #expect(rows > 0)
                let (jsonl, jsonRows) = try await Self.export(view, from: o.warehouse, format: .jsonl, pageSize: 13)
                #expect(jsonRows == rows)
                let objects = jsonl.split(separator: "\n").map { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
                #expect(objects.count == rows)
                #expect(objects.allSatisfy { $0?.count == view.columns.count }, "\(view.name): not one JSON object per line")
                outputs.append((csv, jsonl))
            }
            let (a, b) = (Self.fields(outputs[0].0), Self.fields(outputs[1].0))
            #expect(a.count == b.count, "\(view.name)")
            for (x, y) in zip(a, b) where x != y {
                #expect(zip(x, y).allSatisfy { F.close($0, $1) }, "\(view.name): \(x) vs \(y)")
            }
        }
    }

    @Test("--since and --until bound the view's time column: a local day, an instant, a date range")
    func timeBounds() async throws {
        let opened = try await F.loaded()
        defer { opened.forEach { $0.cleanup() } }
        for o in opened {
            let (rides, rideCount) = try await Self.export(AnalyticsCatalog.rides, from: o.warehouse, format: .jsonl,
                                                           since: .day(CivilDate(year: 2022, month: 10, day: 30)),
                                                           until: .day(CivilDate(year: 2022, month: 10, day: 31)))
            #expect(rideCount == 3, "\(o.warehouse.kind): \(rides)")
            #expect(rides.split(separator: "\n").allSatisfy { $0.contains("\"start_date_local\":\"2022-10-30\"") })
            // 01:30 BST on 30 October is 00:30 UTC: from there on, two rides of that day.
            let since = try #require(ExportBound.parse("2022-10-30T00:30:00.250Z", zone: F.london))
            let (_, laterCount) = try await Self.export(AnalyticsCatalog.rides, from: o.warehouse, format: .csv, since: since,
                                                        until: .day(CivilDate(year: 2022, month: 10, day: 31)))
            #expect(laterCount == 2, "\(o.warehouse.kind)")
            let (daily, days) = try await Self.export(AnalyticsCatalog.daily, from: o.warehouse, format: .csv,
                                                      since: .day(CivilDate(year: 2022, month: 10, day: 29)),
                                                      until: .day(CivilDate(year: 2022, month: 11, day: 1)))
            #expect(days == 3)
            #expect(Self.fields(daily).dropFirst().map { $0[0] } == ["2022-10-29", "2022-10-30", "2022-10-31"])
            let (_, readings) = try await Self.export(AnalyticsCatalog.readings, from: o.warehouse, format: .csv,
                                                      since: ExportBound.parse("2023-06-15T12:00:05.250+01:00", zone: F.london),
                                                      until: ExportBound.parse("2023-06-15 12:00:10.250", zone: F.london),
                                                      pageSize: 2)
            #expect(readings == 5, "\(o.warehouse.kind)")
            await #expect(throws: WarehouseError.self) {
                _ = try await Self.export(AnalyticsCatalog.riders, from: o.warehouse, format: .csv, since: .day(CivilDate(year: 2022, month: 1, day: 1)))
            }
        }
    }

    @Test("a warehouse without the views says to run deloton migrate")
    func missingViews() async throws {
        let dir = TestPaths.scratch("bi")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let warehouse = try SQLiteWarehouse(path: dir + "/bare.sqlite", logger: F.logger)
        do {
            _ = try await Self.export(AnalyticsCatalog.rides, from: warehouse, format: .csv)
            Issue.record("export of a missing view succeeded")
        } catch let error as WarehouseError {
            #expect(error.message.contains("deloton migrate"), "\(error.message)")
        }
        try await warehouse.close()
    }

    @Test("CSV quotes as RFC 4180 says; JSON lines quote their strings")
    func encoding() {
        #expect(CSVLine.encode(["a", "b,c", "d\"e", "f\ng", "", "h\ri"]) == "a,\"b,c\",\"d\"\"e\",\"f\ng\",,\"h\ri\"\r\n")
        // Cells a spreadsheet would run as formulas are shown as text; plain numbers stay numbers.
        #expect(CSVLine.encode(["=HYPERLINK(\"http://x.example\")", "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx"])
                == "\"'=HYPERLINK(\"\"http://x.example\"\")\",'+1+1,'-2+3,'@SUM(A1),'\tx,\"'\rx\"\r\n")
        #expect(CSVLine.encode(["-3", "-0.5", "-1e-3", "12", "-", "-.", "-1e", "a=b"]) == "-3,-0.5,-1e-3,12,'-,'-.,'-1e,a=b\r\n")
        let columns = AnalyticsCatalog.riders.columns.prefix(3)
        let fields = [AnalyticsExport.Field(text: "7", bare: true), .init(text: "fe\"male", bare: false), .init(text: nil, bare: true)]
        #expect(JSONLine.encode(Array(columns), fields) == "{\"rider_id\":7,\"gender\":\"fe\\\"male\",\"age_band\":null}\n")
    }

    @Test("bounds: days, instants with and without an offset, nonsense refused")
    func bounds() {
        let z = F.london
        #expect(ExportBound.parse("2022-07-25", zone: z) == .day(CivilDate(year: 2022, month: 7, day: 25)))
        #expect(ExportBound.parse("2022-07-25T16:12:32.019+01:00", zone: z) == .instant(Instant(microseconds: 1_658_761_952_019_000)))
        #expect(ExportBound.parse("2022-07-25T15:12:32.019Z", zone: z) == .instant(Instant(microseconds: 1_658_761_952_019_000)))
        #expect(ExportBound.parse("2022-07-25 16:12:32.019", zone: z) == .instant(Instant(microseconds: 1_658_761_952_019_000)))
        #expect(ExportBound.parse("2022-07-25T16:12+0100", zone: z) == .instant(Instant(microseconds: 1_658_761_920_000_000)))
        // The fast path for SQLite's instants agrees with the general parser.
        for text in ["2022-07-25T15:12:32.019Z", "1999-12-31T23:59:59.999Z", "2024-02-29T00:00:00.000Z"] {
            #expect(ExportBound.parse(text, zone: z) == AnalyticsExport.utcInstant(text).map { .instant($0) }, "\(text)")
        }
        #expect(AnalyticsExport.utcInstant("2022-07-25T15:12:32.019+01:00") == nil)
        for bad in ["", "yesterday", "2022-13-01", "2022-07-25T25:00", "2022-07-25T16:12:32+1", "2022-07-25X16:12"] {
            #expect(ExportBound.parse(bad, zone: z) == nil, "\(bad)")
        }
    }

    @Test("views are found by bare, schema-qualified or SQLite name")
    func names() {
        #expect(AnalyticsCatalog.view(named: "rides")?.name == "rides")
        #expect(AnalyticsCatalog.view(named: "analytics.daily")?.name == "daily")
        #expect(AnalyticsCatalog.view(named: "analytics_readings")?.name == "readings")
        #expect(AnalyticsCatalog.view(named: "production.riders") == nil)
        #expect(AnalyticsCatalog.view(named: "riders")?.qualifiedName(forWarehouseKind: .postgresql) == "analytics.riders")
        #expect(AnalyticsCatalog.view(named: "riders")?.qualifiedName(forWarehouseKind: .sqlite) == "analytics_riders")
    }
}
