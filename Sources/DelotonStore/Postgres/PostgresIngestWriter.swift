import DelotonCore
import Foundation
import Logging
import PostgresNIO

/// Carries out a `BatchPlan` inside an open PostgreSQL transaction, set-wise: one statement per
/// table per batch (array binds and `unnest`), and readings by `COPY` straight into the keyed
/// table where no conflict is possible (see `insertReadings`), `INSERT ... ON CONFLICT DO
/// NOTHING` for the rest.
///
/// Every statement is an idempotent upsert, so a batch retried after an unknown outcome
/// (the connection dropped around COMMIT) changes nothing the first attempt already did.
struct PostgresIngestWriter {
    let connection: PostgresConnection
    let partitions: ReadingPartitions
    let logger: Logger
    /// Below this many readings a bound `unnest` insert beats the extra round trip of COPY.
    var copyThreshold = 512

    func write(_ batch: IngestBatch) async throws -> WriteOutcome {
        let plan = BatchPlan(batch, stored: try await lookUp(BatchPlan.rideKeys(of: batch)))
        let outcome = plan.changes.isEmpty ? plan.outcome(ids: [:]) : try await carryOut(plan)
        try await insertQuarantine(batch.quarantine)
        try await savePositions(batch.positions)
        try await PostgresChangeListener.announce(outcome, on: connection, logger: logger)
        return outcome
    }

    private func carryOut(_ plan: BatchPlan) async throws -> WriteOutcome {
        try await upsertRiders(plan.profiles)
        try await upsertBikes(plan.bikes)
        var ids: [RideKey: Int64] = [:], updates: [(Int64, RideSnapshot)] = [], inserts: [RideSnapshot] = []
        for ride in plan.rides {
            switch ride.write {
            case .insert(let s): inserts.append(s)
            case .update(let id, let s): ids[ride.key] = id; updates.append((id, s))
            case .keep(let id): ids[ride.key] = id
            }
        }
        let newIDs = try await insertRides(inserts)
        ids.merge(newIDs) { stored, _ in stored }
        try await updateRides(updates)
        var outcome = plan.outcome(ids: ids)
        outcome.newReadings = try await insertReadings(plan.changes, ids: ids, newRides: Set(newIDs.values))
        outcome.newAlertIDs = try await insertAlerts(plan.alerts, ids: ids)
        try await stageProfiles(plan.changes)
        return outcome
    }

    // MARK: - Rides

    /// Tombstones and stored rides for every key of the batch, in one round trip.
    private func lookUp(_ keys: [RideKey]) async throws -> BatchPlan.Stored {
        guard !keys.isEmpty else { return BatchPlan.Stored() }
        var binds = PostgresBindings(capacity: 3)
        binds.append(PostgresArray.int(keys.map(\.riderID)))
        binds.append(PostgresArray.text(keys.map(\.bikeSerial)))
        binds.append(PostgresArray.instant(keys.map(\.startedAt)))
        let rows = try await connection.query(PostgresQuery(unsafeSQL: """
            SELECT k.i,
                   EXISTS (SELECT 1 FROM ride_tombstones t WHERE t.rider_id = k.rider_id AND t.bike_serial = k.bike_serial
                                                             AND t.started_at = k.started_at),
                   (SELECT t.erased_at FROM rider_tombstones t WHERE t.rider_id = k.rider_id),
                   r.id, r.in_progress, r.reading_count
            FROM unnest($1::bigint[], $2::text[], $3::timestamptz[]) WITH ORDINALITY AS k(rider_id, bike_serial, started_at, i)
            LEFT JOIN rides r ON r.rider_id = k.rider_id AND r.bike_serial = k.bike_serial AND r.started_at = k.started_at
            """, binds: binds), logger: logger)
        var stored = BatchPlan.Stored()
        for try await (i, deleted, erased, id, inProgress, count)
            in rows.decode((Int64, Bool, PostgresInstant?, Int64?, Bool?, Int32?).self) {
            let key = keys[Int(i) - 1]
            if deleted { stored.rideTombstones.insert(key) }
            if let erased { stored.riderErasures[key.riderID] = erased.instant }
            if let id, let inProgress, let count {
                stored.rides[key] = BatchPlan.StoredRide(id: id, inProgress: inProgress, readingCount: Int(count))
            }
        }
        return stored
    }

