import DelotonCore
import Foundation
import Logging
import PostgresNIO

/// The production warehouse on PostgreSQL (RDS/Aurora or any 13+ server).
///
/// Ingest writes go through one dedicated connection (`PostgresIngestLane`), which reports a
/// lost server at once as `.unavailable` so the ingest loop backs off and retries the batch;
/// shared SQL (`serve`, the report, the outbox) goes through a `PostgresClient` pool whose
/// `run()` task this warehouse owns and `close()` cancels.
public final class PostgresWarehouse: Warehouse, ProfileStaging {
    public let kind = WarehouseKind.postgresql
    public let settings: PostgresSettings
    private let logger: Logger
    private let client: PostgresClient
    private let runTask: Task<Void, Never>
    private let lane: PostgresIngestLane
    private let listener: PostgresChangeListener
    private let partitions = ReadingPartitions()

    public var sql: any SQLExecutor { PostgresExecutor(client: client, settings: settings, logger: logger) }
    public var staging: any ProfileStaging { self }
    public var changes: any ChangeFeed { listener }

    /// Connects once to check the URL (fails in seconds on a wrong host, password or database),
    /// then starts the pool.
    public init(settings: PostgresSettings, logger: Logger) async throws {
        self.settings = settings
        self.logger = logger
        let probe = try await PostgresConnector.connect(settings, logger: logger, id: 1)
        try? await probe.close()
        let configuration: PostgresClient.Configuration
        do {
            configuration = try PostgresConnector.clientConfiguration(settings)
        } catch {
            throw WarehouseError(.configuration, "cannot configure PostgreSQL TLS (sslmode=\(settings.tls.rawValue)): \(error)")
        }
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        self.client = client
        runTask = Task { await client.run() }
        lane = PostgresIngestLane(settings: settings, logger: logger)
        listener = PostgresChangeListener(settings: settings, logger: logger)
        let lane = self.lane
        // The probe's connection is gone; keep one ready for the first batch.
        _ = try? await lane.run(doing: "connect") { _ in 0 }
    }

    @discardableResult public func migrate() async throws -> [String] {
        let logger = self.logger
        return try await lane.run(doing: "migrate the schema", limit: longOperationLimit) { c in
            try await PostgresSchema.migrate(c, logger: logger)
        }
    }

    /// Migrations and `reprocess` touch whole tables, and no live stream waits on them: they keep
    /// the five minutes every operation had before `operation_timeout` became a batch's bound.
    private var longOperationLimit: Duration { .milliseconds(Int64(max(settings.operationTimeout, 300) * 1000)) }

    public func write(_ batch: IngestBatch) async throws -> WriteOutcome {
        let logger = self.logger, partitions = self.partitions
        return try await lane.run(doing: "write a batch") { c in
            try await c.withTransaction(logger: logger) { c in
                try await PostgresIngestWriter(connection: c, partitions: partitions, logger: logger).write(batch)
            }
        }
    }

    public func openRides(streamPrefix: String) async throws -> [OpenRide] {
        let rows = try await sql.query("""
            SELECT \(raw: OpenRideRow.columns) FROM rides WHERE in_progress AND state IS NOT NULL AND starts_with(stream, \(streamPrefix))
            """)
        let decoder = JSONDecoder()
        return try rows.map { row in
            try OpenRideRow.decode(state: try row.decode("state"), heartRateBins: try row.decode("hr_histogram"),
                                   powerBins: try row.decode("power_histogram"), with: decoder)
        }
    }

    /// Drops whole partitions (`ReadingPartitions`), lowest first, while every ride of one started
    /// before `cutoff` and a ride beyond it exists (so no new ride can land in it). A partition
    /// with one younger ride stays whole, with its older rides' readings, until that ride ages.
    /// Detached `CONCURRENTLY`, on a connection of its own: reads and ingest go on meanwhile.
    public func purgeReadings(ofRidesStartedBefore cutoff: Instant) async throws -> Int {
        let connection = try await PostgresConnector.connect(settings, logger: logger, id: 3)
        // Whatever was dropped, even by a run that failed halfway, the writer looks again.
        defer { partitions.forget() }
        do {
            let dropped = try await ReadingPartitions.dropExpired(before: cutoff, on: connection, logger: logger)
            try? await connection.close()
            return dropped
        } catch {
            try? await connection.close()
            throw error
        }
    }

    public func sourcePositions(prefix: String) async throws -> [String: Int64] {
        let rows = try await sql.query("SELECT source, position FROM source_positions WHERE starts_with(source, \(prefix))")
        var out: [String: Int64] = [:]
        for row in rows { out[try row.decode("source")] = try row.decode("position", as: Int64.self) }
        return out
    }

    deinit {
        runTask.cancel()
        listener.stop()
    }

    public func close() async throws {
        await listener.close()
        await lane.close()
        runTask.cancel()
        await runTask.value
    }

    // MARK: - Staging

    public var keepsProfiles: Bool { true }

