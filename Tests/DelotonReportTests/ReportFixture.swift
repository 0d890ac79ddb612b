import DelotonCore
import DelotonStore
import Foundation
import Logging

/// A small hand-made day whose figures are worked out by hand in `DailyFiguresTests`, written
/// through the real path: log lines → `LineParser` → `RideAssembler` → warehouse.
enum ReportFixture {
    static let day = CivilDate(year: 2022, month: 7, day: 25)
    static let london = Zone(identifier: "Europe/London")!

    struct Rider {
        var id: Int
        var name: String
        var gender: String
        var born: CivilDate
    }

    struct Reading {
        var hr: Int
        var power: Double
        var rpm = 60
        var resistance = 40
    }

    static let alan = Rider(id: 1, name: "Mr Alan Ash", gender: "male", born: CivilDate(year: 1990, month: 1, day: 1))
    static let beth = Rider(id: 2, name: "Ms Beth Birch", gender: "female", born: CivilDate(year: 1960, month: 6, day: 30))
    static let cat = Rider(id: 3, name: "Mx Cat Cole", gender: "Nonbinary", born: CivilDate(year: 2003, month: 2, day: 1))
    static let dan = Rider(id: 4, name: "Dr Dan Dale", gender: "male", born: CivilDate(year: 1950, month: 1, day: 1))

    static func r(_ hr: [Int], _ power: [Double]) -> [Reading] { zip(hr, power).map { Reading(hr: $0, power: $1) } }

    /// (rider, bike, local start, readings). Times are Europe/London wall times.
    static var rides: [(Rider, String, LocalDateTime, [Reading])] {
        [
            // The day before: one ride late in the evening.
            (beth, "SN2", LocalDateTime(year: 2022, month: 7, day: 24, hour: 23, minute: 30, second: 0), r([100, 100], [100, 100])),
            // Three days before.
            (dan, "SN4", LocalDateTime(year: 2022, month: 7, day: 22, hour: 12, minute: 0, second: 0), r([70], [60])),
            // The day itself.
            (alan, "SN1", LocalDateTime(year: 2022, month: 7, day: 25, hour: 8, minute: 15, second: 0),
             r([100, 110, 0, 120], [100, 200, 50, 150])),
            (beth, "SN2", LocalDateTime(year: 2022, month: 7, day: 25, hour: 8, minute: 40, second: 0), r([90, 95], [80, 120])),
            (alan, "SN1", LocalDateTime(year: 2022, month: 7, day: 25, hour: 18, minute: 5, second: 0),
             r([130, 130, 130, 130, 130], [300, 310.5, 320, 0, 0])),
            // Starts two seconds before midnight and ends after it: still the day's. Out of range
            // for a 19-year-old "other" (max 206 − 0.88 × 19 = 189.28): alert.
            (cat, "SN3", LocalDateTime(year: 2022, month: 7, day: 25, hour: 23, minute: 59, second: 58),
             r([200, 201, 202, 203], [10, 10, 10, 10])),
            // The day after: not the day's.
            (beth, "SN2", LocalDateTime(year: 2022, month: 7, day: 26, hour: 0, minute: 30, second: 0), r([99], [99])),
        ]
    }

    static func stamp(_ t: LocalDateTime) -> String {
        let us = t.microsecondOfDay, secs = Int(us / 1_000_000)
        return String(format: "%04d-%02d-%02d %02d:%02d:%02d.%06d", t.date.year, t.date.month, t.date.day,
                      secs / 3600, secs / 60 % 60, secs % 60, Int(us % 1_000_000))
    }

    static func at(_ start: LocalDateTime, plusMicros: Int64) -> LocalDateTime {
        let day: Int64 = 86_400_000_000
        let naive = start.naiveMicroseconds + plusMicros
        return LocalDateTime(date: CivilDate(daysSinceEpoch: Int(naive / day)), microsecondOfDay: naive % day)
    }

    static func lines(rider: Rider, bike: String, start: LocalDateTime, readings: [Reading]) -> [String] {
        let dob = Int64(rider.born.daysSinceEpoch) * 86_400_000
        let json = """
            {"user_id":\(rider.id),"name":"\(rider.name)","gender":"\(rider.gender)","address":"1 High Street,Leeds,LS1 1AA",\
            "date_of_birth":\(dob),"email_address":"rider\(rider.id)@example.com","height_cm":180,"weight_kg":75,\
            "account_create_date":1647993600000,"bike_serial":"\(bike)","original_source":"direct"}
            """
        var out = ["--------- beginning of a new ride",
                   "\(stamp(at(start, plusMicros: -1_000_000))) mendoza v9: [SYSTEM] data = \(json)"]
        for (i, reading) in readings.enumerated() {
            let t = at(start, plusMicros: Int64(i) * 1_000_000)
            out.append("\(stamp(t)) mendoza v9: [INFO]: Ride - duration = \(i + 1).0; resistance = \(reading.resistance)")
            out.append("\(stamp(at(t, plusMicros: 500_000))) mendoza v9: [INFO]: Telemetry - hrt = \(reading.hr); rpm = \(reading.rpm); power = \(reading.power)")
        }
        return out
    }

    static func batch(_ lines: [String], stream: String) -> IngestBatch {
        var parser = LineParser()
        var assembler = RideAssembler(stream: stream, zone: london)
        for line in lines {
            if case .success(let message) = parser.parse(Array(line.utf8)) { _ = assembler.consume(message.line) }
        }
        assembler.endRide()
        var batch = IngestBatch()
        assembler.drain(into: &batch)
        return batch
    }

    /// Writes the fixture's rides, one stream per bike.
    static func load(into warehouse: any Warehouse) async throws {
        var byBike: [String: [String]] = [:]
        for (rider, bike, start, readings) in rides {
            byBike[bike, default: []] += lines(rider: rider, bike: bike, start: start, readings: readings)
        }
        for (bike, lines) in byBike.sorted(by: { $0.key < $1.key }) {
            _ = try await warehouse.write(batch(lines, stream: "test:\(bike)"))
        }
    }

    static func temporaryDirectory(_ prefix: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// A fresh, migrated SQLite warehouse in its own folder.
    static func sqlite() async throws -> (SQLiteWarehouse, URL) {
        let dir = try temporaryDirectory("deloton-report")
        let warehouse = try SQLiteWarehouse(path: dir.appendingPathComponent("w.sqlite").path, logger: Logger(label: "test"))
        try await warehouse.migrate()
        return (warehouse, dir)
    }
}
