import DelotonTestSupport
import Foundation
import Testing

/// Every long-running command is one service group: SIGTERM (and SIGINT) drains it and the
/// process exits 0 well within the 10 s an orchestrator waits before SIGKILL. Each test starts
/// the real binary, waits until it works, signals it, and checks what the drain promises: the
/// readings the pipeline took are committed, alerts under way recorded, the port closed.
@Suite(.serialized, .timeLimit(.minutes(5)))
struct SigtermTests {
    /// The longest a stop may take; orchestrators kill at 10 s.
    static let limit: Duration = .seconds(10)

    /// Sends `sig` and waits for the exit: its status and how long it took, in seconds.
    func stop(_ child: KafkaChild, with sig: Int32 = SIGTERM, _ command: String) async -> (status: Int32, seconds: Double) {
        let sent = ContinuousClock.now
        child.signal(sig)
        let status = await child.wait(limit: Self.limit + .seconds(5))
        let elapsed = ContinuousClock.now - sent
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        print("\(command): signal \(sig) to exit \(status) in \(String(format: "%.2f", seconds)) s")
        return (status, seconds)
    }

    func scrape(_ port: Int, path: String = "/metrics", key: String? = nil) async throws -> (status: Int32, body: String) {
        let auth = key.map { ["-H", "Authorization: Bearer \($0)"] } ?? []
        let r = try await ChildProcess.run("/usr/bin/curl", ["-sf", "--max-time", "5"] + auth + ["http://127.0.0.1:\(port)\(path)"])
        return (r.status, r.stdout)
    }

