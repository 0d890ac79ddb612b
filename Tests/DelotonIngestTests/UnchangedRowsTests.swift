import DelotonBench
import DelotonCore
import DelotonIngest
import DelotonStore
import DelotonTestSupport
import Foundation
import Logging
import Testing

/// Every batch offers the rider and bike of each ride it touches; a row that would not change is
/// left as it is, not rewritten to the same values. On PostgreSQL a rewrite shows as a new `xmin`.
@Suite struct UnchangedRowsTests {
    let logger = Logger(label: "test")

    @Test func aReplayRewritesNoRiderOrBike() async throws {
        let url = try await PostgresServer.freshDatabase(), dir = TestPaths.scratch("unchanged-rows")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        _ = try IngestBench.generate(readings: 20_000, to: dir + "/s.jsonl", seed: 21)
        try await ingest(url, file: dir + "/s.jsonl")
        let warehouse = try await Warehouses.open(url, migrate: false, logger: logger)
        defer { Task { try? await warehouse.close() } }
        let before = try await versions(warehouse)
        #expect(before.count > 10)

        // The same stream again under another name: the same rides, riders and bikes.
        try FileManager.default.copyItem(atPath: dir + "/s.jsonl", toPath: dir + "/again.jsonl")
        try await ingest(url, file: dir + "/again.jsonl")
        #expect(try await versions(warehouse) == before, "a replay rewrote riders or bikes it already held")
    }

    func ingest(_ url: String, file: String) async throws {
        let warehouse = try await Warehouses.open(url, migrate: true, logger: logger)
        var options = IngestOptions(streamZone: .utc)
        options.maxBatchReadings = 500
        var pipeline = IngestPipeline(warehouse: warehouse, options: options, logger: logger)
        try await FileSource(path: file).run(into: &pipeline)
        try await pipeline.finish()
        try await warehouse.close()
    }

    /// Each rider's and bike's row version.
    func versions(_ warehouse: any Warehouse) async throws -> [String: String] {
        var out: [String: String] = [:]
        for row in try await warehouse.sql.query("""
            SELECT 'rider ' || id AS k, CAST(xmin AS TEXT) AS v FROM riders
            UNION ALL SELECT 'bike ' || serial, CAST(xmin AS TEXT) FROM bikes
            """) {
            out[try row.decode("k")] = try row.decode("v")
        }
        return out
    }
}
