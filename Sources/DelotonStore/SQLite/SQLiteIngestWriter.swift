import DelotonCore
import Foundation
import GRDB
import GRDBSQLite

/// Carries out a `BatchPlan` inside an open SQLite transaction, one cached statement per row.
///
/// Readings are the bulk of every batch, so they are bound straight through SQLite's C API
/// on one cached statement; riders and rides are few and go through GRDB.
struct SQLiteIngestWriter {
    let db: Database

    func write(_ batch: IngestBatch) throws -> WriteOutcome {
        let plan = BatchPlan(batch, stored: try lookUp(BatchPlan.rideKeys(of: batch)))
        for profile in plan.profiles { try upsertRider(profile.rider, asOf: profile.asOf) }
        for bike in plan.bikes {
            try db.cachedStatement(sql: """
                INSERT INTO bikes (serial, first_ride_at, last_ride_at) VALUES (?, ?, ?)
                ON CONFLICT (serial) DO UPDATE SET first_ride_at = min(first_ride_at, excluded.first_ride_at),
                                                   last_ride_at = max(last_ride_at, excluded.last_ride_at)
                WHERE excluded.first_ride_at < first_ride_at OR excluded.last_ride_at > last_ride_at
                """).execute(arguments: [bike.serial, bike.firstRide.microseconds, bike.lastRide.microseconds])
        }
        var ids: [RideKey: Int64] = [:]
        for ride in plan.rides {
            switch ride.write {
            case .insert(let s): ids[ride.key] = try insertRide(s)
            case .update(let id, let s): try updateRide(id, s); ids[ride.key] = id
            case .keep(let id): ids[ride.key] = id
            }
        }
        var outcome = plan.outcome(ids: ids)
        for change in plan.changes {
            guard let id = ids[change.snapshot.key] else { continue }
            outcome.newReadings += try insertReadings(change.readings, rideID: id)
        }
        // Sorted keys: the same alert is the same text in every process (a replay changes nothing).
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        for candidate in plan.alerts {
            guard let id = ids[candidate.key] else { continue }
            if let alertID = try insertAlert(candidate.alert, rideID: id, encoder: encoder) { outcome.newAlertIDs.append(alertID) }
        }
        for q in batch.quarantine {
            try db.cachedStatement(sql: "INSERT OR IGNORE INTO quarantine (source, position, raw, reason) VALUES (?, ?, ?, ?)")
                .execute(arguments: [q.source, q.position, q.raw, q.reason])
        }
        for (source, position) in batch.positions {
            try db.cachedStatement(sql: """
                INSERT INTO source_positions (source, position) VALUES (?, ?)
                ON CONFLICT (source) DO UPDATE SET position = excluded.position
                """).execute(arguments: [source, position])
        }
        return outcome
    }

    /// Tombstones and stored rides for the batch's rides: one indexed probe per ride and rider.
    private func lookUp(_ keys: [RideKey]) throws -> BatchPlan.Stored {
        var stored = BatchPlan.Stored()
        let rideTombstone = try db.cachedStatement(sql: """
            SELECT 1 FROM ride_tombstones WHERE rider_id = ? AND bike_serial = ? AND started_at = ?
            """)
        let ride = try db.cachedStatement(sql: """
            SELECT id, in_progress, reading_count FROM rides WHERE rider_id = ? AND bike_serial = ? AND started_at = ?
            """)
        for key in keys {
            let arguments: StatementArguments = [key.riderID, key.bikeSerial, key.startedAt.microseconds]
            if try Bool.fetchOne(rideTombstone, arguments: arguments) != nil { stored.rideTombstones.insert(key) }
            if let row = try Row.fetchOne(ride, arguments: arguments) {
                stored.rides[key] = BatchPlan.StoredRide(id: row["id"], inProgress: row["in_progress"], readingCount: row["reading_count"])
            }
        }
        let erasure = try db.cachedStatement(sql: "SELECT erased_at FROM rider_tombstones WHERE rider_id = ?")
        for rider in BatchPlan.riderIDs(of: keys) {
            if let erased = try Int64.fetchOne(erasure, arguments: [rider]) {
                stored.riderErasures[rider] = Instant(microseconds: erased)
            }
        }
        return stored
    }

    /// Keeps the details of the rider's latest ride: a replay of older rides does not roll them back.
    private func upsertRider(_ r: Rider, asOf: Instant) throws {
        try db.cachedStatement(sql: """
            INSERT INTO riders AS r (\(RiderUpsert.columns))
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            \(RiderUpsert.onConflict)
            """).execute(arguments: [
                r.id, r.name, r.title, r.firstName, r.lastName, r.gender, r.dateOfBirth?.description, r.email,
                AddressLines.encode(r.address.lines), r.address.city, r.address.postcode, r.address.postcodeValid,
                r.heightCm, r.weightKg, r.accountCreated?.description, r.originalSource, asOf.microseconds,
            ])
    }

