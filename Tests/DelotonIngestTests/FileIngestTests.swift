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

    /// The file is read and parsed a chunk at a time on a task of its own: the warehouse must
    /// come out as the same lines fed one at a time leave it, bad lines and quarantine included.
    @Test func chunkedReadingGivesWhatLineByLineGives() async throws {
        let dir = TestPaths.scratch("chunks")
        let file = dir + "/s.jsonl"
        _ = try IngestBench.generate(readings: 12_000, to: file, seed: 5)
        // Bad lines spread over several 1 MiB chunks, and a last line without its newline.
        var lines = try String(contentsOfFile: file, encoding: .utf8).split(separator: "\n").map(String.init)
        for at in stride(from: lines.count - 1, to: 0, by: -4_001) { lines.insert("not json \(at)", at: at) }
        try lines.joined(separator: "\n").write(toFile: file, atomically: true, encoding: .utf8)
        #expect(FileSource(path: file).size ?? 0 > 2 << 20)  // three 1 MiB chunks at least

        let chunked = try await ingest(file, into: dir + "/chunked.sqlite")

        let warehouse = try await Warehouses.open("sqlite:" + dir + "/single.sqlite", logger: logger)
        var pipeline = IngestPipeline(warehouse: warehouse, options: IngestOptions(streamZone: Zone(identifier: "Europe/London")!),
                                      logger: logger)
        let source = FileSource(path: file).sourceName
        for (k, line) in lines.enumerated() {
            Array(line.utf8).withUnsafeBufferPointer {
                pipeline.accept($0, source: source, position: Int64(k + 1), stream: source, splitByMessageKey: true)
            }
            if k % 4_000 == 0 { try await pipeline.tick() }
        }
        try await pipeline.finish()
        try await warehouse.close()

        #expect(chunked.lines == lines.count)
        #expect(chunked.quarantined == pipeline.stats.quarantined)
        #expect(chunked.quarantined >= 5)
        #expect(chunked.readings == pipeline.stats.readings)
        // Ride ids follow the order batches insert rides in, and rows carry when they were written:
        // the rows are compared by what they say.
        let a = try Self.content(dir + "/chunked.sqlite"), b = try Self.content(dir + "/single.sqlite")
        for (table, rows) in a { #expect(rows == b[table], "\(table)") }
        #expect((a["readings"]?.count ?? 0) == chunked.readings)
    }

    /// Rides, readings, alerts, quarantine and positions without ids or write times.
    static func content(_ db: String) throws -> [String: [String]] {
        let queries = [
            "rides": "SELECT rider_id, bike_serial, started_at, stream, start_time, end_time, in_progress, reading_count, "
                + "hr_sum, power_sum, alert_raised FROM rides ORDER BY 1, 2, 3",
            "readings": "SELECT r.rider_id, r.started_at, g.elapsed_s, g.time, g.heart_rate, g.rpm, g.power_w, g.resistance "
                + "FROM readings g JOIN rides r ON r.id = g.ride_id ORDER BY 1, 2, 3",
            "alerts": "SELECT rider_id, raised_at, samples FROM alerts ORDER BY 1, 2",
            "quarantine": "SELECT source, position, raw, reason FROM quarantine ORDER BY 1, 2",
            "source_positions": "SELECT * FROM source_positions ORDER BY 1",
            "riders": "SELECT * FROM riders ORDER BY 1",
        ]
        let queue = try DatabaseQueue(path: db)
        return try queue.read { (db: Database) throws -> [String: [String]] in
            try queries.mapValues { sql in try Row.fetchAll(db, sql: sql).map { $0.description } }
        }
    }
}