    /// Keeps the details of the rider's latest ride (`BatchPlan.profiles`): `RiderUpsert` leaves
    /// a rider alone whose stored profile is newer.
    private func upsertRiders(_ profiles: [BatchPlan.Profile]) async throws {
        let riders = profiles.map(\.rider)
        var b = PostgresBindings(capacity: 17)
        b.append(PostgresArray.int(riders.map(\.id)))
        b.append(PostgresArray.text(riders.map(\.name)))
        b.append(PostgresArray.text(riders.map(\.title)))
        b.append(PostgresArray.text(riders.map(\.firstName)))
        b.append(PostgresArray.text(riders.map(\.lastName)))
        b.append(PostgresArray.text(riders.map(\.gender)))
        b.append(PostgresArray.text(riders.map { $0.dateOfBirth?.description }))
        b.append(PostgresArray.text(riders.map(\.email)))
        b.append(PostgresArray.text(riders.map { AddressLines.encode($0.address.lines) }))
        b.append(PostgresArray.text(riders.map(\.address.city)))
        b.append(PostgresArray.text(riders.map(\.address.postcode)))
        b.append(PostgresArray.bool(riders.map(\.address.postcodeValid)))
        b.append(PostgresArray.int(riders.map(\.heightCm)))
        b.append(PostgresArray.int(riders.map(\.weightKg)))
        b.append(PostgresArray.text(riders.map { $0.accountCreated?.description }))
        b.append(PostgresArray.text(riders.map(\.originalSource)))
        b.append(PostgresArray.instant(profiles.map(\.asOf)))
        try await connection.query(PostgresQuery(unsafeSQL: """
            INSERT INTO riders AS r (\(RiderUpsert.columns))
            SELECT id, name, title, first_name, last_name, gender, date_of_birth::date, email, address_lines, city, postcode,
                   postcode_valid, height_cm, weight_kg, account_created::date, original_source, profile_as_of
            FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
                        $9::text[], $10::text[], $11::text[], $12::bool[], $13::int[], $14::int[], $15::text[], $16::text[],
                        $17::timestamptz[])
                 AS u(\(RiderUpsert.columns))
            \(RiderUpsert.onConflict)
            """, binds: b), logger: logger)
    }

    private func upsertBikes(_ bikes: [BatchPlan.BikeSpan]) async throws {
        var b = PostgresBindings(capacity: 3)
        b.append(PostgresArray.text(bikes.map(\.serial)))
        b.append(PostgresArray.instant(bikes.map(\.firstRide)))
        b.append(PostgresArray.instant(bikes.map(\.lastRide)))
        try await connection.query(PostgresQuery(unsafeSQL: """
            INSERT INTO bikes AS b (serial, first_ride_at, last_ride_at)
            SELECT * FROM unnest($1::text[], $2::timestamptz[], $3::timestamptz[])
            ON CONFLICT (serial) DO UPDATE SET first_ride_at = least(b.first_ride_at, excluded.first_ride_at),
                                               last_ride_at = greatest(b.last_ride_at, excluded.last_ride_at)
            -- Only a span that widens: every ride in progress offers its bike again in each batch.
            WHERE excluded.first_ride_at < b.first_ride_at OR excluded.last_ride_at > b.last_ride_at
            """, binds: b), logger: logger)
    }

    private static let rideColumns = """
        stream, start_time, end_time, in_progress, email, gender, age_at_start, reading_count, hr_count, hr_sum,
        hr_min, hr_max, power_sum, power_max, rpm_sum, resistance_sum, state, hr_histogram, power_histogram
        """
    private static let rideArrays = """
        $1::text[], $2::timestamptz[], $3::timestamptz[], $4::bool[], $5::text[], $6::text[], $7::int[], $8::int[], $9::int[],
        $10::bigint[], $11::int[], $12::int[], $13::float8[], $14::float8[], $15::bigint[], $16::bigint[], $17::text[],
        $18::text[], $19::text[]
        """

