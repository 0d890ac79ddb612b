import DelotonCore
@testable import DelotonStore
import DelotonTestSupport
import Foundation
import Testing

/// The analytics views give the API's and the report's figures, on SQLite and PostgreSQL alike.
@Suite("Analytics views")
struct AnalyticsViewsTests {
    typealias F = AnalyticsFixture

    @Test("every view has the catalog's columns, in order, with PostgreSQL types that match their kind")
    func columnsMatchCatalog() async throws {
        let lite = try await F.sqlite()
        defer { lite.cleanup() }
        let pg = try await F.postgres()
        for view in AnalyticsCatalog.all {
            let liteColumns = try await lite.warehouse.sql.query("SELECT name FROM pragma_table_info(\("analytics_\(view.name)"))")
                .map { try $0.decode("name", as: String.self) }
            #expect(liteColumns == view.columns.map(\.name), "analytics_\(view.name)")
            let pgColumns = try await pg.warehouse.sql.query("""
                SELECT column_name::text AS name, data_type::text AS type FROM information_schema.columns
                WHERE table_schema = 'analytics' AND table_name = \(view.name) ORDER BY ordinal_position
                """)
            #expect(try pgColumns.map { try $0.decode("name", as: String.self) } == view.columns.map(\.name), "analytics.\(view.name)")
            for (column, row) in zip(view.columns, pgColumns) {
                let type = try row.decode("type", as: String.self)
                let expected: Set<String> = switch column.kind {
                case .integer: ["integer", "bigint", "smallint"]
                case .real: ["double precision"]
                case .text: ["text"]
                case .boolean: ["boolean"]
                case .instant: ["timestamp with time zone"]
                case .localTime: ["timestamp without time zone"]
                case .date: ["date"]
                }
                #expect(expected.contains(type), "analytics.\(view.name).\(column.name) is \(type)")
            }
        }
        try await lite.warehouse.close()
        try await pg.warehouse.close()
    }

    @Test("no view shows personal data")
    func noPersonalData() {
        let personal = ["email", "name", "address", "postcode", "city", "birth", "title", "recipient", "height", "weight"]
        for view in AnalyticsCatalog.all {
            for column in view.columns where column.name != "bike_serial" {
                #expect(!personal.contains { column.name.contains($0) }, "\(view.name).\(column.name)")
            }
        }
        let versions = [AnalyticsViews.BaseLayout.microseconds, .native].flatMap { [AnalyticsViews.sqlite($0), AnalyticsViews.postgres($0)] }
        for sql in versions.map({ $0.joined(separator: ";\n") }) {
            for column in ["email", "address_lines", "postcode", "date_of_birth AS", "first_name", "last_name", "r.name"] {
                #expect(!sql.contains(column), "\(column) in view SQL")
            }
        }
    }

    @Test("rides: one row per ride with the API's figures, rider gender and age band; same on both warehouses")
    func rides() async throws {
        let opened = try await F.loaded()
        defer { opened.forEach { $0.cleanup() } }
        var tables: [[[String: String]]] = []
        for o in opened {
            let table = try await F.table(AnalyticsCatalog.rides, in: o.warehouse)
            var expected: [[String: String]] = []
            var cursor: RideCursor?
            repeat {
                let page = try await RideQueries(o.warehouse.sql).rides(RideFilter(), after: cursor, limit: 500)
                for r in page.items {
                    let m = r.metrics
                    expected.append([
                        "ride_id": String(r.id), "rider_id": String(r.riderID), "bike_serial": r.bikeSerial,
                        "start_time": F.london.iso8601(r.startTime), "end_time": r.endTime.map { F.london.iso8601($0) } ?? "null",
                        "start_date_local": F.london.date(of: r.startTime).description,
                        "in_progress": String(r.inProgress), "gender": r.gender.lowercased(),
                        "age_band": AgeGroup.label(age: r.ageAtStart), "duration_s": String(m.durationSeconds),
                        "reading_count": String(m.readingCount), "avg_heart_rate_bpm": F.text(m.avgHeartRate),
                        "min_heart_rate_bpm": F.text(m.minHeartRate), "max_heart_rate_bpm": F.text(m.maxHeartRate),
                        "avg_power_w": F.text(m.avgPower), "max_power_w": F.text(m.maxPower),
                        "total_energy_kj": F.text(m.totalEnergyKJ), "avg_rpm": F.text(m.avgRPM),
                        "avg_resistance": F.text(m.avgResistance), "alert_raised": String(r.alertRaised),
                    ])
                }
                cursor = page.next
            } while cursor != nil
            expected.sort { Int($0["ride_id"] ?? "") ?? 0 < Int($1["ride_id"] ?? "") ?? 0 }
            #expect(table.count == expected.count, "\(o.warehouse.kind)")
            #expect(table.count > 12)
            for (row, want) in zip(table, expected) {
                for (key, value) in want {
                    #expect(row[key] == value, "\(o.warehouse.kind) ride \(want["ride_id"] ?? "") \(key)")
                }
            }
            #expect(table.contains { $0["in_progress"] == "true" })
            #expect(table.contains { $0["alert_raised"] == "true" })
            #expect(table.contains { $0["avg_heart_rate_bpm"] == "null" })
            tables.append(table)
        }
        #expect(tables[0] == tables[1], "SQLite and PostgreSQL rides views differ")
    }