    /// A read key in a new warehouse: `run` and `serve` answer /metrics and /events only with one.
    func readKey(_ db: String) async throws -> String {
        try await MigratedWarehouse.sqlite(db)
        let r = try await KafkaChild.run(["keys", "create", "--name", "sigterm", "--scope", "read", "--database", "sqlite:" + db])
        #expect(r.status == 0, "\(r.stderr)")
        return r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func value(_ body: String, _ series: String) -> Double? {
        for line in body.split(separator: "\n") where line.hasPrefix(series + " ") {
            return line.split(separator: " ").last.flatMap { Double($0) }
        }
        return nil
    }

    /// Until the metrics show committed readings.
    func readingsCommitted(_ port: Int, key: String? = nil) async throws -> Bool {
        try await eventually(.seconds(60)) { (value(try await scrape(port, key: key).body, "deloton_ingest_readings_total") ?? 0) > 0 }
    }

    /// The readings the summary line says were ingested.
    func summarized(_ stdout: String) -> Int? {
        guard let range = stdout.range(of: #"ingested [0-9,]+ readings"#, options: .regularExpression) else { return nil }
        return Int(stdout[range].dropFirst("ingested ".count).dropLast(" readings".count).replacingOccurrences(of: ",", with: ""))
    }

    func count(_ db: String, _ table: String) async throws -> Int? {
        try await KafkaWarehouseDump.query(db, "SELECT count(*) FROM \(table)").first.flatMap { Int($0) }
    }

    /// A stopped ingest committed everything it took: the warehouse holds the readings its summary counts.
    func expectDrained(_ child: KafkaChild, db: String) async throws {
        let ingested = try #require(summarized(child.stdout), "no summary line: \(child.stdout)\n\(child.stderr)")
        #expect(ingested > 0)
        #expect(try await count(db, "readings") == ingested, "\(child.stderr)")
        #expect(try await count(db, "rides") ?? 0 > 0)
    }

    func capture(_ dir: String, rides: Int = 6) async throws -> String {
        let file = dir + "/stream.jsonl"
        let sim = try await ChildProcess.run(TestPaths.delotonBinary, ["simulate", "--to", "file:" + file, "--speed", "0",
                                                                       "--rides", String(rides), "--bikes", "3", "--seed", "5"])
        #expect(sim.status == 0, "\(sim.stderr)")
        return file
    }

    @Test("ingest --source file --follow: SIGTERM commits the batch in hand and exits 0", arguments: [SIGTERM, SIGINT])
    func followedFile(_ sig: Int32) async throws {
        let dir = TestPaths.scratch("sigterm-follow"), db = dir + "/w.sqlite"
        let file = try await capture(dir)
        let port = try SpawnedServer.freePort()
        let child = try KafkaChild(["ingest", "--source", "file:" + file, "--follow", "--database", "sqlite:" + db,
                                    "--outbox", dir + "/outbox", "--metrics-port", String(port)])
        defer { child.signal(SIGKILL) }
        #expect(try await readingsCommitted(port), "\(child.stderr)")
        let (status, seconds) = await stop(child, with: sig, "ingest --follow")
        #expect(status == 0, "\(child.stderr)")
        #expect(seconds < 10)
        try await expectDrained(child, db: db)
        #expect(try await scrape(port).status != 0, "the metrics listener is closed")
    }

    @Test("ingest --source simulator: SIGTERM commits what was simulated and exits 0")
    func simulator() async throws {
        let dir = TestPaths.scratch("sigterm-sim"), db = dir + "/w.sqlite"
        let port = try SpawnedServer.freePort()
        let child = try KafkaChild(["ingest", "--source", "simulator", "--speed", "20", "--bikes", "3", "--database", "sqlite:" + db,
                                    "--no-notify", "--metrics-port", String(port)])
        defer { child.signal(SIGKILL) }
        #expect(try await readingsCommitted(port), "\(child.stderr)")
        let (status, seconds) = await stop(child, "ingest --source simulator")
        #expect(status == 0, "\(child.stderr)")
        #expect(seconds < 10)
        try await expectDrained(child, db: db)
    }

    @Test("ingest --source kafka: SIGTERM commits the batch and the offsets, and exits 0")
    func kafka() async throws {
        let brokers = try await KafkaBroker.shared()
        let topic = KafkaBroker.uniqueName("sigterm"), group = KafkaBroker.uniqueName("g-sigterm")
        let dir = TestPaths.scratch("sigterm-kafka"), db = dir + "/w.sqlite"
        let produced = try await KafkaChild.run(["simulate", "--to", "kafka", "--speed", "0", "--kafka-brokers", brokers,
                                                 "--kafka-topic", topic, "--rides", "4", "--seed", "7"])
        #expect(produced.status == 0, "\(produced.stderr)")
        let port = try SpawnedServer.freePort()
        let arguments = ["ingest", "--source", "kafka", "--stream-by", "key", "--kafka-brokers", brokers, "--kafka-topic", topic,
                         "--kafka-group", group, "--database", "sqlite:" + db, "--no-notify"]
        let child = try KafkaChild(arguments + ["--metrics-port", String(port)], environment: ["DELOTON_INSTANCE": "sigterm-1"])
        defer { child.signal(SIGKILL) }
        #expect(try await readingsCommitted(port), "\(child.stderr)")
        let (status, seconds) = await stop(child, "ingest --source kafka")
        #expect(status == 0, "\(child.stderr)")
        #expect(seconds < 10)
        try await expectDrained(child, db: db)
        // The offsets were saved with the batch: the group's next consumer starts after what was committed.
        let first = try #require(summarized(child.stdout))
        let again = try await KafkaChild.run(arguments + ["--exit-when-idle", "3"], environment: ["DELOTON_INSTANCE": "sigterm-1"])
        #expect(again.status == 0, "\(again.stderr)")
        let second = try #require(summarized(again.stdout), "\(again.stdout)")
        #expect(try await count(db, "readings") == first + second)
    }

    @Test("run: SIGTERM commits, sends what is due, closes the API port and exits 0")
    func runAll() async throws {
        let dir = TestPaths.scratch("sigterm-run"), db = dir + "/w.sqlite"
        let key = try await readKey(db)
        let port = try SpawnedServer.freePort()
        let child = try KafkaChild(["run", "--speed", "20", "--bikes", "3", "--database", "sqlite:" + db, "--outbox", dir + "/outbox",
                                    "--report-dir", dir + "/reports", "--port", String(port)])
        defer { child.signal(SIGKILL) }
        #expect(try await eventually(.seconds(60)) { try await scrape(port, path: "/health").status == 0 }, "\(child.stderr)")
        #expect(try await readingsCommitted(port, key: key), "\(child.stderr)")
        // A dashboard is connected: its event stream is closed, not waited for.
        let events = try KafkaChild(["-sN", "-H", "Authorization: Bearer \(key)", "http://127.0.0.1:\(port)/events"],
                                    executable: "/usr/bin/curl")
        defer { events.signal(SIGKILL) }
        #expect(await events.waitForLog("snapshot", inStdout: true), "\(events.stderr)")
        let (status, seconds) = await stop(child, "run")
        #expect(status == 0, "\(child.stderr)")
        #expect(seconds < 10)
        #expect(child.stdout.contains("stopped: ingested"), "\(child.stdout)")
        try await expectDrained(child, db: db)
        #expect(try await scrape(port, path: "/health").status != 0, "the API port is closed")
        #expect(await events.wait(limit: .seconds(5)) == 0, "the event stream ended with the server")
    }

    @Test("serve: SIGTERM closes the dashboards' event streams and the port, and exits 0")
    func serve() async throws {
        let dir = TestPaths.scratch("sigterm-serve")
        let key = try await readKey(dir + "/w.sqlite")
        let port = try SpawnedServer.freePort()
        let child = try KafkaChild(["serve", "--migrate", "--database", "sqlite:\(dir)/w.sqlite", "--port", String(port)])
        defer { child.signal(SIGKILL) }
        #expect(try await eventually(.seconds(60)) { try await scrape(port, path: "/health").status == 0 }, "\(child.stderr)")
        let events = try KafkaChild(["-sN", "-H", "Authorization: Bearer \(key)", "http://127.0.0.1:\(port)/events"],
                                    executable: "/usr/bin/curl")
        defer { events.signal(SIGKILL) }
        #expect(await events.waitForLog("snapshot", inStdout: true), "\(events.stderr)")
        let (status, seconds) = await stop(child, "serve")
        #expect(status == 0, "\(child.stderr)")
        #expect(seconds < 10)
        #expect(try await scrape(port, path: "/health").status != 0, "the port is closed")
        #expect(await events.wait(limit: .seconds(5)) == 0, "the event stream ended with the server")
    }

    @Test("notify: SIGTERM records the sends under way and exits 0")
    func notify() async throws {
        let dir = TestPaths.scratch("sigterm-notify"), db = dir + "/w.sqlite"
        let file = try await capture(dir, rides: 8)
        let ingested = try await ChildProcess.run(TestPaths.delotonBinary, ["ingest", "--source", "file:" + file,
                                                                            "--database", "sqlite:" + db, "--no-notify"])
        #expect(ingested.status == 0, "\(ingested.stderr)")
        let port = try SpawnedServer.freePort()
        let child = try KafkaChild(["notify", "--database", "sqlite:" + db, "--outbox", dir + "/outbox", "--metrics-port", String(port)])
        defer { child.signal(SIGKILL) }
        #expect(try await eventually(.seconds(60)) { (value(try await scrape(port).body, "deloton_alerts_sent_total") ?? 0) > 0 }, "\(child.stderr)")
        let (status, seconds) = await stop(child, "notify")
        #expect(status == 0, "\(child.stderr)")
        #expect(seconds < 10)
        #expect(child.stdout.contains("alerts: "), "\(child.stdout)")
        // Nothing is left claimed: every alert is sent, pending or failed.
        let states = try await KafkaWarehouseDump.query(db, "SELECT DISTINCT status FROM alerts")
        #expect(Set(states).isSubset(of: ["sent", "pending", "failed"]), "\(states)")
    }

    @Test("schedule: SIGTERM after the catch-up report stops the liveness and metrics services and exits 0")
    func schedule() async throws {
        let dir = TestPaths.scratch("sigterm-schedule")
        try await MigratedWarehouse.sqlite(dir + "/w.sqlite")
        let port = try SpawnedServer.freePort()
        let child = try KafkaChild(["schedule", "--at", "00:00", "--report-to", "ops@example.com", "--database",
                                    "sqlite:\(dir)/w.sqlite", "--outbox", dir + "/outbox", "--report-dir", dir + "/reports",
                                    "--metrics-port", String(port)],
                                   environment: ["DELOTON_LIVENESS_FILE": dir + "/alive"])
        defer { child.signal(SIGKILL) }
        #expect(try await eventually(.seconds(60)) {
            (value(try await scrape(port).body, "deloton_report_last_success_timestamp_seconds") ?? 0) > 0
        }, "\(child.stderr)")
        #expect(FileManager.default.fileExists(atPath: dir + "/alive"), "the liveness service touches its file")
        let (status, seconds) = await stop(child, "schedule")
        #expect(status == 0, "\(child.stderr)")
        #expect(seconds < 10)
        #expect(try await scrape(port).status != 0, "the metrics listener is closed")
    }