    private func rideBindings(_ rides: [RideSnapshot]) throws -> PostgresBindings {
        var b = PostgresBindings(capacity: 23)
        b.append(PostgresArray.text(rides.map(\.stream)))
        b.append(PostgresArray.instant(rides.map(\.startTime)))
        b.append(PostgresArray.instant(rides.map(\.endTime)))
        b.append(PostgresArray.bool(rides.map(\.inProgress)))
        b.append(PostgresArray.text(rides.map(\.email)))
        b.append(PostgresArray.text(rides.map(\.gender)))
        b.append(PostgresArray.int(rides.map(\.ageAtStart)))
        b.append(PostgresArray.int(rides.map(\.totals.readingCount)))
        b.append(PostgresArray.int(rides.map(\.totals.heartRateCount)))
        b.append(PostgresArray.int(rides.map(\.totals.heartRateSum)))
        b.append(PostgresArray.int(rides.map(\.totals.heartRateMin)))
        b.append(PostgresArray.int(rides.map(\.totals.heartRateMax)))
        b.append(PostgresArray.double(rides.map(\.totals.powerSum)))
        b.append(PostgresArray.double(rides.map(\.totals.powerMax)))
        b.append(PostgresArray.int(rides.map(\.totals.rpmSum)))
        b.append(PostgresArray.int(rides.map(\.totals.resistanceSum)))
        b.append(PostgresArray.text(try rides.map { s in try s.state.map { try $0.stateJSON() } }))
        b.append(PostgresArray.text(rides.map(\.totals.heartRateBins.text)))
        b.append(PostgresArray.text(rides.map(\.totals.powerBins.text)))
        return b
    }

    private func insertRides(_ rides: [RideSnapshot]) async throws -> [RideKey: Int64] {
        guard !rides.isEmpty else { return [:] }
        var b = try rideBindings(rides)
        b.append(PostgresArray.int(rides.map(\.key.riderID)))
        b.append(PostgresArray.text(rides.map(\.key.bikeSerial)))
        b.append(PostgresArray.instant(rides.map(\.key.startedAt)))
        // ORDER BY keeps ids in batch order, as SQLite assigns them.
        let result = try await connection.query(PostgresQuery(unsafeSQL: """
            INSERT INTO rides (\(Self.rideColumns), rider_id, bike_serial, started_at)
            SELECT \(Self.rideColumns), rider_id, bike_serial, started_at
            FROM unnest(\(Self.rideArrays), $20::bigint[], $21::text[], $22::timestamptz[]) WITH ORDINALITY
                 AS u(\(Self.rideColumns), rider_id, bike_serial, started_at, i)
            ORDER BY i
            ON CONFLICT (rider_id, bike_serial, started_at) DO NOTHING
            RETURNING id, rider_id, bike_serial, started_at
            """, binds: b), logger: logger)
        var ids: [RideKey: Int64] = [:]
        for try await (id, rider, bike, started) in result.decode((Int64, Int64, String, PostgresInstant).self) {
            ids[RideKey(riderID: Int(rider), bikeSerial: bike, startedAt: started.instant)] = id
        }
        guard ids.count == rides.count else {
            // Another writer inserted one of these rides since the look-up: retrying sees it as stored.
            throw WarehouseError(.unavailable, "a ride of this batch was written concurrently by another process; retrying the batch")
        }
        return ids
    }

    private func updateRides(_ rides: [(Int64, RideSnapshot)]) async throws {
        guard !rides.isEmpty else { return }
        var b = try rideBindings(rides.map(\.1))
        b.append(PostgresArray.int64(rides.map(\.0)))
        let assignments: String = Self.rideColumns.split(separator: ",").map { c -> String in
            let name: String = c.trimmingCharacters(in: .whitespacesAndNewlines)
            return name + " = u." + name
        }.joined(separator: ", ")
        try await connection.query(PostgresQuery(unsafeSQL: """
            UPDATE rides AS r SET \(assignments)
            FROM unnest(\(Self.rideArrays), $20::bigint[]) AS u(\(Self.rideColumns), id)
            WHERE r.id = u.id
            """, binds: b), logger: logger)
    }

