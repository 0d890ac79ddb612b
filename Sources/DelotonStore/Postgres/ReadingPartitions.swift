import DelotonCore
import Logging
import PostgresNIO
import Synchronization

/// `production.readings` on PostgreSQL is partitioned by ride id range, `width` rides a
/// partition, named `readings_p<first ride id>` (`readings_p0` holds every id below its bound:
/// the table as it was before partitioning).
///
/// By ride id rather than by time: a ride's readings stay in one partition, so the primary key
/// stays `(ride_id, elapsed_s)` and idempotent inserts keep working, and every per-ride read
/// (a ride's page, deletion, the writer's per-ride probe) touches one partition. Ids grow with
/// time, so old partitions hold old rides: retention drops a partition once every ride in it
/// started before the cutoff. A backfill of old dates lands in the current partition, and leaves
/// with it.
///
/// Partitions are made by deloton itself, not pg_partman: one statement pair per `width` rides,
/// on stock PostgreSQL, with no extension for RDS to allow or for an operator to schedule.
/// The ingest writer adds them in its batch's transaction when the batch's ride ids come near
/// the top one (`cover`), always one whole partition ahead. `CREATE TABLE ... PARTITION OF`
/// would lock out every reader of `readings` until the batch commits; a table made alone and
/// then attached takes only a lock that reads and writes do not wait for.
final class ReadingPartitions: Sendable {
    /// Rides a partition: at 1,000 bikes ridden 8 hours a day, about 5 days and 150 M readings.
    static let width: Int64 = 65_536

    /// Serialises partition changes across processes (any constant unlike the migrations' own).
    static let lockKey: Int64 = 0x6465_6C6F_746F_6E02

    struct Known {
        /// Ride ids below this have a partition already: no check needed.
        var coveredBelow: Int64 = .min
        /// Ride ids below this have no partition any more (retention dropped it); `.min` while
        /// the first partition still holds everything from the lowest id.
        var droppedBelow: Int64 = .min
        var fresh = false
    }

    private let known = Mutex(Known())

    /// Whether readings of ride `id` are past retention, by what this process last saw.
    func dropped(_ id: Int64) -> Bool { known.withLock { $0.fresh && id < $0.droppedBelow } }

    /// What this process knows is stale: another process may have dropped partitions.
    func forget() { known.withLock { $0.fresh = false } }

    /// Makes sure ride ids up to `highest` have a partition, with a whole one to spare, inside the
    /// caller's transaction; refreshes what this process knows when that is stale.
    func cover(_ highest: Int64, on c: PostgresConnection, logger: Logger) async throws {
        let k = known.withLock { $0 }
        if k.fresh, highest < k.coveredBelow { return }
        var bounds = try await Self.bounds(on: c, logger: logger)
        // No partitions: a warehouse before migration 8 (opened without migrating), whose one
        // table takes every ride id.
        guard !bounds.isEmpty else {
            known.withLock { $0 = Known(coveredBelow: .max, droppedBelow: .min, fresh: true) }
            return
        }
        if highest + Self.width >= (bounds.last?.upper ?? .min) {
            try await c.query("SELECT pg_advisory_xact_lock(\(Self.lockKey))", logger: logger)
            bounds = try await Self.bounds(on: c, logger: logger)  // another process may have added some meanwhile
            var top = bounds.last?.upper ?? 0
            while highest + Self.width >= top {
                try await Self.add(from: top, on: c, logger: logger)
                bounds.append(.init(lower: top, upper: top + Self.width))
                top += Self.width
            }
        }
        known.withLock {
            $0 = Known(coveredBelow: (bounds.last?.upper ?? .min) - Self.width, droppedBelow: bounds.first?.lower ?? .min, fresh: true)
        }
    }

    struct Bound: Equatable {
        /// `.min` for MINVALUE.
        var lower: Int64
        var upper: Int64
        var name: String { "readings_p\(max(lower, 0))" }
    }

    /// The partitions, lowest first, from the catalogue.
    static func bounds(on c: PostgresConnection, logger: Logger) async throws -> [Bound] {
        let rows = try await c.query("""
            SELECT pg_get_expr(p.relpartbound, p.oid)
            FROM pg_inherits i JOIN pg_class p ON p.oid = i.inhrelid
            WHERE i.inhparent = 'production.readings'::regclass
            """, logger: logger)
        var out: [Bound] = []
        for try await text in rows.decode(String.self) {
            if let bound = parse(text) { out.append(bound) }
        }
        return out.sorted { $0.lower < $1.lower }
    }