    @Test("rides: local times and days in Europe/London across clock changes, midnights and the new year")
    func localTimes() async throws {
        let opened = try await F.loaded()
        defer { opened.forEach { $0.cleanup() } }
        for o in opened {
            let table = try await F.table(AnalyticsCatalog.rides, in: o.warehouse)
            func ride(_ bike: String, at local: String) -> [String: String]? {
                table.first { $0["bike_serial"] == bike && $0["start_time_local"]?.hasPrefix(local) == true }
            }
            let expectations: [(String, String, String, String, String)] = [
                // bike, local start (the first reading, a second after [SYSTEM]), date, hour, start_time (API form)
                ("SN7001", "2022-03-26T23:59:51.250", "2022-03-26", "23", "2022-03-26T23:59:51.250Z"),
                ("SN7002", "2022-03-27T00:59:51.250", "2022-03-27", "0", "2022-03-27T00:59:51.250Z"),
                ("SN7001", "2022-03-27T02:30:01.250", "2022-03-27", "2", "2022-03-27T02:30:01.250+01:00"),
                ("SN7003", "2022-10-30T00:30:01.250", "2022-10-30", "0", "2022-10-30T00:30:01.250+01:00"),
                ("SN7004", "2022-10-30T01:30:01.250", "2022-10-30", "1", "2022-10-30T01:30:01.250+01:00"),
                ("SN7003", "2022-10-30T02:30:01.250", "2022-10-30", "2", "2022-10-30T02:30:01.250Z"),
                ("SN7005", "2022-12-31T23:59:56.250", "2022-12-31", "23", "2022-12-31T23:59:56.250Z"),
                ("SN7006", "2023-06-15T12:00:01.250", "2023-06-15", "12", "2023-06-15T12:00:01.250+01:00"),
            ]
            for (bike, local, date, hour, start) in expectations {
                let row = ride(bike, at: local)
                #expect(row != nil, "\(o.warehouse.kind): no ride of \(bike) at \(local)")
                #expect(row?["start_date_local"] == date, "\(o.warehouse.kind) \(bike) \(local)")
                #expect(row?["start_hour_local"] == hour, "\(o.warehouse.kind) \(bike) \(local)")
                #expect(row?["start_time"] == start, "\(o.warehouse.kind) \(bike) \(local)")
            }
        }
    }

