import DelotonCore
@testable import DelotonStore
import DelotonTestSupport
import Foundation
import Logging
import Testing

/// Readings by ride id range on PostgreSQL (`ReadingPartitions`), and readings retention on both
/// warehouses: rides, riders and each ride's figures stay; only readings go.
@Suite("Readings partitions and retention")
struct ReadingsRetentionTests {
    static let logger = Logger(label: "test")

    /// A ride of `seconds` readings by rider `user`, starting `day` days after 6 July 2022 (up to 24: July).
    static func ride(user: Int, day: Int, seconds: Int) -> [String] {
        let start = day * 86_400
        var lines = [StreamFixture.system(start, user: user, name: "Rider \(user)", bike: "SN\(user)")]
        for s in 1...seconds { lines += StreamFixture.reading(start + s, duration: s, hr: 100, rpm: 60, power: 150, resistance: 30) }
        return lines
    }

    static func write(_ lines: [String], to w: any Warehouse, source: String) async throws {
        for batch in StreamFixture.batches(lines: lines, source: source, every: 5_000) { _ = try await w.write(batch) }
    }

    static func readings(_ w: any Warehouse) async throws -> [Int64: Int] {
        var out: [Int64: Int] = [:]
        for row in try await w.sql.query("SELECT x.id, count(g.ride_id) AS n FROM rides x LEFT JOIN readings g ON g.ride_id = x.id GROUP BY x.id") {
            out[try row.decode("id")] = try row.decode("n")
        }
        return out
    }

    @Test("partition bounds read from the catalogue")
    func parseBounds() {
        #expect(ReadingPartitions.parse("FOR VALUES FROM (MINVALUE) TO ('65536')") == .init(lower: .min, upper: 65_536))
        #expect(ReadingPartitions.parse("FOR VALUES FROM ('65536') TO ('131072')") == .init(lower: 65_536, upper: 131_072))
        #expect(ReadingPartitions.parse("DEFAULT") == nil)
        #expect(ReadingPartitions.Bound(lower: .min, upper: 65_536).name == "readings_p0")
    }

    @Test("PostgreSQL: ingest adds partitions ahead of ride ids; retention drops whole old ones; a replay of a dropped ride is skipped")
    func postgresPartitions() async throws {
        let url = try await PostgresServer.freshDatabase()
        let w = try await Warehouses.open(url, logger: Self.logger)
        defer { Task { try? await w.close() } }
        func partitions() async throws -> [String] {
            try await w.sql.query("""
                SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
                WHERE i.inhparent = 'production.readings'::regclass ORDER BY c.relname
                """).map { try $0.decode("name") }
        }
        #expect(try await partitions() == ["readings_p0"])

        // Ride ids jump past three partitions: the writer adds them, and one to spare.
        try await w.sql.execute("SELECT setval(pg_get_serial_sequence('production.rides', 'id'), 200000)")
        let old = Self.ride(user: 1, day: 0, seconds: 600)
        try await Self.write(old, to: w, source: "file:old")
        #expect(try await partitions() == ["readings_p0", "readings_p131072", "readings_p196608", "readings_p262144", "readings_p65536"])
        #expect(try await w.sql.query("SELECT count(*) AS n FROM production.readings_p196608").first?.decode("n") == 600)

        // A ride in the top partition closes the one below; a young ride keeps its own partition.
        try await w.sql.execute("SELECT setval(pg_get_serial_sequence('production.rides', 'id'), 270000)")
        try await Self.write(Self.ride(user: 2, day: 20, seconds: 600), to: w, source: "file:young")
        let cutoff = Instant(microseconds: StreamFixture.instant(ofSecond: 10 * 86_400))
        #expect(try await w.purgeReadings(ofRidesStartedBefore: cutoff) == 600)
        #expect(try await partitions() == ["readings_p262144", "readings_p327680"])
        #expect(try await Self.readings(w) == [200_001: 0, 270_001: 600])
        #expect(try await w.purgeReadings(ofRidesStartedBefore: cutoff) == 0)

        // The old stream again (a replay from Kafka's start): its ride is kept, its readings not.
        try await Self.write(old, to: w, source: "file:old-again")
        #expect(try await Self.readings(w) == [200_001: 0, 270_001: 600])
    }

