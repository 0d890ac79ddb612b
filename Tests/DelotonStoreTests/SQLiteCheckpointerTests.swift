import DelotonCore
import DelotonStore
import DelotonTestSupport
import Foundation
import GRDB
import Logging
import Testing

/// Commits only append to the write-ahead log; the warehouse's own thread copies it into the
/// database file, so no ingest commit waits for that file's fsync.
@Suite(.timeLimit(.minutes(1)))
struct SQLiteCheckpointerTests {
    /// A new SQLite warehouse in a scratch folder holding the real sample, and its path.
    static func sampleWarehouse(_ name: String) async throws -> (any Warehouse, String) {
        let path = TestPaths.scratch(name) + "/w.sqlite"
        let warehouse = try await Warehouses.open("sqlite:" + path, logger: Logger(label: "test"))
        for batch in StreamFixture.batches(lines: try StreamFixture.realSample, source: "file:sample") {
            _ = try await warehouse.write(batch)
        }
        return (warehouse, path)
    }

    @Test("what ingest commits reaches the database file while no commit checkpoints")
    func logIsCheckpointedInTheBackground() async throws {
        let (warehouse, path) = try await Self.sampleWarehouse("sqlite-checkpoint")
        let autocheckpoint = try await warehouse.sql.query("PRAGMA wal_autocheckpoint").first?.values.first
        #expect(autocheckpoint == .int(16_384), "the warehouse's connections leave checkpoints to its thread until 64 MB of log")
        let reader = try DatabaseQueue(path: path)
        let (pages, pageSize) = try await reader.read { db in
            (try Int.fetchOne(db, sql: "PRAGMA page_count") ?? 0, try Int.fetchOne(db, sql: "PRAGMA page_size") ?? 0)
        }
        try reader.close()

        // The database file holds every page once a checkpoint has copied the log into it.
        func fileBytes() -> Int { ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int) ?? 0 }
        let deadline = ContinuousClock.now + .seconds(20)
        while fileBytes() < pages * pageSize, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(pages > 10)
        #expect(fileBytes() >= pages * pageSize, "the log was not copied into the database file")
        let rides = try await warehouse.sql.query("SELECT count(*) AS n FROM rides").first?.decode("n", as: Int64.self)
        #expect(rides ?? 0 > 0)
        try await warehouse.close()
    }

    @Test("after close (twice) the database file alone holds everything, even when no checkpoint ran before")
    func closeLeavesNoLog() async throws {
        let (warehouse, path) = try await Self.sampleWarehouse("sqlite-close")
        let rides = try await warehouse.sql.query("SELECT count(*) AS n FROM rides").first?.decode("n", as: Int64.self) ?? 0
        try await warehouse.close()
        try await warehouse.close()

        let log = (try? FileManager.default.attributesOfItem(atPath: path + "-wal"))?[.size] as? Int ?? 0
        #expect(log == 0, "the write-ahead log still holds \(log) bytes")
        // Copied on its own, without the log, the file still has every ride.
        let copy = path + ".copy"
        try FileManager.default.copyItem(atPath: path, toPath: copy)
        let reader = try DatabaseQueue(path: copy)
        let copied = try await reader.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM rides") ?? 0 }
        try reader.close()
        #expect(rides > 0)
        #expect(copied == rides)
    }
}