    // MARK: - Readings

    /// Readings go straight into `readings` by COPY wherever a conflict is impossible, and only
    /// the rest through `INSERT ... ON CONFLICT DO NOTHING`.
    ///
    /// A ride's readings arrive in elapsed order, so one index probe per stored ride (its highest
    /// stored second) splits the batch: a reading past it cannot be stored yet. In the steady
    /// state that is every reading, and loading runs at plain COPY speed into the keyed table;
    /// replays and redeliveries take the slower idempotent path. A concurrent writer of the same
    /// ride would surface as a unique violation, which is reported as `.unavailable` so the batch
    /// is retried and then sees those readings as stored. Returns how many readings were new.
    private func insertReadings(_ changes: [RideChange], ids: [RideKey: Int64], newRides: Set<Int64>) async throws -> Int {
        var stored: [Int64] = [], all = Set<Int64>()
        for c in changes where !c.readings.isEmpty {
            guard let id = ids[c.snapshot.key] else { continue }
            if all.insert(id).inserted, !newRides.contains(id) { stored.append(id) }
        }
        guard let top = all.max() else { return 0 }
        try await partitions.cover(top, on: connection, logger: logger)
        var highest = try await highestStoredSecond(stored)
        var fast: [(Int64, Reading)] = [], slow: [(Int64, Reading)] = []
        for c in changes {
            // A replay of a ride whose partition retention dropped: its readings are past keeping.
            guard let id = ids[c.snapshot.key], !c.readings.isEmpty, !partitions.dropped(id) else { continue }
            var top = highest[id] ?? Int.min
            for r in c.readings {
                if r.elapsed > top, CopyBinary.fits(r) {
                    fast.append((id, r)); top = r.elapsed
                } else {
                    slow.append((id, r))
                }
            }
            highest[id] = top
        }
        do {
            if fast.count >= copyThreshold {
                try await copyReadings(fast)
            } else if !fast.isEmpty {
                _ = try await bindReadings(fast)
            }
        } catch let e as PSQLError where e.serverInfo?[.sqlState] == "23505" {
            throw WarehouseError(.unavailable, "readings of this batch were written concurrently by another process; retrying the batch")
        } catch let e as PSQLError where e.serverInfo?[.sqlState] == "23514" {
            // No partition for a ride: another process's retention dropped it since this one looked.
            partitions.forget()
            throw WarehouseError(.unavailable, "a readings partition of this batch was dropped by retention meanwhile; retrying the batch")
        }
        let slowInserted = slow.isEmpty ? 0 : try await bindReadings(slow)
        try await checkRidesExist(Array(all))
        return fast.count + slowInserted
    }

    private func highestStoredSecond(_ rides: [Int64]) async throws -> [Int64: Int] {
        guard !rides.isEmpty else { return [:] }
        var b = PostgresBindings(capacity: 1)
        b.append(PostgresArray.int64(rides))
        let rows = try await connection.query(PostgresQuery(unsafeSQL: """
            SELECT u.id, (SELECT max(elapsed_s) FROM readings g WHERE g.ride_id = u.id) FROM unnest($1::bigint[]) AS u(id)
            """, binds: b), logger: logger)
        var out: [Int64: Int] = [:]
        for try await (id, top) in rows.decode((Int64, Int32?).self) {
            if let top { out[id] = Int(top) }
        }
        return out
    }

    /// The foreign key of readings, checked once per batch instead of once per row.
    private func checkRidesExist(_ ids: [Int64]) async throws {
        var b = PostgresBindings(capacity: 1)
        b.append(PostgresArray.int64(ids))
        let rows = try await connection.query(PostgresQuery(unsafeSQL: "SELECT count(*) FROM rides WHERE id = ANY($1::bigint[])", binds: b),
                                              logger: logger)
        for try await n in rows.decode(Int64.self) where n != ids.count {
            throw WarehouseError(.failed, "readings refer to \(ids.count - Int(n)) ride(s) that do not exist: batch refused")
        }
    }

