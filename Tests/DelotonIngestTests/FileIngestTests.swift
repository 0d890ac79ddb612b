import DelotonBench
import DelotonCore
import DelotonIngest
import DelotonStore
import DelotonTestSupport
import Foundation
import GRDB
import Logging
import Testing

/// File → SQLite through the real pipeline.
@Suite struct FileIngestTests {
    let logger = Logger(label: "test")

    func ingest(_ path: String, into db: String) async throws -> IngestStats {
        let warehouse = try await Warehouses.open("sqlite:" + db, logger: logger)
        var pipeline = IngestPipeline(warehouse: warehouse, options: IngestOptions(streamZone: Zone(identifier: "Europe/London")!), logger: logger)
        try await FileSource(path: path).run(into: &pipeline)
        try await pipeline.finish()
        try await warehouse.close()
        return pipeline.stats
    }

    /// Every table's rows, in key order, as text: two warehouses are equal when their dumps are.
    static func dump(_ db: String) throws -> [String: [String]] {
        let queue = try DatabaseQueue(path: db)
        return try queue.read { (db: Database) throws -> [String: [String]] in
            var out: [String: [String]] = [:]
            for table in ["riders", "bikes", "rides", "readings", "alerts", "quarantine", "source_positions"] {
                out[table] = try Row.fetchAll(db, sql: "SELECT * FROM \(table) ORDER BY 1, 2").map { $0.description }
            }
            return out
        }
    }

    @Test func realSampleIngestsWithNothingQuarantined() async throws {
        let dir = TestPaths.scratch("sample")
        let stats = try await ingest(TestPaths.realSample, into: dir + "/w.sqlite")
        #expect(stats.quarantined == 0)
        #expect(stats.readings == 498)
        let d = try Self.dump(dir + "/w.sqlite")
        #expect(d["rides"]?.count == 1)
        #expect(d["riders"]?.first?.contains("Steven Pearce") == true)
    }

    @Test func ingestingTwiceChangesNothing() async throws {
        let dir = TestPaths.scratch("twice")
        let file = dir + "/s.jsonl"
        _ = try IngestBench.generate(readings: 20_000, to: file, seed: 3)
        _ = try await ingest(file, into: dir + "/w.sqlite")
        let once = try Self.dump(dir + "/w.sqlite")
        let second = try await ingest(file, into: dir + "/w.sqlite")
        #expect(second.alerts == 0)
        #expect(try Self.dump(dir + "/w.sqlite") == once)
        #expect((once["alerts"]?.count ?? 0) > 0)
    }

    @Test func badLinesAreQuarantinedWithTheirReasonAndTheRestIsKept() async throws {
        let dir = TestPaths.scratch("bad")
        var text = try String(contentsOfFile: TestPaths.realSample, encoding: .utf8)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        var mixed = Array(lines.prefix(20))
        mixed += ["", #"{"log": "2022-07-06 23:29:36.935860 mendoza v9: [INFO]: Telem"#, "not json at all",
                  #"{"log": "2022-07-06 23:29:36.935860 mendoza v9: [INFO]: Telemetry - hrt = x; rpm = 1; power = 1.0\n"}"#]
        mixed += lines.dropFirst(20)
        text = mixed.joined(separator: "\n")
        try text.write(toFile: dir + "/in.jsonl", atomically: true, encoding: .utf8)
        let stats = try await ingest(dir + "/in.jsonl", into: dir + "/w.sqlite")
        #expect(stats.quarantined == 4)
        #expect(stats.readings >= 497)
        let q = try await DatabaseQueue(path: dir + "/w.sqlite").read { db in
            try Row.fetchAll(db, sql: "SELECT position, reason FROM quarantine ORDER BY position").map { "\($0["position"] as Int64): \($0["reason"] as String)" }
        }
        #expect(q.count == 4)
        #expect(q[0] == "21: empty line")
        #expect(q[1].contains("truncated JSON"))
        #expect(q[3].contains("hrt is not a whole number"))
    }
}
