import DelotonCore
@testable import DelotonStore
import DelotonTestSupport
import Foundation
import Logging

/// Warehouses holding the same rides for the analytics tests: the real sample, the hand-made
/// stream (an alert, hr = 0, a ride left open) and rides around clock changes and midnights,
/// where local days and UTC days differ.
enum AnalyticsFixture {
    static let logger = Logger(label: "test")
    static let london = Zone(identifier: "Europe/London") ?? .utc

    struct Opened: Sendable {
        let warehouse: any Warehouse
        let url: String
        let cleanup: @Sendable () -> Void
    }

    static func sqlite() async throws -> Opened {
        let dir = TestPaths.scratch("bi")
        let url = "sqlite:\(dir)/w.sqlite"
        let warehouse = try await Warehouses.open(url, logger: logger)
        return Opened(warehouse: warehouse, url: url, cleanup: { try? FileManager.default.removeItem(atPath: dir) })
    }

    static func postgres() async throws -> Opened {
        let url = try await PostgresServer.freshDatabase()
        let warehouse = try await Warehouses.open(url, logger: logger)
        return Opened(warehouse: warehouse, url: url, cleanup: {})
    }

    /// Both warehouses, loaded with `batches`.
    static func loaded() async throws -> [Opened] {
        let all = [try await sqlite(), try await postgres()]
        let batches = try batches
        for opened in all {
            for batch in batches { _ = try await opened.warehouse.write(batch) }
        }
        return all
    }


    static var batches: [IngestBatch] {
        get throws {
            try StreamFixture.batches(lines: StreamFixture.realSample, source: "file:real", every: 200)
                + StreamFixture.batches(lines: StreamFixture.handMade, source: "file:hand", every: 50, finish: false)
                + StreamFixture.batches(lines: clockChanges, source: "file:clocks", every: 40)
        }
    }

    // MARK: - Rides around clock changes and midnights

    struct Start {
        var date: String, time: String
    }

    /// Zone-less local times, as the stream writes them, `seconds` after `start`.
    static func stamp(_ start: Start, plus seconds: Int) -> String {
        let parts = start.time.split(separator: ":").compactMap { Int($0) }
        let dayParts = start.date.split(separator: "-").compactMap { Int($0) }
        let base = parts[0] * 3600 + parts[1] * 60 + parts[2] + seconds
        let date = CivilDate(year: dayParts[0], month: dayParts[1], day: dayParts[2]).adding(days: base / 86_400)
        let s = base % 86_400
        return String(format: "%@ %02d:%02d:%02d.250000", date.description, s / 3600, s / 60 % 60, s % 60)
    }

    static func ride(_ start: Start, user: Int, gender: String, dob: String, bike: String, seconds: Int,
                     hr: (Int) -> Int, power: (Int) -> Double) -> [String] {
        let birth = CivilDate(iso: dob) ?? CivilDate(year: 1990, month: 1, day: 1)
        let profile = """
            {"user_id":\(user),"name":"Rider \(user)","gender":"\(gender)","address":"1 High Street,Leeds,LS1 1AA",\
            "date_of_birth":\(Int64(birth.daysSinceEpoch) * 86_400_000),"email_address":"r\(user)@example.com",\
            "height_cm":170,"weight_kg":70,"account_create_date":1647993600000,"bike_serial":"\(bike)","original_source":"direct"}
            """
        var lines = ["--------- beginning of a new ride", "\(stamp(start, plus: 0)) mendoza v9: [SYSTEM] data = \(profile)"]
        for i in 1...seconds {
            lines.append("\(stamp(start, plus: i)) mendoza v9: [INFO]: Ride - duration = \(i).0; resistance = \(30 + i % 7)")
            lines.append("\(stamp(start, plus: i)) mendoza v9: [INFO]: Telemetry - hrt = \(hr(i)); rpm = \(50 + i % 13); power = \(power(i))")
        }
        return lines
    }