    /// Deletes staged profiles older than the retention setting (`staging_retention_days`, default 7).
    /// Returns how many were deleted.
    @discardableResult
    public func purgeStaging(olderThanDays days: Int? = nil) async throws -> Int {
        let keep = days ?? settings.stagingRetentionDays
        // make_interval takes an int4 number of days.
        let rows = try await sql.query("""
            WITH gone AS (DELETE FROM staging.ride_profiles WHERE staged_at < now() - make_interval(days => CAST(\(keep) AS INTEGER)) RETURNING 1)
            SELECT count(*) AS n FROM gone
            """)
        return try rows.first?.decode("n", as: Int.self) ?? 0
    }

    /// Re-cleans every staged profile with the current cleaning rules (`Rider(cleaning:)`) and
    /// updates the riders from their latest staged ride, in one transaction. Rides keep the email
    /// and gender their `[SYSTEM]` line gave, as given; readings and alerts are not touched: no
    /// cleaning rule applies to them, and an alert once raised stays raised. Profiles past the retention window are gone and not redone.
    public func reprocess() async throws -> ReprocessSummary {
        let logger = self.logger
        return try await lane.run(doing: "reprocess staged profiles", limit: longOperationLimit) { c in
            try await c.withTransaction(logger: logger) { c in
                var summary = ReprocessSummary()
                var latest: [Int: (Instant, RiderProfile)] = [:]
                let decoder = JSONDecoder()
                let rows = try await c.query("""
                    SELECT p.rider_id, p.bike_serial, p.started_at, p.profile FROM staging.ride_profiles p
                    WHERE NOT EXISTS (SELECT 1 FROM rider_tombstones t WHERE t.rider_id = p.rider_id AND t.erased_at >= p.started_at)
                    ORDER BY p.started_at
                    """, logger: logger)
                for try await (rider, _, started, json) in rows.decode((Int64, String, PostgresInstant, String).self) {
                    let profile = try decoder.decode(RiderProfile.self, from: Data(json.utf8))
                    summary.profilesRead += 1
                    latest[Int(rider)] = (started.instant, profile)
                }
                let riders = latest.values.map { (Rider(cleaning: $0.1), $0.0) }
                if !riders.isEmpty {
                    var b = PostgresBindings(capacity: 16)
                    b.append(PostgresArray.int(riders.map(\.0.id)))
                    b.append(PostgresArray.text(riders.map(\.0.name)))
                    b.append(PostgresArray.text(riders.map(\.0.title)))
                    b.append(PostgresArray.text(riders.map(\.0.firstName)))
                    b.append(PostgresArray.text(riders.map(\.0.lastName)))
                    b.append(PostgresArray.text(riders.map(\.0.gender)))
                    b.append(PostgresArray.text(riders.map { $0.0.dateOfBirth?.description }))
                    b.append(PostgresArray.text(riders.map(\.0.email)))
                    b.append(PostgresArray.text(riders.map { AddressLines.encode($0.0.address.lines) }))
                    b.append(PostgresArray.text(riders.map(\.0.address.city)))
                    b.append(PostgresArray.text(riders.map(\.0.address.postcode)))
                    b.append(PostgresArray.bool(riders.map(\.0.address.postcodeValid)))
                    b.append(PostgresArray.int(riders.map(\.0.heightCm)))
                    b.append(PostgresArray.int(riders.map(\.0.weightKg)))
                    b.append(PostgresArray.text(riders.map { $0.0.accountCreated?.description }))
                    b.append(PostgresArray.text(riders.map(\.0.originalSource)))
                    // Only riders whose stored profile is not newer than the staged one: a rider
                    // whose newer rides were purged from staging keeps what ingest wrote.
                    b.append(PostgresArray.instant(riders.map(\.1)))
                    let changed = try await c.query(PostgresQuery(unsafeSQL: """
                        WITH u AS (
                            SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
                                                 $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::bool[],
                                                 $13::int[], $14::int[], $15::text[], $16::text[], $17::timestamptz[])
                                AS u(id, name, title, first_name, last_name, gender, date_of_birth, email, address_lines, city,
                                     postcode, postcode_valid, height_cm, weight_kg, account_created, original_source, as_of)
                        ), changed AS (
                            UPDATE riders r SET name = u.name, title = u.title, first_name = u.first_name,
                                last_name = u.last_name, gender = u.gender, date_of_birth = u.date_of_birth::date,
                                email = u.email, address_lines = u.address_lines, city = u.city, postcode = u.postcode,
                                postcode_valid = u.postcode_valid, height_cm = u.height_cm, weight_kg = u.weight_kg,
                                account_created = u.account_created::date, original_source = u.original_source
                            FROM u
                            WHERE r.id = u.id AND r.profile_as_of <= u.as_of
                              AND (r.name, r.title, r.first_name, r.last_name, r.gender, r.date_of_birth, r.email,
                                   r.address_lines, r.city, r.postcode, r.postcode_valid, r.height_cm, r.weight_kg,
                                   r.account_created, r.original_source)
                                  IS DISTINCT FROM
                                  (u.name, u.title, u.first_name, u.last_name, u.gender, u.date_of_birth::date, u.email,
                                   u.address_lines, u.city, u.postcode, u.postcode_valid, u.height_cm, u.weight_kg,
                                   u.account_created::date, u.original_source)
                            RETURNING 1
                        )
                        SELECT count(*) FROM changed
                        """, binds: b), logger: logger)
                    for try await n in changed.decode(Int64.self) { summary.ridersChanged = Int(n) }
                }
                return summary
            }
        }
    }
}
