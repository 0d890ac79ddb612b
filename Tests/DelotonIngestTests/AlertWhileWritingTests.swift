import DelotonBench
import DelotonCore
import DelotonIngest
import DelotonStore
import DelotonTestSupport
import Foundation
import Logging
import Synchronization
import Testing

/// A batch holding an alert goes as soon as the writer is free; while a write is in flight the
/// pipeline keeps reading instead of waiting for it (a batch per alert made a busy stream's
/// batches small and ingest slow).
@Suite struct AlertWhileWritingTests {
    let logger = Logger(label: "test")

    /// A real SQLite warehouse whose writes wait while the test holds them.
    final class GatedWarehouse: Warehouse {
        let base: any Warehouse
        private let state = Mutex((held: true, writes: 0))
        var kind: WarehouseKind { base.kind }
        var sql: any SQLExecutor { base.sql }
        var staging: any ProfileStaging { base.staging }
        var changes: any ChangeFeed { base.changes }

        init(_ base: any Warehouse) { self.base = base }

        func release() { state.withLock { $0.held = false } }
        var writes: Int { state.withLock { $0.writes } }

        func migrate() async throws -> [String] { try await base.migrate() }
        func write(_ batch: IngestBatch) async throws -> WriteOutcome {
            while state.withLock({ $0.held }) { try await Task.sleep(for: .milliseconds(5)) }
            let outcome = try await base.write(batch)
            state.withLock { $0.writes += 1 }
            return outcome
        }
        func openRides(streamPrefix: String) async throws -> [OpenRide] { try await base.openRides(streamPrefix: streamPrefix) }
        func sourcePositions(prefix: String) async throws -> [String: Int64] { try await base.sourcePositions(prefix: prefix) }
        func purgeReadings(ofRidesStartedBefore cutoff: Instant) async throws -> Int {
            try await base.purgeReadings(ofRidesStartedBefore: cutoff)
        }
        func close() async throws { try await base.close() }
    }

    @Test(.timeLimit(.minutes(2)))
    func anAlertWaitsForTheWriterWithoutStoppingTheReading() async throws {
        let dir = TestPaths.scratch("alert-writing")
        _ = try IngestBench.generate(readings: 20_000, to: dir + "/s.jsonl", seed: 3)
        let lines = try String(contentsOfFile: dir + "/s.jsonl", encoding: .utf8).split(separator: "\n").map(String.init)
        let warehouse = GatedWarehouse(try await Warehouses.open("sqlite:" + dir + "/w.sqlite", logger: logger))
        var options = IngestOptions(streamZone: .utc)
        // Neither size nor age makes a batch due here: only the alert.
        options.maxBatchReadings = 1_000_000
        options.maxBatchDelay = .seconds(600)
        var pipeline = IngestPipeline(warehouse: warehouse, options: options, logger: logger)
        func feed(_ part: ArraySlice<String>) {
            for (k, line) in zip(part.indices, part) {
                Array(line.utf8).withUnsafeBufferPointer {
                    pipeline.accept($0, source: "file:s", position: Int64(k + 1), stream: "file:s", splitByMessageKey: true)
                }
            }
        }

        // A first batch goes to the writer, which the test holds.
        feed(lines[0..<100])
        try await pipeline.tick(caughtUp: true)
        // The rest raises alerts while that write is in flight: ticks hand nothing over and
        // return at once (waiting here would never end, the test still holds the writer).
        feed(lines[100...])
        #expect(!pipeline.isBatchFull)
        try await pipeline.tick()
        #expect(warehouse.writes == 0)

        // Once the writer is free, the alert's batch is due.
        warehouse.release()
        for _ in 0..<1_000 where !pipeline.isBatchFull { try await Task.sleep(for: .milliseconds(10)) }
        #expect(pipeline.isBatchFull)
        try await pipeline.tick()
        try await pipeline.finish()
        #expect(pipeline.stats.alerts > 0)
        #expect(pipeline.stats.lines == lines.count)
        #expect(pipeline.stats.quarantined == 0)
        try await warehouse.close()
    }
}
