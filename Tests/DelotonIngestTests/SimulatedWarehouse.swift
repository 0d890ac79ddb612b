import DelotonBench
import DelotonIngest
import DelotonStore
import DelotonTestSupport
import Foundation
import Logging

/// A warehouse of either kind holding a simulated stream, ingested in the process: for tests of
/// what reads the rides back.
enum SimulatedWarehouse {
    /// `kind` is `sqlite` (a file under `name`'s scratch folder) or `postgresql` (a fresh database).
    static func ingested(_ kind: String, name: String, readings: Int, seed: UInt64, logger: Logger) async throws -> any Warehouse {
        let dir = TestPaths.scratch("\(name)-\(kind)")
        try? FileManager.default.removeItem(atPath: dir)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let url = kind == "sqlite" ? "sqlite:" + dir + "/w.sqlite" : try await PostgresServer.freshDatabase()
        _ = try IngestBench.generate(readings: readings, to: dir + "/s.jsonl", seed: seed)
        let warehouse = try await Warehouses.open(url, migrate: true, logger: logger)
        var pipeline = IngestPipeline(warehouse: warehouse, options: IngestOptions(streamZone: .utc), logger: logger)
        try await FileSource(path: dir + "/s.jsonl").run(into: &pipeline)
        try await pipeline.finish()
        return warehouse
    }
}