    @Test("daily: the report's figures for every day from the first ride's to the last's, days without rides included")
    func daily() async throws {
        let opened = try await F.loaded()
        defer { opened.forEach { $0.cleanup() } }
        var tables: [[[String: String]]] = []
        for o in opened {
            let table = try await F.table(AnalyticsCatalog.daily, in: o.warehouse)
            let days = table.compactMap { $0["date_local"].flatMap { CivilDate(iso: $0) } }
            #expect(days.first?.description == "2022-03-26")
            #expect(days.last?.description == "2023-06-15")
            #expect(days.count == (days.last?.daysSinceEpoch ?? 0) - (days.first?.daysSinceEpoch ?? 0) + 1, "a day is missing")
            let stats = DailyStats(o.warehouse.sql)
            var withRides = 0
            for (day, row) in zip(days, table) {
                let f = try await stats.figures(startingIn: F.london.interval(of: day))
                if f.rideCount > 0 { withRides += 1 }
                let others = f.ridersByGender.filter { $0.key != "male" && $0.key != "female" }.values.reduce(0, +)
                let exact: [String: String] = [
                    "ride_count": F.text(f.rideCount), "rider_count": F.text(f.riderCount),
                    "riders_female": F.text(f.ridersByGender["female"] ?? 0), "riders_male": F.text(f.ridersByGender["male"] ?? 0),
                    "riders_other_gender": F.text(others),
                    "riders_under_25": F.text(f.ridersByAgeGroup["<25"]), "riders_25_34": F.text(f.ridersByAgeGroup["25-34"]),
                    "riders_35_44": F.text(f.ridersByAgeGroup["35-44"]), "riders_45_54": F.text(f.ridersByAgeGroup["45-54"]),
                    "riders_55_64": F.text(f.ridersByAgeGroup["55-64"]), "riders_65_plus": F.text(f.ridersByAgeGroup["65+"]),
                    "avg_heart_rate_bpm": F.text(f.avgHeartRate), "longest_ride_s": F.text(f.longestRideS),
                    "max_power_w": F.text(f.maxPowerW), "alert_count": F.text(f.alertCount),
                ]
                for (key, value) in exact {
                    #expect(row[key] == value, "\(o.warehouse.kind) \(day) \(key)")
                }
                #expect(F.close(row["avg_power_w"], F.text(f.avgPowerW)), "\(o.warehouse.kind) \(day) avg_power_w")
                #expect(F.close(row["total_energy_kj"], F.text(f.totalEnergyKJ)), "\(o.warehouse.kind) \(day) total_energy_kj")
            }
            #expect(withRides >= 6)
            // Rider 7003 rode twice on 30 October, male and 22 first, then female and 72.
            let clockDay = table.first { $0["date_local"] == "2022-10-30" }
            #expect(clockDay?["ride_count"] == "3")
            #expect(clockDay?["rider_count"] == "2")
            #expect(clockDay?["riders_male"] == "1")
            #expect(clockDay?["riders_female"] == "0")
            #expect(clockDay?["riders_other_gender"] == "1")
            #expect(clockDay?["riders_under_25"] == "1")
            #expect(clockDay?["riders_65_plus"] == "0")
            #expect(table.contains { $0["alert_count"] != "0" })
            #expect(table.contains { $0["ride_count"] == "0" && $0["avg_power_w"] == "null" && $0["total_energy_kj"] == "0" })
            tables.append(table)
        }
        #expect(tables[0].count == tables[1].count)
        for (a, b) in zip(tables[0], tables[1]) {
            for (key, value) in a { #expect(F.close(value, b[key]), "daily \(a["date_local"] ?? "") \(key)") }
        }
    }

    @Test("riders: lifetime figures agree with GET /rider/{id} and the rider's rides; age band today")
    func riders() async throws {
        let opened = try await F.loaded()
        defer { opened.forEach { $0.cleanup() } }
        let today = F.london.date(of: Instant(seconds: Date().timeIntervalSince1970))
        var tables: [[[String: String]]] = []
        for o in opened {
            let table = try await F.table(AnalyticsCatalog.riders, in: o.warehouse)
            #expect(table.count > 5)
            for row in table {
                let id = Int64(row["rider_id"] ?? "") ?? -1
                guard let record = try await RiderQueries(o.warehouse.sql).rider(id: id) else {
                    Issue.record("rider \(id) of the view is unknown to the API"); continue
                }
                let rides = try await RideQueries(o.warehouse.sql).rides(riderID: id)
                var totals = RideTotals()
                for ride in rides {
                    totals.readingCount += ride.totals.readingCount
                    totals.powerSum += ride.totals.powerSum
                    totals.heartRateMax = [totals.heartRateMax, ride.totals.heartRateMax].compactMap { $0 }.max()
                    totals.powerMax = [totals.powerMax, ride.totals.powerMax].compactMap { $0 }.max()
                }
                let exact: [String: String] = [
                    "gender": record.rider.gender.lowercased(),
                    "age_band": AgeGroup.label(age: record.rider.dateOfBirth.map { $0.age(on: today) } ?? SafeRange.unknownAge),
                    "ride_count": String(record.rideCount), "avg_heart_rate_bpm": F.text(record.avgHeartRate),
                    "first_ride_start_time": rides.first.map { F.london.iso8601($0.startTime) } ?? "null",
                    "last_ride_start_time": rides.map(\.startTime).max().map { F.london.iso8601($0) } ?? "null",
                    "total_duration_s": String(totals.readingCount), "max_heart_rate_bpm": F.text(totals.heartRateMax),
                    "max_power_w": F.text(totals.powerMax), "alert_count": String(rides.filter(\.alertRaised).count),
                ]
                for (key, value) in exact { #expect(row[key] == value, "\(o.warehouse.kind) rider \(id) \(key)") }
                #expect(F.close(row["total_energy_kj"], F.text(totals.powerSum / 1000)), "\(o.warehouse.kind) rider \(id)")
                #expect(F.close(row["avg_power_w"], F.text(totals.readingCount > 0 ? totals.powerSum / Double(totals.readingCount) : nil)))
            }
            tables.append(table)
        }
        #expect(tables[0].count == tables[1].count)
        for (a, b) in zip(tables[0], tables[1]) {
            for (key, value) in a { #expect(F.close(value, b[key]), "riders \(a["rider_id"] ?? "") \(key)") }
        }
    }

    @Test("readings: every reading once, joined to its ride")
    func readings() async throws {
        let opened = try await F.loaded()
        defer { opened.forEach { $0.cleanup() } }
        var tables: [[[String: String]]] = []
        for o in opened {
            let table = try await F.table(AnalyticsCatalog.readings, in: o.warehouse)
            let count = try await o.warehouse.sql.query("SELECT count(*) AS n FROM readings").first?.decode("n", as: Int64.self)
            #expect(table.count == Int(count ?? -1))
            let rides = try await F.table(AnalyticsCatalog.rides, in: o.warehouse)
            for ride in rides.prefix(40) {
                let id = Int64(ride["ride_id"] ?? "") ?? -1
                let expected = try await RideQueries(o.warehouse.sql).readings(rideID: id)
                let rows = table.filter { $0["ride_id"] == String(id) }
                #expect(rows.count == expected.count)
                for (row, reading) in zip(rows, expected) {
                    #expect(row["elapsed_s"] == String(reading.elapsed))
                    #expect(row["reading_time"] == F.london.iso8601(reading.time))
                    #expect(row["heart_rate_bpm"] == String(reading.heartRate))
                    #expect(row["rpm"] == String(reading.rpm))
                    #expect(row["power_w"] == F.text(reading.power))
                    #expect(row["resistance"] == String(reading.resistance))
                    for key in ["rider_id", "bike_serial", "gender", "age_band"] { #expect(row[key] == ride[key]) }
                    #expect(row["ride_start_date_local"] == ride["start_date_local"])
                }
            }
            tables.append(table)
        }
        #expect(tables[0] == tables[1], "SQLite and PostgreSQL readings views differ")
    }

    @Test("docs/warehouse.md describes every view and column; the Tableau data source names every view")
    func documented() throws {
        let root = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let doc = try String(contentsOf: root.appendingPathComponent("docs/warehouse.md"), encoding: .utf8)
        let tds = try String(contentsOf: root.appendingPathComponent("deploy/tableau/deloton.tds"), encoding: .utf8)
        for view in AnalyticsCatalog.all {
            let heading = "### `analytics.\(view.name)`"
            #expect(doc.contains(heading), "\(heading) missing")
            let section = doc.components(separatedBy: heading).dropFirst().first?.components(separatedBy: "\n### ").first ?? ""
            for column in view.columns { #expect(section.contains("`\(column.name)`"), "\(view.name).\(column.name) undocumented") }
            #expect(tds.contains("[analytics].[\(view.name)]"), "\(view.name) not in deloton.tds")
        }
    }
}
