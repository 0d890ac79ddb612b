@testable import DelotonBench
import DelotonStore
import DelotonTestSupport
import Foundation
import Logging
import Testing

/// The fleet bench's yardstick for retention's drop: the partitions' bytes it counts, and the
/// removal of a file of that size on the same file system.
@Suite struct FleetBenchTests {
    @Test func partitionBytesAndTheSameSizeFile() async throws {
        let dir = TestPaths.scratch("fleet-bench")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let logger = Logger(label: "test")
        let postgres = try await Warehouses.open(try await PostgresServer.freshDatabase(), logger: logger)
        #expect(try await FleetBench.partitionBytes(postgres) > 0, "even empty partitions have their index's first page")
        try await postgres.close()
        let sqlite = try await Warehouses.open("sqlite:" + dir + "/w.sqlite", logger: logger)
        #expect(try await FleetBench.partitionBytes(sqlite) == 0, "SQLite's readings are not partitioned")
        try await sqlite.close()

        let seconds = try FleetBench.removingAFile(of: 20_000_001, in: dir)
        #expect(seconds >= 0)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).allSatisfy { !$0.hasPrefix("same-size") })
    }
}