    static var clockChanges: [String] {
        var lines = ["--------- beginning of main"]
        // Across local midnight before the spring change: the ride belongs to 26 March.
        lines += ride(Start(date: "2022-03-26", time: "23:59:50"), user: 7001, gender: "Male", dob: "1998-03-27", bike: "SN7001",
                      seconds: 30, hr: { $0 % 5 == 0 ? 0 : 100 + $0 }, power: { Double($0) * 1.1 })
        // Into the spring gap: 01:00 local does not exist.
        lines += ride(Start(date: "2022-03-27", time: "00:59:50"), user: 7002, gender: "female", dob: "1957-03-27", bike: "SN7002",
                      seconds: 25, hr: { _ in 90 }, power: { 80.3 + Double($0) })
        lines += ride(Start(date: "2022-03-27", time: "02:30:00"), user: 7001, gender: "Male", dob: "1998-03-27", bike: "SN7001",
                      seconds: 12, hr: { _ in 0 }, power: { _ in 0 })
        // 00:30 BST on 30 October is 23:30 UTC on the 29th.
        lines += ride(Start(date: "2022-10-30", time: "00:30:00"), user: 7003, gender: "male", dob: "2000-02-29", bike: "SN7003",
                      seconds: 40, hr: { 120 + $0 % 9 }, power: { 101.25 + Double($0 % 4) })
        // The ambiguous hour: the earlier (summer) offset.
        lines += ride(Start(date: "2022-10-30", time: "01:30:00"), user: 7004, gender: "Nonbinary", dob: "1980-10-30", bike: "SN7004",
                      seconds: 20, hr: { 60 + $0 }, power: { _ in 55.5 })
        // The same rider later that day with changed details: counted by the first ride of the day.
        lines += ride(Start(date: "2022-10-30", time: "02:30:00"), user: 7003, gender: "female", dob: "1950-01-01", bike: "SN7003",
                      seconds: 15, hr: { 130 + $0 }, power: { _ in 200.125 })
        // Across the new year.
        lines += ride(Start(date: "2022-12-31", time: "23:59:55"), user: 7005, gender: "female", dob: "1943-06-15", bike: "SN7005",
                      seconds: 10, hr: { 95 + $0 }, power: { 150 - Double($0) })
        lines += ride(Start(date: "2023-06-15", time: "12:00:00"), user: 7006, gender: "male", dob: "1988-06-15", bike: "SN7006",
                      seconds: 18, hr: { 140 + $0 }, power: { _ in 310.7 })
        return lines
    }

    // MARK: - Reading views

    /// A view's rows, ordered by its key, each value as export renders it ("null" for null).
    static func table(_ view: AnalyticsView, in warehouse: any Warehouse, zone: Zone = london) async throws -> [[String: String]] {
        let export = AnalyticsExport(warehouse: warehouse, zone: zone)
        let rows = try await warehouse.sql.query("""
            SELECT \(raw: view.columns.map(\.name).joined(separator: ", ")) FROM \(raw: view.qualifiedName(forWarehouseKind: warehouse.kind))
            ORDER BY \(raw: view.key.joined(separator: ", "))
            """)
        return try rows.map { row in
            var out: [String: String] = [:]
            for column in view.columns { out[column.name] = export.render(try row.value(column.name), as: column.kind).text ?? "null" }
            return out
        }
    }

    static func text(_ v: Double?) -> String { v.map(JSONWriter.number) ?? "null" }
    static func text(_ v: Int?) -> String { v.map(String.init) ?? "null" }

    /// Sums of floating-point values may be added in another order by another query: equal to
    /// the last few bits.
    static func close(_ a: String?, _ b: String?) -> Bool {
        if a == b { return true }
        guard let a, let b, let x = Double(a), let y = Double(b) else { return false }
        return abs(x - y) <= 1e-12 * max(abs(x), abs(y))
    }
}
