import DelotonCore
import DelotonStore
import Foundation
import Logging
import PostgresNIO

/// `deloton bench` for PostgreSQL: generated rides written batch by batch through the warehouse
/// (the ingest path, one transaction per batch), next to a plain COPY of the same rows into an
/// identical fresh table, and next to the two designs the warehouse avoids: a row-level foreign
/// key on readings, and COPY into a temporary table followed by `INSERT ... ON CONFLICT`.
///
/// It writes generated rides, so it wants an empty warehouse (a scratch database) and empties
/// it again afterwards.
public enum PostgresBench {
    public static func run(url: String, readings: Int, batchReadings: Int = 20_000, logger: Logger) async throws -> String {
        let settings = try PostgresSettings(url: url)
        let warehouse = try await Warehouses.open(url, migrate: false, logger: logger)
        do {
            let report = try await measure(warehouse, settings: settings, readings: readings, batchReadings: batchReadings, logger: logger)
            try await warehouse.close()
            return report
        } catch {
            try? await warehouse.close()
            throw error
        }
    }

    private static func measure(_ warehouse: any Warehouse, settings: PostgresSettings, readings: Int, batchReadings: Int,
                                logger: Logger) async throws -> String {
        try await warehouse.migrate()
        let existing = try await warehouse.sql.query("SELECT (SELECT count(*) FROM rides) + (SELECT count(*) FROM riders) AS n")
        guard try existing.first?.decode("n", as: Int64.self) == 0 else {
            throw WarehouseError(.configuration,
                "the benchmark writes generated rides and then empties the warehouse: point it at an empty scratch database, not \(settings)")
        }
        let batches = generate(readings: readings, batchReadings: batchReadings)
        let total = batches.reduce(0) { $0 + $1.readingCount }
        let rides = Set(batches.flatMap { $0.rides.map(\.snapshot.key) }).count

        // 1. The warehouse's own write path.
        var ids: [RideKey: Int64] = [:]
        let clock = ContinuousClock()
        let start = clock.now
        for batch in batches {
            let outcome = try await warehouse.write(batch)
            ids.merge(outcome.rideIDs) { a, _ in a }
        }
        let writeTime = clock.now - start

        // The same rows as the writer's binary COPY rows, one buffer per batch, built before the clock starts.
        let buffers: [ByteBuffer] = batches.map { batch in
            var b = ByteBuffer()
            for change in batch.rides {
                guard let id = ids[change.snapshot.key] else { continue }
                for r in change.readings {
                    CopyBinary.reading(&b, ride: id, r)
                }
            }
            return b
        }
        let connection = try await PostgresConnector.connect(settings, logger: logger, id: 99)
        var copyTime = Duration.zero, fkTime = Duration.zero, upsertTime = Duration.zero
        do {
            try await connection.query("DROP TABLE IF EXISTS staging.bench_copy, staging.bench_fk, staging.bench_upsert", logger: logger)
            try await connection.query("CREATE TABLE staging.bench_copy (LIKE production.readings INCLUDING ALL)", logger: logger)
            try await connection.query("CREATE TABLE staging.bench_upsert (LIKE production.readings INCLUDING ALL)", logger: logger)
            try await connection.query("""
                CREATE TABLE staging.bench_fk (LIKE production.readings INCLUDING ALL,
                                               FOREIGN KEY (ride_id) REFERENCES production.rides (id))
                """, logger: logger)
            try await connection.query("""
                CREATE TEMP TABLE bench_in (ride_id BIGINT, elapsed_s INTEGER, time TIMESTAMPTZ, heart_rate INTEGER, rpm INTEGER,
                                            power_w DOUBLE PRECISION, resistance INTEGER) ON COMMIT DELETE ROWS
                """, logger: logger)
            // Each: the same rows, one transaction per batch.
            func timed(_ body: (PostgresConnection, ByteBuffer) async throws -> Void) async throws -> Duration {
                let started = clock.now
                for buffer in buffers {
                    try await connection.withTransaction(logger: logger) { c in
                        try await c.query("SET LOCAL search_path = staging", logger: logger)
                        try await body(c, buffer)
                    }
                }
                return clock.now - started
            }
            // 2. Plain COPY into an identical keyed table.
            copyTime = try await timed { c, buffer in
                try await CopyBinary.copyReadings(into: "bench_copy", on: c, logger: logger) { b, _ in b.writeImmutableBuffer(buffer) }
            }
            // 3. The same COPY into a table that also has a row-level foreign key to rides.
            fkTime = try await timed { c, buffer in
                try await CopyBinary.copyReadings(into: "bench_fk", on: c, logger: logger) { b, _ in b.writeImmutableBuffer(buffer) }
            }
            // 4. The textbook idempotent path: COPY into a temporary table, INSERT ... ON CONFLICT DO NOTHING.
            upsertTime = try await timed { c, buffer in
                try await CopyBinary.copyReadings(into: "bench_in", on: c, logger: logger) { b, _ in b.writeImmutableBuffer(buffer) }
                try await c.query("INSERT INTO bench_upsert SELECT * FROM bench_in ON CONFLICT DO NOTHING", logger: logger)
            }
            try await connection.query("DROP TABLE staging.bench_copy, staging.bench_fk, staging.bench_upsert", logger: logger)
            try await connection.query("""
                TRUNCATE production.readings, production.alerts, production.rides, production.riders, production.bikes,
                         production.source_positions, staging.ride_profiles, staging.quarantine
                """, logger: logger)
            try await connection.close()
        } catch {
            try? await connection.close()
            throw PostgresFailure.describe(error, settings: settings, doing: "run the benchmark")
        }

        func rate(_ d: Duration) -> Double {
            let s = d.inSeconds
            return s > 0 ? Double(total) / s : 0
        }
        func f(_ x: Double) -> String { String(format: "%9.0f", x) }
        let w = rate(writeTime), c = rate(copyTime), k = rate(fkTime), u = rate(upsertTime)
        return """
            PostgreSQL load benchmark: \(total) readings, \(rides) rides, \(batches.count) batches of up to \(batchReadings) readings, 1 transaction per batch
              deloton write (ride/rider/bike upserts, COPY into readings, per-batch key check):  \(f(w)) readings/s
              plain COPY of the same rows into an identical keyed table:                       \(f(c)) readings/s
              plain COPY into the same table with a row-level FOREIGN KEY to rides:            \(f(k)) readings/s
              COPY into a temp table + INSERT ... ON CONFLICT DO NOTHING (keyed table):         \(f(u)) readings/s
              deloton write / plain COPY: \(String(format: "%.0f", c > 0 ? 100 * w / c : 0)) %
            """
    }

