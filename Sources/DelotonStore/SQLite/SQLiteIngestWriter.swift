import DelotonCore
import Foundation
import GRDB
import GRDBSQLite

/// Writes one `IngestBatch` inside an open SQLite transaction.
///
/// Readings are the bulk of every batch, so they are bound straight through SQLite's C API
/// on one cached statement; riders and rides are few and go through GRDB.
struct SQLiteIngestWriter {
    let db: Database

    func write(_ batch: IngestBatch) throws -> WriteOutcome {
        var outcome = WriteOutcome()
        // Sorted keys: the same alert is the same text in every process (a replay changes nothing).
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        for change in batch.rides {
            let s = change.snapshot
            guard try !isTombstoned(s.key) else { outcome.tombstonedRides += 1; continue }
            try upsertRider(s.rider, asOf: s.key.startedAt)
            try db.execute(sql: """
                INSERT INTO bikes (serial, first_ride_us, last_ride_us) VALUES (?, ?, ?)
                ON CONFLICT (serial) DO UPDATE SET first_ride_us = min(first_ride_us, excluded.first_ride_us),
                                                   last_ride_us = max(last_ride_us, excluded.last_ride_us)
                """, arguments: [s.key.bikeSerial, s.key.startedAt.microseconds, s.key.startedAt.microseconds])
            let state = try s.state.map { try $0.stateJSON() }
            let (id, ended) = try upsertRide(s, state: state)
            outcome.rideIDs[s.key] = id
            if ended { outcome.endedRideIDs.append(id) }
            outcome.newReadings += try insertReadings(change.readings, rideID: id)
            if let alert = change.alert, let alertID = try insertAlert(alert, rideID: id, encoder: encoder) {
                outcome.newAlertIDs.append(alertID)
            }
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

    private func isTombstoned(_ key: RideKey) throws -> Bool {
        let ride = try Bool.fetchOne(db.cachedStatement(sql: """
            SELECT 1 FROM ride_tombstones WHERE rider_id = ? AND bike_serial = ? AND started_at_us = ?
            UNION ALL SELECT 1 FROM rider_tombstones WHERE rider_id = ? AND erased_at_us >= ?
            """), arguments: [key.riderID, key.bikeSerial, key.startedAt.microseconds, key.riderID, key.startedAt.microseconds])
        return ride ?? false
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

    /// Inserts or advances the ride (see `RideProgress`).
    private func upsertRide(_ s: RideSnapshot, state: String?) throws -> (id: Int64, ended: Bool) {
        let t = s.totals
        let values: [(any DatabaseValueConvertible)?] = [
            s.stream, s.startTime.microseconds, s.endTime?.microseconds, s.inProgress, s.email, s.gender, s.ageAtStart,
            t.readingCount, t.heartRateCount, t.heartRateSum, t.heartRateMin, t.heartRateMax, t.powerSum, t.powerMax,
            t.rpmSum, t.resistanceSum, state,
        ]
        let existing = try Row.fetchOne(db.cachedStatement(sql: """
            SELECT id, in_progress, reading_count FROM rides WHERE rider_id = ? AND bike_serial = ? AND started_at_us = ?
            """), arguments: [s.key.riderID, s.key.bikeSerial, s.key.startedAt.microseconds])
        guard let existing else {
            try db.cachedStatement(sql: """
                INSERT INTO rides (stream, start_time_us, end_time_us, in_progress, email, gender, age_at_start,
                                   reading_count, hr_count, hr_sum, hr_min, hr_max, power_sum, power_max, rpm_sum,
                                   resistance_sum, state, rider_id, bike_serial, started_at_us)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """).execute(arguments: StatementArguments(values + [s.key.riderID, s.key.bikeSerial, s.key.startedAt.microseconds]))
            return (db.lastInsertedRowID, !s.inProgress)
        }
        let id: Int64 = existing["id"], wasOpen: Bool = existing["in_progress"], count: Int = existing["reading_count"]
        guard RideProgress.advances(readings: t.readingCount, storedReadings: count, storedOpen: wasOpen) else { return (id, false) }
        try db.cachedStatement(sql: """
            UPDATE rides SET stream = ?, start_time_us = ?, end_time_us = ?, in_progress = ?, email = ?, gender = ?,
                             age_at_start = ?, reading_count = ?, hr_count = ?, hr_sum = ?, hr_min = ?, hr_max = ?,
                             power_sum = ?, power_max = ?, rpm_sum = ?, resistance_sum = ?, state = ?
            WHERE id = ?
            """).execute(arguments: StatementArguments(values + [id]))
        return (id, wasOpen && !s.inProgress)
    }

    /// Returns how many were new: `INSERT OR IGNORE` changes no row for one already stored.
    private func insertReadings(_ readings: [Reading], rideID: Int64) throws -> Int {
        guard !readings.isEmpty else { return 0 }
        var inserted = 0
        let statement = try db.cachedStatement(sql: """
            INSERT OR IGNORE INTO readings (ride_id, elapsed_s, time_us, heart_rate, rpm, power_w, resistance)
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
            INSERT INTO alerts (ride_id, rider_id, recipient, rider_name, gender, age, safe_min, safe_max, samples, raised_at_us,
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
