import DelotonCore
import DelotonStore
import Foundation
import Logging

/// A warehouse at fleet size (issue 19's figures): filled by `deloton ingest` processes, round by
/// round, each round a day of simulated rides; then a day of `dayReadings` readings that ends now,
/// whose report, dashboard window and `/daily` pages are timed as users get them; then a month of
/// readings dropped by retention. Every step runs this binary as a process of its own, as a user
/// runs it, except the drop, which is the call `ingest --readings-retention` makes hourly.
public enum FleetBench {
    public struct Options: Sendable {
        public var database: String
        /// This binary: `simulate`, `ingest`, `report` and `serve` run as its processes.
        public var binary: String
        public var readings = 50_000_000
        public var roundReadings = 2_000_000
        public var dayReadings = 10_000_000
        public var dailyRides = 10_000

        public init(database: String, binary: String) { self.database = database; self.binary = binary }
    }

    static let zone = Zone(identifier: "Europe/London")

    public static func run(_ options: Options, scratch: String, logger: Logger, say: (String) -> Void) async throws {
        guard let zone else { throw APIBench.BenchError(description: "the zone Europe/London is not installed (tzdata)") }
        let warehouse = try await Warehouses.open(options.database, migrate: true, logger: logger)
        defer { Task { try? await warehouse.close() } }
        guard try await warehouse.sql.query("SELECT 1 AS one FROM rides LIMIT 1").isEmpty else {
            throw APIBench.BenchError(description: "the fleet bench needs a warehouse with no rides: it fills it and times that")
        }
        let now = Instant(seconds: Date().timeIntervalSince1970)
        let today = zone.date(of: now)

        // Rounds of the same shape (200 bikes, one day each, oldest first), so that the first
        // round's rate (an empty table) and the last's (a full one) compare like with like.
        let rounds = max(0, (options.readings - options.dayReadings) / max(1, options.roundReadings))
        var rates: [Double] = []
        for round in 0..<rounds {
            let day = today.adding(days: -(rounds - round) - 31)
            let (added, seconds) = try await load(options, warehouse: warehouse, scratch: scratch, seed: round + 1,
                                                 readings: options.roundReadings, bikes: 200, start: "\(day)T06:00:00")
            rates.append(Double(added) / seconds)
            say("round \(round + 1)/\(rounds) (\(day)): \(count(added)) readings in \(fixed(seconds)) s, "
                + "\(count(Int(rates[round])))/s; table \(count(try await stored(warehouse))) readings")
        }
        if rates.count >= 4 {
            let atSize = rates.suffix(3).sorted()[1], empty = rates[0]
            say("loading at size: \(count(Int(atSize)))/s (median of the last 3 rounds) vs \(count(Int(empty)))/s into the "
                + "empty table: \(percent(atSize / empty))")
        }

        // The day that ends now: 1,000 bikes riding at once.
        let (added, seconds) = try await load(options, warehouse: warehouse, scratch: scratch, seed: 1_000,
                                             readings: options.dayReadings, bikes: 1_000, start: nil)
        say("today (\(today)): \(count(added)) readings in \(fixed(seconds)) s, \(count(Int(Double(added) / seconds)))/s; "
            + "table \(count(try await stored(warehouse))) readings")

        let report = try timed(options.binary, ["report", "--date", "\(today)", "--out", scratch + "/report", "--database",
                                                options.database, "--timezone", "Europe/London", "--log-level", "error"])
        say("report of \(today) (\(count(added)) readings), the whole `deloton report` process: \(fixed(report.seconds)) s")

        try await dashboard(options, say: say)

        var daily = DailyBench.Options()
        daily.rides = options.dailyRides
        daily.seconds = 10
        say("GET /daily of a \(count(options.dailyRides))-ride day (\(daily.day)), filled now:")
        _ = try await DailyBench.run(warehouse, options: daily, serve: { serve(options, port: $0) }, say: say)

        guard rounds > 0 else { return }
        let before = try await readingsCount(warehouse), bytesBefore = try await partitionBytes(warehouse)
        let started = ContinuousClock.now
        _ = try await warehouse.purgeReadings(ofRidesStartedBefore: now.adding(seconds: -30 * 86_400))
        let took = (ContinuousClock.now - started).inSeconds
        let after = try await readingsCount(warehouse), bytes = bytesBefore - (try await partitionBytes(warehouse))
        say("retention of 30 days: \(count(before - after)) readings dropped in \(fixed(took)) s; \(count(after)) left")
        if bytes > 0 {
            let removal = try removingAFile(of: bytes, in: scratch)
            say("  their partitions held \(fixed(Double(bytes) / 1e9)) GB; removing a file of that size in the scratch directory "
                + "takes \(fixed(removal)) s on this file system: the drop took \(fixed(took / removal)) times that")
        }
    }

    /// On PostgreSQL, the bytes of the readings' partitions with their indexes (0 on SQLite, whose
    /// retention deletes rows instead).
    static func partitionBytes(_ warehouse: any Warehouse) async throws -> Int {
        guard warehouse.kind == .postgresql else { return 0 }
        return try await warehouse.sql.query("""
            SELECT CAST(coalesce(sum(pg_total_relation_size(inhrelid)), 0) AS BIGINT) AS b
            FROM pg_inherits WHERE inhparent = CAST('production.readings' AS regclass)
            """).first?.decode("b") ?? 0
    }

