import DelotonBench
import DelotonCore
import DelotonIngest
import DelotonStore
import DelotonTestSupport
import Foundation
import Logging
import Testing

/// What ingest keeps beside the rides (each ride's histograms, `ride_rollups`) against the same
/// figures worked out from the stored readings and rides, on both warehouses: through a restart
/// in mid-ride (the open ride's histograms come back from its row), a replay of the whole stream
/// (which must count nothing twice), a ride's deletion and a rider's erasure.
@Suite struct RollupTests {
    let logger = Logger(label: "test")
    let zone = Zone(identifier: "Europe/London")!

    @Test func sqlite() async throws {
        let dir = TestPaths.scratch("histograms")
        try await check("sqlite:" + dir + "/w.sqlite", dir: dir)
    }

    @Test func postgres() async throws {
        let url = try await PostgresServer.freshDatabase(), dir = TestPaths.scratch("histograms-pg")
        try await check(url, dir: dir)

        // Two processes writing rides of the same quarters at once: each adds its deltas, and
        // neither loses the other's.
        for seed in [12, 13] { _ = try IngestBench.generate(readings: 20_000, to: dir + "/p\(seed).jsonl", seed: UInt64(seed)) }
        async let first: Void = ingest(url, file: dir + "/p12.jsonl", end: true)
        async let second: Void = ingest(url, file: dir + "/p13.jsonl", end: true)
        _ = try await (first, second)
        let warehouse = try await Warehouses.open(url, migrate: false, logger: logger)
        #expect(try await rollups(warehouse) == (try await rollups(warehouse, fromRides: true)))
        // Room on each page for the next versions of rides in progress (migration 11).
        let options = try await warehouse.sql.query("""
            SELECT array_to_string(reloptions, ',') AS o FROM pg_class WHERE oid = 'production.rides'::regclass
            """).first?.decode("o", as: String.self)
        #expect(options == "fillfactor=30")
        try await warehouse.close()
    }