    /// Returns how many were inserted: on a replay, none.
    private func bindReadings(_ readings: [(Int64, Reading)]) async throws -> Int {
        var b = PostgresBindings(capacity: 7)
        b.append(PostgresArray.int64(readings.map(\.0)))
        b.append(PostgresArray.int(readings.map(\.1.elapsed)))
        b.append(PostgresArray.instant(readings.map(\.1.time)))
        b.append(PostgresArray.int(readings.map(\.1.heartRate)))
        b.append(PostgresArray.int(readings.map(\.1.rpm)))
        b.append(PostgresArray.double(readings.map(\.1.power)))
        b.append(PostgresArray.int(readings.map(\.1.resistance)))
        let rows = try await connection.query(PostgresQuery(unsafeSQL: """
            WITH inserted AS (
                INSERT INTO readings (ride_id, elapsed_s, time, heart_rate, rpm, power_w, resistance)
                SELECT * FROM unnest($1::bigint[], $2::int[], $3::timestamptz[], $4::int[], $5::int[], $6::float8[], $7::int[])
                ON CONFLICT (ride_id, elapsed_s) DO NOTHING
                RETURNING 1)
            SELECT count(*) FROM inserted
            """, binds: b), logger: logger)
        var inserted = 0
        for try await n in rows.decode(Int64.self) { inserted = Int(n) }
        return inserted
    }

    private func copyReadings(_ readings: [(Int64, Reading)]) async throws {
        try await CopyBinary.copyReadings(into: "readings", on: connection, logger: logger) { buffer, writer in
            for (id, r) in readings {
                CopyBinary.reading(&buffer, ride: id, r)
                if buffer.readableBytes >= 1 << 20 {
                    try await writer.write(buffer)
                    buffer.clear()
                }
            }
        }
    }

    // MARK: - Alerts, quarantine, positions, staging

    /// One alert per ride, ever: a replay that raises it again finds it already there.
    private func insertAlerts(_ candidates: [BatchPlan.AlertCandidate], ids: [RideKey: Int64]) async throws -> [Int64] {
        let alerts: [(Int64, AlertEvent)] = candidates.compactMap { c in ids[c.key].map { ($0, c.alert) } }
        guard !alerts.isEmpty else { return [] }
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        var b = PostgresBindings(capacity: 12)
        b.append(PostgresArray.int64(alerts.map(\.0)))
        b.append(PostgresArray.int(alerts.map(\.1.riderID)))
        b.append(PostgresArray.text(alerts.map(\.1.email)))
        b.append(PostgresArray.text(alerts.map(\.1.riderName)))
        b.append(PostgresArray.text(alerts.map(\.1.gender)))
        b.append(PostgresArray.int(alerts.map(\.1.age)))
        b.append(PostgresArray.double(alerts.map(\.1.range.minimum)))
        b.append(PostgresArray.double(alerts.map(\.1.range.maximum)))
        b.append(PostgresArray.text(try alerts.map { String(decoding: try encoder.encode($0.1.samples), as: UTF8.self) }))
        b.append(PostgresArray.instant(alerts.map(\.1.raisedAt)))
        b.append(PostgresArray.text(alerts.map { $0.1.unmailedReason == nil ? "pending" : "failed" }))
        b.append(PostgresArray.text(alerts.map(\.1.unmailedReason)))
        let result = try await connection.query(PostgresQuery(unsafeSQL: """
            WITH inserted AS (
                INSERT INTO alerts (ride_id, rider_id, recipient, rider_name, gender, age, safe_min, safe_max, samples, raised_at,
                                    status, last_error)
                SELECT ride_id, rider_id, recipient, rider_name, gender, age, safe_min, safe_max, samples, raised_at,
                       status, last_error
                FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::int[], $7::float8[],
                            $8::float8[], $9::text[], $10::timestamptz[], $11::text[], $12::text[]) WITH ORDINALITY
                     AS u(ride_id, rider_id, recipient, rider_name, gender, age, safe_min, safe_max, samples, raised_at,
                          status, last_error, i)
                ORDER BY i
                ON CONFLICT (ride_id) DO NOTHING
                RETURNING id, ride_id
            ), flagged AS (
                UPDATE rides SET alert_raised = true WHERE id IN (SELECT ride_id FROM inserted)
            )
            SELECT id FROM inserted ORDER BY id
            """, binds: b), logger: logger)
        var out: [Int64] = []
        for try await id in result.decode(Int64.self) { out.append(id) }
        return out
    }

