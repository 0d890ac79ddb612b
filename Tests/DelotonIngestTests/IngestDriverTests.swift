import DelotonCore
@testable import DelotonIngest
import DelotonStore
import DelotonTestSupport
import Foundation
import GRDB
import Logging
import Testing

/// The driver against a real SQLite warehouse, without a broker: partitions are assigned and
/// revoked by hand as the Kafka source would.
@Suite struct IngestDriverTests {
    let logger = Logger(label: "test")
    let options = IngestOptions(streamZone: Zone(identifier: "Europe/London") ?? .utc)

    /// One simulated bike's lines, as Kafka message values or (with `keyed`) file lines.
    func simulated(bikes: Int = 1, rides: Int = 1, keyed: Bool = false) -> [String] {
        var sim = StreamSimulator(seed: 5, bikes: bikes, rides: rides,
                                  start: LocalDateTime(year: 2026, month: 6, day: 1, hour: 8, minute: 0, second: 0),
                                  minSeconds: 30, maxSeconds: 60)
        var values: [String] = []
        while let line = sim.next() { values.append(WireFormat.message(line.text, key: keyed ? line.bike : nil)) }
        return values
    }

    @Test("a warehouse written before the driver resumes at its saved position and carries on its open ride")
    func oldWarehouseResumes() async throws {
        let db = TestPaths.scratch("driver-resume") + "/w.sqlite"
        let values = simulated()
        let half = values.count / 2
        // Half a ride as the earlier Kafka source stored it with --stream-by key: the position under
        // kafka:TOPIC/PARTITION, the ride's stream kafka:TOPIC/key=KEY, both spelled out here.
        let first = try await Warehouses.open("sqlite:" + db, logger: logger)
        var earlier = IngestPipeline(warehouse: first, options: options, logger: logger)
        for (offset, value) in values.prefix(half).enumerated() {
            Array(value.utf8).withUnsafeBufferPointer {
                earlier.accept($0, source: "kafka:rides/0", position: Int64(offset), stream: "kafka:rides/key=SN0000")
            }
        }
        try await earlier.drainAndWait()
        try await first.close()

        let warehouse = try await Warehouses.open("sqlite:" + db, logger: logger)
        var driver = IngestDriver(warehouse: warehouse, options: options, logger: logger, partitionPrefix: "kafka:rides/")
        let resume = try await driver.assigned([0])
        #expect(resume == [0: Int64(half)])
        var names = KeyedStreamNames.byMessageKey(topic: "rides")
        // The whole partition again, as a consumer whose group committed nothing would read it.
        for (offset, value) in values.enumerated() {
            guard let source = driver.take(partition: 0, offset: Int64(offset)) else { continue }
            Array(value.utf8).withUnsafeBufferPointer {
                driver.line($0, source: source, position: Int64(offset), stream: names.name("SN0000"))
            }
        }
        let read = try await driver.revoked([0])
        #expect(read == [0: Int64(values.count)])
        try await driver.finish()
        try await warehouse.close()
        #expect(driver.stats.lines == values.count - half)
        #expect(driver.stats.quarantined == 0, "the open ride carried on: nothing was left without a ride")

        let queue = try DatabaseQueue(path: db)
        let rides = try await queue.read { db in try String.fetchAll(db, sql: "SELECT stream FROM rides") }
        #expect(rides == ["kafka:rides/key=SN0000"])
        let positions = try await queue.read { db in try Row.fetchAll(db, sql: "SELECT source, position FROM source_positions") }
        #expect(positions.map { $0["source"] as String } == ["kafka:rides/0"])
        #expect(positions.first?["position"] == Int64(values.count))
    }

    @Test("a file's lines go to one stream per line key, named FILE#KEY as warehouses hold them")
    func fileStreamsByLineKey() async throws {
        let dir = TestPaths.scratch("driver-file")
        let path = dir + "/s.jsonl"
        try (simulated(bikes: 2, rides: 2, keyed: true).joined(separator: "\n") + "\n")
            .write(toFile: path, atomically: true, encoding: .utf8)
        let warehouse = try await Warehouses.open("sqlite:" + dir + "/w.sqlite", logger: logger)
        var driver = IngestDriver(warehouse: warehouse, options: options, logger: logger)
        let file = FileSource(path: path)
        try await file.run(into: &driver)
        try await driver.finish()
        try await warehouse.close()
        #expect(driver.stats.quarantined == 0)
        let streams = try await DatabaseQueue(path: dir + "/w.sqlite").read { db in
            try String.fetchAll(db, sql: "SELECT DISTINCT stream FROM rides ORDER BY 1")
        }
        #expect(streams == [file.sourceName + "#SN0000", file.sourceName + "#SN0001"])
    }
}
