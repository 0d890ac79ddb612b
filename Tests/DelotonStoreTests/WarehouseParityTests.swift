import DelotonCore
import DelotonStore
import DelotonTestSupport
import Foundation
import Logging
import Testing

/// The same batches written to SQLite and to PostgreSQL leave the same rows behind.
@Suite("Warehouse parity: SQLite and PostgreSQL")
struct WarehouseParityTests {
    static let logger = Logger(label: "test")

    static func sqlite() async throws -> (any Warehouse, String) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dlst-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let warehouse = try await Warehouses.open("sqlite:\(dir)/w.sqlite", logger: logger)
        return (warehouse, dir)
    }

    static func postgres() async throws -> any Warehouse {
        try await Warehouses.open(try await PostgresServer.freshDatabase(), logger: logger)
    }

    struct Totals: Equatable {
        var ended = 0, alerts = 0, tombstoned = 0, rides = 0, newReadings = 0
    }

    static func write(_ batches: [IngestBatch], to warehouse: any Warehouse) async throws -> Totals {
        var t = Totals()
        for batch in batches {
            let outcome = try await warehouse.write(batch)
            t.ended += outcome.endedRideIDs.count
            t.alerts += outcome.newAlertIDs.count
            t.tombstoned += outcome.tombstonedRides
            t.rides += outcome.rideIDs.count
            t.newReadings += outcome.newReadings
        }
        return t
    }

    static func parity(_ batches: [IngestBatch], setUp: [SQL] = []) async throws -> (WarehouseDump, Totals) {
        let (lite, dir) = try await sqlite()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let pg = try await postgres()
        for statement in setUp {
            try await lite.sql.execute(statement)
            try await pg.sql.execute(statement)
        }
        let liteTotals = try await write(batches, to: lite)
        let pgTotals = try await write(batches, to: pg)
        let liteDump = try await WarehouseDump.read(lite)
        let pgDump = try await WarehouseDump.read(pg)
        #expect(liteTotals == pgTotals)
        // Every stored reading was counted new exactly once, however often it was written.
        #expect(pgTotals.newReadings == pgDump.tables["readings"]?.count ?? 0)
        #expect(liteDump.difference(from: pgDump) == nil, "\(liteDump.difference(from: pgDump) ?? "")")
        #expect(try await lite.openRides(streamPrefix: "") == pg.openRides(streamPrefix: ""))
        #expect(try await lite.sourcePositions(prefix: "") == pg.sourcePositions(prefix: ""))
        try await lite.close()
        try await pg.close()
        return (pgDump, pgTotals)
    }

    @Test("real sample, in batches of 50 lines (bound inserts) and of the whole file (COPY)")
    func realSample() async throws {
        let lines = try StreamFixture.realSample
        let (small, totals) = try await Self.parity(StreamFixture.batches(lines: lines, source: "file:real", every: 50))
        #expect((small.tables["readings"]?.count ?? 0) > 100)
        #expect(totals.ended > 0)
        let (whole, _) = try await Self.parity(StreamFixture.batches(lines: lines, source: "file:real", every: 100_000))
        #expect(small == whole)
    }

    @Test("hand-made stream: alerts, quarantine, replays, tombstones, rides left open")
    func handMade() async throws {
        let lines = StreamFixture.handMade
        let tombstones = StreamFixture.tombstones(startOf: StreamFixture.instant(ofSecond: 90))
        var batches = StreamFixture.batches(lines: lines, source: "file:hand", every: 7, finish: false)
        // A replay of the whole stream from another source (a redelivery), which must change nothing
        // but its own quarantine and position, then the end of the open ride.
        batches += StreamFixture.batches(lines: lines, source: "file:replay", every: 1000)
        let (dump, totals) = try await Self.parity(batches, setUp: tombstones)
        #expect(dump.tables["alerts"]?.count == 2)
        #expect(totals.alerts == 2)
        #expect(totals.tombstoned > 0)
        #expect(dump.tables["riders"]?.contains { $0.first == .int(902) } == false)
        #expect(dump.tables["rides"]?.contains { $0.first == .int(903) } == false)
        #expect((dump.tables["quarantine"]?.count ?? 0) >= 8)
    }

    @Test("writing every batch twice leaves the same rows as writing it once")
    func idempotent() async throws {
        let batches = StreamFixture.batches(lines: try StreamFixture.realSample + StreamFixture.handMade, source: "file:x", every: 40)
        let once = try await Self.postgres()
        _ = try await Self.write(batches, to: once)
        let twice = try await Self.postgres()
        var repeatedAlerts = 0, repeatedReadings = 0
        for batch in batches {
            _ = try await twice.write(batch)
            let repeated = try await twice.write(batch)
            repeatedAlerts += repeated.newAlertIDs.count
            repeatedReadings += repeated.newReadings
        }
        #expect(repeatedAlerts == 0)
        #expect(repeatedReadings == 0)
        let a = try await WarehouseDump.read(once), b = try await WarehouseDump.read(twice)
        #expect(a.difference(from: b) == nil, "\(a.difference(from: b) ?? "")")
        // And writing everything again afterwards changes nothing.
        let again = try await Self.write(batches, to: twice)
        #expect(again.alerts == 0 && again.ended == 0 && again.newReadings == 0)
        #expect(try await WarehouseDump.read(twice) == a)
        try await once.close()
        try await twice.close()
    }

    @Test("an alert recorded as not to be mailed (back-filled history) is failed with its reason, never due, on both")
    func unmailedAlerts() async throws {
        var batches = StreamFixture.batches(lines: StreamFixture.handMade, source: "file:hand", every: 1000)
        for b in batches.indices {
            for r in batches[b].rides.indices where batches[b].rides[r].alert != nil {
                batches[b].rides[r].alert?.unmailedReason = "not mailed: history"
            }
        }
        let (lite, dir) = try await Self.sqlite()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let pg = try await Self.postgres()
        for warehouse in [lite, pg] {
            #expect(try await Self.write(batches, to: warehouse).alerts == 2)
            let rows = try await warehouse.sql.query("SELECT status, last_error FROM alerts")
            #expect(try rows.count == 2 && rows.allSatisfy { try $0.decode("status", as: String.self) == "failed" && $0.decode("last_error", as: String?.self) == "not mailed: history" },
                    "\(warehouse.kind)")
            #expect(try await AlertOutbox(warehouse.sql).due(at: Instant(microseconds: .max), limit: 10).isEmpty)
            try await warehouse.close()
        }
    }
}