    private func insertQuarantine(_ lines: [QuarantinedLine]) async throws {
        guard !lines.isEmpty else { return }
        var b = PostgresBindings(capacity: 4)
        b.append(PostgresArray.text(lines.map(\.source)))
        b.append(PostgresArray.int64(lines.map(\.position)))
        // PostgreSQL text cannot hold NUL bytes; a line that had one is kept with U+FFFD in its place.
        b.append(PostgresArray.text(lines.map { $0.raw.replacingOccurrences(of: "\u{0}", with: "\u{FFFD}") }))
        b.append(PostgresArray.text(lines.map { $0.reason.replacingOccurrences(of: "\u{0}", with: "\u{FFFD}") }))
        try await connection.query(PostgresQuery(unsafeSQL: """
            INSERT INTO quarantine (source, position, raw, reason)
            SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[])
            ON CONFLICT (source, position) DO NOTHING
            """, binds: b), logger: logger)
    }

    private func savePositions(_ positions: [String: Int64]) async throws {
        guard !positions.isEmpty else { return }
        let sources = positions.keys.sorted()
        var b = PostgresBindings(capacity: 2)
        b.append(PostgresArray.text(sources))
        b.append(PostgresArray.int64(sources.map { positions[$0] ?? 0 }))
        try await connection.query(PostgresQuery(unsafeSQL: """
            INSERT INTO source_positions (source, position)
            SELECT * FROM unnest($1::text[], $2::bigint[])
            ON CONFLICT (source) DO UPDATE SET position = excluded.position
            """, binds: b), logger: logger)
    }

    /// The raw profile of each ride, once: what `reprocess` re-cleans.
    private func stageProfiles(_ changes: [RideChange]) async throws {
        var seen = Set<RideKey>(), rows: [(RideKey, String, String)] = []
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        for c in changes where seen.insert(c.snapshot.key).inserted {
            let s = c.snapshot
            let profile = s.state?.profile ?? StagedProfile.reconstruct(s.rider, bikeSerial: s.key.bikeSerial)
            rows.append((s.key, s.stream, String(decoding: try encoder.encode(profile), as: UTF8.self)))
        }
        var b = PostgresBindings(capacity: 5)
        b.append(PostgresArray.int(rows.map(\.0.riderID)))
        b.append(PostgresArray.text(rows.map(\.0.bikeSerial)))
        b.append(PostgresArray.instant(rows.map(\.0.startedAt)))
        b.append(PostgresArray.text(rows.map(\.1)))
        b.append(PostgresArray.text(rows.map(\.2)))
        try await connection.query(PostgresQuery(unsafeSQL: """
            INSERT INTO staging.ride_profiles (rider_id, bike_serial, started_at, stream, profile)
            SELECT * FROM unnest($1::bigint[], $2::text[], $3::timestamptz[], $4::text[], $5::text[])
            ON CONFLICT (rider_id, bike_serial, started_at) DO NOTHING
            """, binds: b), logger: logger)
    }
}

/// Rebuilds the stream's `[SYSTEM]` payload from a cleaned rider, for a ride whose raw profile did not
/// come with the batch (a ride that ended within it): names, emails and genders are as given, so it is
/// exact but for the address's spacing and the postcode's case.
enum StagedProfile {
    static func reconstruct(_ r: Rider, bikeSerial: String) -> RiderProfile {
        let address = (r.address.lines + [r.address.city, r.address.postcode]).joined(separator: ",")
        return RiderProfile(userID: r.id, name: r.name, gender: r.gender, address: address,
                            dateOfBirthMs: r.dateOfBirth.map { Int64($0.daysSinceEpoch) * 86_400_000 }, email: r.email,
                            heightCm: r.heightCm, weightKg: r.weightKg,
                            accountCreateDateMs: r.accountCreated.map { Int64($0.daysSinceEpoch) * 86_400_000 },
                            bikeSerial: bikeSerial, originalSource: r.originalSource)
    }
}