    @Test("PostgreSQL: a warehouse not yet partitioned (before migration 8) still takes batches")
    func postgresBeforePartitioning() async throws {
        let url = try await PostgresServer.freshDatabase()
        let connection = try await PostgresConnector.connect(try PostgresSettings(url: url), logger: Self.logger, id: 1)
        _ = try await PostgresSchema.migrate(connection, logger: Self.logger, upTo: 7)
        // The columns of migration 9, which the writer needs whatever the readings table is.
        try await connection.query("""
            ALTER TABLE production.rides ADD COLUMN hr_histogram TEXT NOT NULL DEFAULT '',
                                         ADD COLUMN power_histogram TEXT NOT NULL DEFAULT ''
            """, logger: Self.logger)
        try await connection.close()
        let w = try await Warehouses.open(url, migrate: false, logger: Self.logger)
        defer { Task { try? await w.close() } }
        try await Self.write(Self.ride(user: 1, day: 0, seconds: 600), to: w, source: "file:old")
        #expect(try await Self.readings(w).values.sorted() == [600])
        #expect(try await w.purgeReadings(ofRidesStartedBefore: Instant(microseconds: Int64.max)) == 0)
    }

    @Test("PostgreSQL: a replay through a process that has not seen retention drop the partition is retried, then skipped")
    func postgresStaleProcess() async throws {
        let url = try await PostgresServer.freshDatabase()
        let ingest = try await Warehouses.open(url, logger: Self.logger), other = try await Warehouses.open(url, logger: Self.logger)
        defer { Task { try? await ingest.close(); try? await other.close() } }
        try await ingest.sql.execute("SELECT setval(pg_get_serial_sequence('production.rides', 'id'), 100000)")
        let old = Self.ride(user: 1, day: 0, seconds: 600)
        try await Self.write(old, to: ingest, source: "file:old")
        try await ingest.sql.execute("SELECT setval(pg_get_serial_sequence('production.rides', 'id'), 270000)")
        try await Self.write(Self.ride(user: 2, day: 20, seconds: 10), to: ingest, source: "file:young")
        _ = try await other.purgeReadings(ofRidesStartedBefore: Instant(microseconds: StreamFixture.instant(ofSecond: 10 * 86_400)))
        var batches = StreamFixture.batches(lines: old, source: "file:again", every: 5_000)[...]
        do {
            for batch in batches { _ = try await ingest.write(batch); batches = batches.dropFirst() }
        } catch let e as WarehouseError {
            #expect(e.kind == .unavailable, "\(e)")
        }
        for batch in batches { _ = try await ingest.write(batch) }
        #expect(try await Self.readings(ingest)[100_001] == 0)
    }

    @Test("SQLite: retention deletes the old rides' readings in chunks and keeps the rides")
    func sqliteRetention() async throws {
        let dir = TestPaths.scratch("retention")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let w = try await Warehouses.open("sqlite:" + dir + "/w.sqlite", logger: Self.logger)
        defer { Task { try? await w.close() } }
        // More readings than one chunk, so the purge goes round more than once.
        try await Self.write(Self.ride(user: 1, day: 0, seconds: SQLiteWarehouse.retentionChunk + 500), to: w, source: "file:old")
        try await Self.write(Self.ride(user: 2, day: 20, seconds: 600), to: w, source: "file:young")
        let before = try await Self.readings(w)
        let rides = try await RideQueries(w.sql).rides(RideFilter(), limit: 10).items
        let purged = try await w.purgeReadings(ofRidesStartedBefore: Instant(microseconds: StreamFixture.instant(ofSecond: 10 * 86_400)))
        #expect(purged == SQLiteWarehouse.retentionChunk + 500)
        let after = try await Self.readings(w)
        #expect(after.values.sorted() == [0, 600] && before.values.sorted() == [600, SQLiteWarehouse.retentionChunk + 500])
        // The rides keep their figures: only the readings went.
        #expect(try await RideQueries(w.sql).rides(RideFilter(), limit: 10).items == rides)
    }
}