    /// What deleting `bytes` of files costs the file system by itself: what a dropped partition
    /// costs at least, whatever the database does. Written, synced, then timed while removed.
    static func removingAFile(of bytes: Int, in directory: String) throws -> Double {
        let path = directory + "/same-size-as-the-drop"
        guard FileManager.default.createFile(atPath: path, contents: nil), let file = FileHandle(forWritingAtPath: path) else {
            throw APIBench.BenchError(description: "cannot write \(path)")
        }
        let chunk = Data(repeating: 1, count: 8 << 20)
        var left = bytes
        while left > 0 {
            try file.write(contentsOf: left >= chunk.count ? chunk : chunk.prefix(left))
            left -= chunk.count
        }
        try file.synchronize()
        try file.close()
        let started = ContinuousClock.now
        try FileManager.default.removeItem(atPath: path)
        return (ContinuousClock.now - started).inSeconds
    }

    /// Simulates a stream, then loads it with a `deloton ingest` process; returns the readings it
    /// added and the process's seconds, start to exit.
    static func load(_ options: Options, warehouse: any Warehouse, scratch: String, seed: Int, readings: Int, bikes: Int,
                     start: String?) async throws -> (Int, Double) {
        let stream = scratch + "/stream-\(seed).jsonl"
        defer { try? FileManager.default.removeItem(atPath: stream) }
        _ = try timed(options.binary, ["simulate", "--to", "file:" + stream, "--rides", String(max(1, readings / 435)),
                                       "--bikes", String(bikes), "--seed", String(seed), "--quiet"]
                                      + (start.map { ["--start", $0] } ?? []))
        let before = try await stored(warehouse)
        let ingest = try timed(options.binary, ["ingest", "--source", "file:" + stream, "--no-notify", "--database",
                                                options.database, "--log-level", "error"])
        return (try await stored(warehouse) - before, ingest.seconds)
    }

    /// The dashboard's 12-hour window as the page asks for it (its charts added up, then the
    /// table's first page), every 2.1 s so that none is served from the 2-second cache of
    /// `serve`; and the whole list of the window's rides, as a script may ask for it.
    static func dashboard(_ options: Options, say: (String) -> Void) async throws {
        let port = try OpenLoopLoad.freePort()
        let server = serve(options, port: port)
        try server.run()
        defer { server.terminate(); server.waitUntilExit() }
        try await DailyBench.waitUntilListening(port, server)
        var connection = OpenLoopLoad.Connection(port: port)
        defer { connection.close() }
        func time(_ path: String) throws -> Double {
            let started = ContinuousClock.now
            guard connection.get(path) else { throw APIBench.BenchError(description: "GET \(path) did not answer 200") }
            return (ContinuousClock.now - started).inSeconds
        }
        var page: [Double] = [], charts: [Double] = [], table: [Double] = [], list: [Double] = []
        for _ in 0..<8 {
            let c = try time("/api/recent/charts?hours=12"), t = try time("/api/recent?hours=12&limit=50")
            charts.append(c); table.append(t); page.append(c + t)
            try await Task.sleep(for: .milliseconds(2_100))
        }
        for _ in 0..<4 {
            list.append(try time("/api/recent?hours=12"))
            try await Task.sleep(for: .milliseconds(2_100))
        }
        let median = { (xs: [Double]) in fixed(xs.sorted()[xs.count / 2] * 1000) }
        say("dashboard 12-hour window as the page asks (GET /api/recent/charts?hours=12, then /api/recent?hours=12&limit=50, "
            + "uncached): median \(median(page)) ms (charts \(median(charts)) ms, table \(median(table)) ms), "
            + "slowest \(fixed((page.max() ?? 0) * 1000)) ms of \(page.count)")
        say("the window's whole list (GET /api/recent?hours=12, at most 20,000 rides, uncached): median \(median(list)) ms of \(list.count)")
    }

    static func serve(_ options: Options, port: Int) -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: options.binary)
        process.arguments = ["serve", "--database", options.database, "--port", String(port), "--public-reads",
                             "--no-sign-in-link", "--log-level", "error"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        return process
    }

    /// Readings stored, from the rollups: counting the table itself takes seconds at this size.
    static func stored(_ warehouse: any Warehouse) async throws -> Int {
        try await warehouse.sql.query("SELECT CAST(coalesce(sum(readings), 0) AS BIGINT) AS n FROM ride_rollups")
            .first?.decode("n") ?? 0
    }

    /// Readings in the table itself: what retention drops, which the rollups keep counting.
    static func readingsCount(_ warehouse: any Warehouse) async throws -> Int {
        try await warehouse.sql.query("SELECT count(*) AS n FROM readings").first?.decode("n") ?? 0
    }

    public struct Timed: Sendable {
        public var seconds: Double
        public var status: Int32
        /// Standard output, whole.
        public var output: String
    }

    /// Runs a program to its exit: how long it took, its status and what it printed. Shared with
    /// the `deloton bench` commands that run children of their own.
    public static func run(_ binary: String, _ arguments: [String]) throws -> Timed {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        let started = ContinuousClock.now
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Timed(seconds: (ContinuousClock.now - started).inSeconds, status: process.terminationStatus,
                     output: String(decoding: data, as: UTF8.self))
    }

    /// `run`, and an error unless the program exited 0.
    static func timed(_ binary: String, _ arguments: [String]) throws -> Timed {
        let child = try run(binary, arguments)
        guard child.status == 0 else {
            throw APIBench.BenchError(description: "\(arguments.first ?? binary) exited with \(child.status): \(child.output)")
        }
        return child
    }


    static func fixed(_ x: Double) -> String { String(format: "%.2f", x) }
    static func percent(_ x: Double) -> String { String(format: "%.0f %%", x * 100) }
    static func count(_ n: Int) -> String { n.formatted() }
}
