import DelotonCore
import DelotonIngest
import DelotonStore
import DelotonTestSupport
import Foundation
import Logging
import Synchronization
import Testing

/// `--ride-idle-timeout` measures the silence of a stream, not of ingest: time the pipeline spent
/// waiting for the warehouse does not count, so an outage longer than the timeout ends no ride
/// and the readings that follow it carry on the same ride.
@Suite(.serialized) struct StallIsNotSilenceTests {
    let logger = Logger(label: "test")

    /// A real SQLite warehouse that answers `.unavailable` while `down` is set, as a stopped
    /// server does; the pipeline's retry loop then holds the batch, as in production.
    final class OutageWarehouse: Warehouse {
        let base: any Warehouse
        private let isDown = Mutex(false)
        var kind: WarehouseKind { base.kind }
        var sql: any SQLExecutor { base.sql }
        var staging: any ProfileStaging { base.staging }
        var changes: any ChangeFeed { base.changes }

        init(_ base: any Warehouse) { self.base = base }

        var down: Bool {
            get { isDown.withLock { $0 } }
            set { isDown.withLock { $0 = newValue } }
        }

        func migrate() async throws -> [String] { try await base.migrate() }
        func write(_ batch: IngestBatch) async throws -> WriteOutcome {
            if down { throw WarehouseError(.unavailable, "the test stopped the warehouse") }
            return try await base.write(batch)
        }
        func openRides(streamPrefix: String) async throws -> [OpenRide] { try await base.openRides(streamPrefix: streamPrefix) }
        func sourcePositions(prefix: String) async throws -> [String: Int64] { try await base.sourcePositions(prefix: prefix) }
        func purgeReadings(ofRidesStartedBefore cutoff: Instant) async throws -> Int {
            try await base.purgeReadings(ofRidesStartedBefore: cutoff)
        }
        func close() async throws { try await base.close() }
    }

    /// One ride of 498 readings, as wire lines.
    static func lines() throws -> [String] {
        try String(contentsOfFile: TestPaths.realSample, encoding: .utf8).split(separator: "\n").map(String.init)
    }

    static func feed(_ lines: ArraySlice<String>, to pipeline: inout IngestPipeline) {
        for (position, line) in zip(lines.indices, lines) {
            Array(line.utf8).withUnsafeBufferPointer {
                pipeline.accept($0, source: "file:stall", position: Int64(position), stream: "bike")
            }
        }
    }

    func pipeline(_ name: String) async throws -> (IngestPipeline, OutageWarehouse) {
        let base = try await Warehouses.open("sqlite:" + TestPaths.scratch(name) + "/w.sqlite", logger: logger)
        let warehouse = OutageWarehouse(base)
        let options = IngestOptions(streamZone: .utc, rideIdleTimeout: .milliseconds(300))
        return (IngestPipeline(warehouse: warehouse, options: options, logger: logger), warehouse)
    }

    @Test("an outage longer than the idle timeout ends no ride; its readings carry on after it")
    func anOutageIsNotSilence() async throws {
        let lines = try Self.lines()
        var (pipeline, warehouse) = try await pipeline("stall")
        Self.feed(lines[0..<100], to: &pipeline)
        // Committed before the outage begins: a first batch still in hand would retry until the
        // restore below, which only starts after the next flush returns.
        try await pipeline.drainAndWait()
        warehouse.down = true
        Self.feed(lines[100..<200], to: &pipeline)
        // Handed over: its write now retries while the warehouse is down.
        try await pipeline.flush()
        let restore = Task {
            try await Task.sleep(for: .seconds(2))
            warehouse.down = false
        }
        Self.feed(lines[200..<300], to: &pipeline)
        // Waits for the batch before: the pipeline reads nothing for 2 s, over six idle timeouts.
        try await pipeline.flush()
        try await restore.value
        // The stream spoke at line 299, no time ago on the source's clock.
        try await pipeline.tick()
        Self.feed(lines[300...], to: &pipeline)
        try await pipeline.finish()
        try await warehouse.close()
        #expect(pipeline.stats.ridesEnded == 1)
        #expect(pipeline.stats.readings == 498)
        #expect(pipeline.stats.quarantined == 0)
    }

    @Test("a stream silent past the idle timeout while ingest runs freely still has its ride ended")
    func realSilenceStillEndsTheRide() async throws {
        let lines = try Self.lines()
        var (pipeline, warehouse) = try await pipeline("silence")
        Self.feed(lines[0..<100], to: &pipeline)
        try await pipeline.flush()
        try await Task.sleep(for: .milliseconds(600))
        try await pipeline.tick()
        try await pipeline.drainAndWait()
        try await warehouse.close()
        #expect(pipeline.stats.ridesEnded == 1)
    }
}