    private func rideValues(_ s: RideSnapshot) throws -> [(any DatabaseValueConvertible)?] {
        let t = s.totals
        return [
            s.stream, s.startTime.microseconds, s.endTime?.microseconds, s.inProgress, s.email, s.gender, s.ageAtStart,
            t.readingCount, t.heartRateCount, t.heartRateSum, t.heartRateMin, t.heartRateMax, t.powerSum, t.powerMax,
            t.rpmSum, t.resistanceSum, try s.state.map { try $0.stateJSON() }, t.heartRateBins.text, t.powerBins.text,
        ]
    }

    private func insertRide(_ s: RideSnapshot) throws -> Int64 {
        try db.cachedStatement(sql: """
            INSERT INTO rides (stream, start_time, end_time, in_progress, email, gender, age_at_start,
                               reading_count, hr_count, hr_sum, hr_min, hr_max, power_sum, power_max, rpm_sum,
                               resistance_sum, state, hr_histogram, power_histogram, rider_id, bike_serial, started_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """).execute(arguments: StatementArguments(try rideValues(s) + [s.key.riderID, s.key.bikeSerial, s.key.startedAt.microseconds]))
        return db.lastInsertedRowID
    }

    private func updateRide(_ id: Int64, _ s: RideSnapshot) throws {
        try db.cachedStatement(sql: """
            UPDATE rides SET stream = ?, start_time = ?, end_time = ?, in_progress = ?, email = ?, gender = ?,
                             age_at_start = ?, reading_count = ?, hr_count = ?, hr_sum = ?, hr_min = ?, hr_max = ?,
                             power_sum = ?, power_max = ?, rpm_sum = ?, resistance_sum = ?, state = ?,
                             hr_histogram = ?, power_histogram = ?
            WHERE id = ?
            """).execute(arguments: StatementArguments(try rideValues(s) + [id]))
    }

    /// Returns how many were new: `INSERT OR IGNORE` changes no row for one already stored.
    private func insertReadings(_ readings: [Reading], rideID: Int64) throws -> Int {
        guard !readings.isEmpty else { return 0 }
        var inserted = 0
        let statement = try db.cachedStatement(sql: """
            INSERT OR IGNORE INTO readings (ride_id, elapsed_s, time, heart_rate, rpm, power_w, resistance)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            """)
        let stmt = statement.sqliteStatement
        for r in readings {
            sqlite3_bind_int64(stmt, 1, rideID)
            sqlite3_bind_int64(stmt, 2, Int64(r.elapsed))
            sqlite3_bind_int64(stmt, 3, r.time.microseconds)
            sqlite3_bind_int64(stmt, 4, Int64(r.heartRate))
            sqlite3_bind_int64(stmt, 5, Int64(r.rpm))
            sqlite3_bind_double(stmt, 6, r.power)
            sqlite3_bind_int64(stmt, 7, Int64(r.resistance))
            let rc = sqlite3_step(stmt)
            sqlite3_reset(stmt)
            guard rc == SQLITE_DONE else {
                throw DatabaseError(resultCode: ResultCode(rawValue: rc), message: String(cString: sqlite3_errmsg(db.sqliteConnection)))
            }
            inserted += Int(sqlite3_changes(db.sqliteConnection))
        }
        return inserted
    }

    /// One alert per ride, ever: a replay that raises it again finds it already there.
    private func insertAlert(_ a: AlertEvent, rideID: Int64, encoder: JSONEncoder) throws -> Int64? {
        let samples = String(decoding: try encoder.encode(a.samples), as: UTF8.self)
        try db.cachedStatement(sql: """
            INSERT INTO alerts (ride_id, rider_id, recipient, rider_name, gender, age, safe_min, safe_max, samples, raised_at,
                                status, last_error)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (ride_id) DO NOTHING
            """).execute(arguments: [rideID, a.riderID, a.email, a.riderName, a.gender, a.age, a.range.minimum,
                                     a.range.maximum, samples, a.raisedAt.microseconds,
                                     a.unmailedReason == nil ? "pending" : "failed", a.unmailedReason])
        guard db.changesCount > 0 else { return nil }
        let id = db.lastInsertedRowID
        try db.execute(sql: "UPDATE rides SET alert_raised = 1 WHERE id = ?", arguments: [rideID])
        return id
    }
}

/// Address lines are stored as one text column, one line per `\n`: addresses never contain newlines.
public enum AddressLines {
    public static func encode(_ lines: [String]) -> String { lines.joined(separator: "\n") }
    public static func decode(_ text: String) -> [String] {
        text.isEmpty ? [] : text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    }
}