    /// `FOR VALUES FROM (MINVALUE) TO ('65536')` or `FROM ('65536') TO ('131072')`.
    static func parse(_ text: String) -> Bound? {
        func value(after word: String) -> Int64? {
            guard let start = text.range(of: word + " (") else { return nil }
            let rest = text[start.upperBound...].prefix { $0 != ")" }
            if rest == "MINVALUE" { return .min }
            return Int64(rest.filter { $0 != "'" })
        }
        guard let lower = value(after: "FROM"), let upper = value(after: "TO") else { return nil }
        return Bound(lower: lower, upper: upper)
    }

    /// Retention's part (`PostgresWarehouse.purgeReadings`): the readings dropped.
    /// Outside any transaction: `DETACH ... CONCURRENTLY` cannot run in one.
    static func dropExpired(before cutoff: Instant, on c: PostgresConnection, logger: Logger) async throws -> Int {
        // A detach that an earlier run began and did not finish (a crash, a lost connection).
        let pending = try await c.query("""
            SELECT p.relname FROM pg_inherits i JOIN pg_class p ON p.oid = i.inhrelid
            WHERE i.inhparent = 'production.readings'::regclass AND i.inhdetachpending
            """, logger: logger)
        for try await name in pending.decode(String.self) {
            try await c.query(PostgresQuery(unsafeSQL: "ALTER TABLE production.readings DETACH PARTITION production.\(name) FINALIZE"),
                              logger: logger)
            try await c.query(PostgresQuery(unsafeSQL: "DROP TABLE production.\(name)"), logger: logger)
        }
        var newest: Int64 = 0
        for try await id in try await c.query("SELECT coalesce(max(id), 0) FROM production.rides", logger: logger).decode(Int64.self) {
            newest = id
        }
        var dropped = 0
        // Never the top partition: it is where new rides land.
        for bound in try await bounds(on: c, logger: logger).dropLast() {
            guard bound.upper <= newest else { break }
            var younger = false, readings = 0
            // The rides' own counts: exact, from at most `width` rows, where counting the
            // partition's readings would read all of them.
            for try await (any, count) in try await c.query("""
                SELECT EXISTS (SELECT 1 FROM production.rides WHERE id >= \(bound.lower) AND id < \(bound.upper)
                               AND start_time >= TIMESTAMPTZ 'epoch' + \(cutoff.microseconds) * INTERVAL '1 microsecond'),
                       (SELECT coalesce(sum(reading_count), 0)::bigint FROM production.rides WHERE id >= \(bound.lower) AND id < \(bound.upper))
                """, logger: logger).decode((Bool, Int64).self) {
                younger = any; readings = Int(count)
            }
            if younger { break }
            logger.notice("readings retention: dropping partition \(bound.name) (ride ids below \(bound.upper), \(readings) readings)")
            let started = ContinuousClock.now
            try await c.query(PostgresQuery(unsafeSQL: "ALTER TABLE production.readings DETACH PARTITION production.\(bound.name) CONCURRENTLY"),
                              logger: logger)
            let detached = ContinuousClock.now
            try await c.query(PostgresQuery(unsafeSQL: "DROP TABLE production.\(bound.name)"), logger: logger)
            // Apart, because they differ in kind: the detach is when the readings leave every
            // query, the drop is the file system freeing the partition's files.
            logger.notice("readings retention: partition \(bound.name) detached in \((detached - started).wholeMilliseconds) ms, its files removed in \((ContinuousClock.now - detached).wholeMilliseconds) ms")
            dropped += readings
        }
        return dropped
    }


    private static func add(from lower: Int64, on c: PostgresConnection, logger: Logger) async throws {
        let name = Bound(lower: lower, upper: lower + width).name
        logger.info("adding readings partition \(name) for ride ids \(lower) to \(lower + width - 1)")
        try await c.query(PostgresQuery(unsafeSQL: """
            CREATE TABLE production.\(name) (LIKE production.readings INCLUDING DEFAULTS INCLUDING CONSTRAINTS)
            """), logger: logger)
        try await c.query(PostgresQuery(unsafeSQL: """
            ALTER TABLE production.readings ATTACH PARTITION production.\(name) FOR VALUES FROM (\(lower)) TO (\(lower + width))
            """), logger: logger)
    }
}