    @Test("simulate: SIGTERM writes what was simulated and exits 0")
    func simulate() async throws {
        let dir = TestPaths.scratch("sigterm-simulate"), file = dir + "/s.jsonl"
        let child = try KafkaChild(["simulate", "--to", "file:" + file, "--speed", "50"])
        defer { child.signal(SIGKILL) }
        #expect(try await eventually(.seconds(60)) { ((try? Data(contentsOf: URL(fileURLWithPath: file)))?.count ?? 0) > 0 })
        let (status, seconds) = await stop(child, "simulate")
        #expect(status == 0, "\(child.stderr)")
        #expect(seconds < 10)
        let lines = try String(contentsOfFile: file, encoding: .utf8).split(separator: "\n").count
        #expect(child.stdout.contains("wrote \(lines) lines") || child.stdout.contains("wrote \(Self.grouped(lines)) lines"),
                "\(child.stdout)")
    }

    static func grouped(_ n: Int) -> String {
        let digits = Array(String(n))
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0, (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return out
    }

    @Test("a write that hangs: SIGTERM waits for it, a second SIGTERM exits at once with 130")
    func secondSignalDuringAStalledDrain() async throws {
        let database = try await PostgresServer.freshDatabase()
        let port = try SpawnedServer.freePort()
        let ingest = try KafkaChild(["ingest", "--source", "simulator", "--speed", "20", "--bikes", "3", "--database", database,
                                     "--no-notify", "--metrics-port", String(port)])
        defer { ingest.signal(SIGKILL) }
        #expect(try await readingsCommitted(port), "\(ingest.stderr)")
        // Another session holds the readings table: the batch in hand cannot be committed.
        let locker = try KafkaChild([database, "-v", "ON_ERROR_STOP=1", "-c",
            "BEGIN; LOCK TABLE production.readings IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(20); COMMIT;"],
                                    executable: "/usr/bin/psql")
        defer { locker.signal(SIGKILL) }
        try await Task.sleep(for: .seconds(2))
        ingest.signal(SIGTERM)
        try await Task.sleep(for: .seconds(1))
        #expect(ingest.isRunning, "the drain waits for the write: \(ingest.stderr)")
        let (status, seconds) = await stop(ingest, "ingest, second SIGTERM during a stalled drain")
        #expect(status == 130, "\(ingest.stderr)")
        #expect(seconds < 2)
    }

    @Test("a write that hangs past the drain limit: the process still ends within 10 s, exit 0, saying why")
    func stalledDrainIsCancelled() async throws {
        let database = try await PostgresServer.freshDatabase()
        let port = try SpawnedServer.freePort()
        let ingest = try KafkaChild(["ingest", "--source", "simulator", "--speed", "20", "--bikes", "3", "--database", database,
                                     "--no-notify", "--metrics-port", String(port)])
        defer { ingest.signal(SIGKILL) }
        #expect(try await readingsCommitted(port), "\(ingest.stderr)")
        let locker = try KafkaChild([database, "-v", "ON_ERROR_STOP=1", "-c",
            "BEGIN; LOCK TABLE production.readings IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(30); COMMIT;"],
                                    executable: "/usr/bin/psql")
        defer { locker.signal(SIGKILL) }
        try await Task.sleep(for: .seconds(2))
        let (status, seconds) = await stop(ingest, "ingest, one SIGTERM during a stalled drain")
        // Nothing is lost by giving up: what was not committed is read again on the next start.
        #expect(status == 0, "\(ingest.stderr)")
        #expect(seconds < 10)
        #expect(ingest.stderr.contains("did not stop within"), "\(ingest.stderr)")
    }
}