    func check(_ url: String, dir: String) async throws {
        let full = dir + "/full.jsonl", file = dir + "/s.jsonl"
        _ = try IngestBench.generate(readings: 30_000, to: full, seed: 11)
        let lines = try String(contentsOfFile: full, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
        let half = lines.count / 2
        try (lines[..<half].joined(separator: "\n") + "\n").write(toFile: file, atomically: true, encoding: .utf8)

        // The first half, then a shutdown that leaves rides open to resume...
        try await ingest(url, file: file, end: false)
        let stopped = try await Warehouses.open(url, migrate: false, logger: logger)
        #expect(try await stopped.openRides(streamPrefix: "").count > 10, "rides left open to resume")
        try await stopped.close()
        // ...the rest of the stream, resumed where it stopped...
        try lines.joined(separator: "\n").write(toFile: file, atomically: true, encoding: .utf8)
        try await ingest(url, file: file, end: true, resume: true)
        // ...and all of it again, from the start, under another name.
        try lines.joined(separator: "\n").write(toFile: dir + "/again.jsonl", atomically: true, encoding: .utf8)
        try await ingest(url, file: dir + "/again.jsonl", end: true)

        let warehouse = try await Warehouses.open(url, migrate: false, logger: logger)
        let stored = try await warehouse.sql.query("SELECT id, hr_histogram, power_histogram FROM rides ORDER BY id")
        let heartRates = try await perRide(warehouse, "(heart_rate / 10) * 10", where: "heart_rate > 0")
        let powers = try await perRide(warehouse, "CAST(floor(power_w / 25) AS BIGINT) * 25", where: "1 = 1")
        #expect(stored.count > 50)
        var open = 0
        for row in stored {
            let id = try row.decode("id", as: Int64.self)
            #expect(try row.decode("hr_histogram", as: String.self) == heartRates[id, default: ""], "ride \(id)")
            #expect(try row.decode("power_histogram", as: String.self) == powers[id, default: ""], "ride \(id)")
            open += powers[id] == nil ? 1 : 0
        }
        #expect(open == 0, "every ride has readings")

        // The report's distributions, day by day, equal the ones counted from readings.
        let days = try await warehouse.sql.query("SELECT DISTINCT start_time FROM rides").map {
            zone.date(of: try $0.decode("start_time", as: Instant.self))
        }
        for day in Set(days) {
            let interval = zone.interval(of: day)
            let breakdown = DailyBreakdown(warehouse.sql)
            #expect(try await breakdown.heartRateDistribution(day: interval)
                == (try await perDay(warehouse, interval, "(r.heart_rate / 10) * 10", where: "r.heart_rate > 0")), "\(day)")
            #expect(try await breakdown.powerDistribution(day: interval)
                == (try await perDay(warehouse, interval, "CAST(floor(r.power_w / 25) AS BIGINT) * 25", where: "1 = 1")), "\(day)")
        }
        // Deletion and erasure take their rides out of the day's figures.
        let (ride, rider) = try await warehouse.sql.query("SELECT id, rider_id FROM rides ORDER BY id DESC LIMIT 1").first.map {
            (try $0.decode("id", as: Int64.self), try $0.decode("rider_id", as: Int64.self))
        } ?? (0, 0)
        let before = try await rollups(warehouse)
        #expect(try await Deletion(warehouse.sql).deleteRide(id: ride - 1, by: "test", at: Instant(microseconds: 0)))
        #expect(try await Deletion(warehouse.sql).eraseRider(id: rider, by: "test", at: Instant(microseconds: 0)) != nil)
        #expect(try await rollups(warehouse) != before)
        for day in Set(days) {
            let interval = zone.interval(of: day)
            let figures = try await DailyStats(warehouse.sql).figures(startingIn: interval)
            let raw = try await warehouse.sql.query("""
                SELECT count(*) AS n, sum(reading_count) AS readings, sum(hr_count) AS hr_count, sum(hr_sum) AS hr_sum,
                       sum(power_sum) AS power_sum
                FROM rides WHERE start_time >= \(interval.lowerBound) AND start_time < \(interval.upperBound)
                """)[0]
            #expect(figures.rideCount == (try raw.decode("n", as: Double.self)), "\(day)")
            guard figures.rideCount > 0 else { continue }
            let hrAverage = try raw.decode("hr_sum", as: Double.self) / (try raw.decode("hr_count", as: Double.self))
            let powerSum = try raw.decode("power_sum", as: Double.self)
            #expect(figures.avgHeartRate == hrAverage, "\(day)")
            #expect(abs(figures.totalEnergyKJ - powerSum / 1000) <= 1e-12 * powerSum, "\(day)")
            #expect(abs((figures.avgPowerW ?? 0) - powerSum / (try raw.decode("readings", as: Double.self))) <= 1e-12 * powerSum, "\(day)")
        }
        #expect(try await rollups(warehouse) == (try await rollups(warehouse, fromRides: true)))
        try await warehouse.close()
    }

    /// `ride_rollups`, or the same worked out from the rides, without the rows that hold no ride.
    /// Power to a millionth of a watt-second: the rollup adds and takes away its deltas.
    func rollups(_ warehouse: any Warehouse, fromRides: Bool = false) async throws -> [String] {
        let quarter = warehouse.kind == .sqlite ? "CAST(floor(start_time / 900000000.0) AS INTEGER)"
                                                : "CAST(floor(extract(epoch FROM start_time) / 900) AS BIGINT)"
        let source: SQL = fromRides
            ? """
              SELECT \(raw: quarter) AS quarter, lower(gender) AS gender,
                     CASE WHEN age_at_start < 25 THEN '<25' WHEN age_at_start <= 34 THEN '25-34' WHEN age_at_start <= 44 THEN '35-44'
                          WHEN age_at_start <= 54 THEN '45-54' WHEN age_at_start <= 64 THEN '55-64' ELSE '65+' END AS age_group,
                     1 AS rides, reading_count AS readings, hr_count, hr_sum, power_sum
              FROM rides
              """
            : "SELECT quarter, gender, age_group, rides, readings, hr_count, hr_sum, power_sum FROM ride_rollups"
        return try await warehouse.sql.query("""
            SELECT quarter, gender, age_group, sum(rides) AS rides, sum(readings) AS readings, sum(hr_count) AS hr_count,
                   sum(hr_sum) AS hr_sum, round(CAST(sum(power_sum) AS NUMERIC), 6) AS power_sum
            FROM (\(source)) AS s GROUP BY quarter, gender, age_group HAVING sum(rides) <> 0 ORDER BY quarter, gender, age_group
            """).map { row in row.values.map { "\($0)" }.joined(separator: " ") }
    }

    /// With `resume`, as a live source starts: the rides left open carry on from their saved
    /// state, and the lines they had already taken come again as duplicates.
    func ingest(_ url: String, file: String, end: Bool, resume: Bool = false) async throws {
        let warehouse = try await Warehouses.open(url, migrate: true, logger: logger)
        var options = IngestOptions(streamZone: zone)
        options.maxBatchReadings = 700
        var pipeline = IngestPipeline(warehouse: warehouse, options: options, logger: logger)
        if resume { try await pipeline.resumeOpenRides(streamPrefix: FileSource(path: file).sourceName) }
        try await FileSource(path: file).run(into: &pipeline)
        if end { try await pipeline.finish() } else { try await pipeline.drainAndWait() }
        try await warehouse.close()
    }

    /// Each ride's histogram counted from its readings, as `RideHistogram.text` writes it.
    func perRide(_ warehouse: any Warehouse, _ bin: String, where condition: String) async throws -> [Int64: String] {
        var out: [Int64: [String]] = [:]
        for row in try await warehouse.sql.query("""
            SELECT ride_id, \(raw: bin) AS bin, count(*) AS n FROM readings WHERE \(raw: condition)
            GROUP BY ride_id, \(raw: bin) ORDER BY ride_id, bin
            """) {
            out[try row.decode("ride_id"), default: []].append("\(try row.decode("bin", as: Int.self)):\(try row.decode("n", as: Int.self))")
        }
        return out.mapValues { $0.joined(separator: ",") }
    }

    /// What the report counted before rollups: the readings of the day's rides, per bin.
    func perDay(_ warehouse: any Warehouse, _ day: Range<Instant>, _ bin: String, where condition: String) async throws -> [ValueBin] {
        try await warehouse.sql.query("""
            SELECT \(raw: bin) AS bin, count(*) AS n FROM rides x JOIN readings r ON r.ride_id = x.id
            WHERE x.start_time >= \(day.lowerBound) AND x.start_time < \(day.upperBound) AND \(raw: condition)
            GROUP BY \(raw: bin) ORDER BY bin
            """).map { ValueBin(lowerBound: try $0.decode("bin"), count: try $0.decode("n")) }
    }
}