    /// Rides of 30 minutes (1,800 readings), ten riders on ten bikes, as the assembler hands them over.
    static func generate(readings: Int, batchReadings: Int) -> [IngestBatch] {
        var assembler = RideAssembler(stream: "bench", zone: .utc)
        var batches: [IngestBatch] = []
        var batch = IngestBatch()
        var pending = 0
        let perRide = 1800
        let base = CivilDate(year: 2024, month: 1, day: 1).daysSinceEpoch
        func local(_ second: Int) -> LocalDateTime {
            LocalDateTime(date: CivilDate(daysSinceEpoch: base + second / 86_400),
                          microsecondOfDay: Int64(second % 86_400) * 1_000_000 + 250_000)
        }
        var written = 0, ride = 0
        while written < readings {
            let start = ride * (perRide + 120)
            let profile = RiderProfile(userID: 1 + ride % 10, name: "Rider \(ride % 10)", gender: ride % 2 == 0 ? "male" : "female",
                                       address: "1 Road,Town,LS1 1AA", dateOfBirthMs: 631_152_000_000, email: "r\(ride % 10)@example.com",
                                       heightCm: 170, weightKg: 70, accountCreateDateMs: 1_600_000_000_000,
                                       bikeSerial: "SN\(ride % 10)", originalSource: "bench")
            _ = assembler.consume(.system(local(start), profile))
            for i in 1...min(perRide, readings - written) {
                _ = assembler.consume(.ride(local(start + i), duration: i, resistance: 30 + i % 40))
                _ = assembler.consume(.telemetry(local(start + i), heartRate: 90 + i % 70, rpm: 60 + i % 30,
                                                 power: Double(i % 400) + 0.25))
                written += 1
                pending += 1
                if pending >= batchReadings {
                    assembler.drain(into: &batch)
                    batch.positions["bench"] = Int64(written)
                    batches.append(batch)
                    batch = IngestBatch()
                    pending = 0
                }
            }
            ride += 1
        }
        assembler.endRide()
        assembler.drain(into: &batch)
        batch.positions["bench"] = Int64(written)
        batches.append(batch)
        return batches
    }
}
