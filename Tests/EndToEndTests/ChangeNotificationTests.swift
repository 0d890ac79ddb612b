import DelotonTestSupport
import Foundation
import Testing

/// PostgreSQL's LISTEN/NOTIFY across real processes: what one process commits wakes the live
/// feed and the alert dispatcher of another at once, where they would otherwise wait for their
/// slow fallback poll (5 s while a listener is up).
@Suite(.serialized, .timeLimit(.minutes(5)))
struct ChangeNotificationTests {
    /// Rides in real time for this long while the feed is watched.
    static let watched: Duration = .seconds(12)

    @Test("an ingest process's commits move a separate serve's live feed within milliseconds, not at the next poll; serve stops promptly")
    func liveFeedAcrossProcesses() async throws {
        let database = try await PostgresServer.freshDatabase()
        let latencies = try await feedLatencies(database: database, label: "postgresql (notify)")
        let median = latencies.sorted()[latencies.count / 2]
        // With notifications a reading reaches the page about as soon as its batch commits (0.1 s
        // on a quiet machine: Benchmarks/RESULTS.md); the fallback poll alone would spread the
        // delays evenly over 0-5 s. The bounds tell the two apart with room for a loaded machine
        // (the whole suite runs beside this test): a dozen updates all under 2.5 s would happen
        // by polling about once in 4,000 runs.
        #expect(median < 1.25, "\(latencies)")
        #expect(latencies.max() ?? 99 < 2.5, "\(latencies)")
    }

    /// The same processes on SQLite, which pushes nothing: the feed polls every second, as every
    /// warehouse's feed did before notifications. For `Benchmarks/RESULTS.md`.
    @Test("the same on SQLite: the live feed polls every second")
    func liveFeedByPolling() async throws {
        let dir = TestPaths.scratch("notify-sqlite")
        let database = try await MigratedWarehouse.sqlite(dir + "/w.sqlite")
        let latencies = try await feedLatencies(database: database, label: "sqlite (poll)")
        #expect(latencies.max() ?? 99 < 1.5, "\(latencies)")
    }

    @Test("an alert committed by an ingest process is mailed by a notify process within a second")
    func alertAcrossProcesses() async throws {
        let database = try await PostgresServer.freshDatabase()
        let sink = try await SMTPSink()
        defer { sink.shutdown() }
        let dir = TestPaths.scratch("notify-alert")
        try await migrate(database)
        let metrics = try SpawnedServer.freePort()
        let notify = try KafkaChild(["notify", "--database", database, "--smtp", sink.url, "--metrics-port", String(metrics)])
        defer { notify.signal(SIGKILL) }
        #expect(try await eventually { try await gauge(metrics, "deloton_warehouse_change_listener_up") == 1 }, "\(notify.stderr)")

        // A ride in progress, followed by a file ingest that does not deliver alerts itself.
        let file = dir + "/stream.jsonl"
        try Self.wire(Self.rideStart + (1...5).flatMap { Self.reading($0, hr: 120) }).write(toFile: file, atomically: true, encoding: .utf8)
        let ingestMetrics = try SpawnedServer.freePort()
        let ingest = try KafkaChild(["ingest", "--source", "file:" + file, "--follow", "--no-notify", "--database", database,
                                     "--metrics-port", String(ingestMetrics)])
        defer { ingest.signal(SIGKILL) }
        #expect(try await eventually { try await gauge(ingestMetrics, "deloton_ingest_readings_total") ?? 0 >= 5 }, "\(ingest.stderr)")
        #expect(sink.messages().isEmpty)

        // Three readings far above a 32-year-old woman's maximum (178): the alert's batch commits within
        // ~150 ms (the follow reader looks every 100 ms), then the other process mails it.
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: file))
        try handle.seekToEnd()
        let appended = ContinuousClock.now
        try handle.write(contentsOf: Data(Self.wire((6...8).flatMap { Self.reading($0, hr: 215) }).utf8))
        try handle.close()
        let mails = await sink.waitForMessages(count: 1, timeout: .seconds(10))
        let delivered = ContinuousClock.now - appended
        print("alert: appended to mailed by another process in \(delivered)")
        #expect(mails.count == 1)
        #expect(delivered < .seconds(1), "\(notify.stderr)")

        for child in [ingest, notify] {
            child.signal(SIGTERM)
            #expect(await child.wait(limit: .seconds(10)) == 0, "\(child.stderr)")
        }
    }

    // MARK: - Helpers

    /// Runs `serve` and a real-time simulator ingest as two processes on `database` and returns,
    /// for every reading the feed carried, the seconds from the moment the reading existed to the
    /// poll that sent it. Ends by stopping serve with SIGTERM.
    func feedLatencies(database: String, label: String) async throws -> [Double] {
        try await migrate(database)
        let key = try await readKey(database)
        let port = try SpawnedServer.freePort()
        let serve = try KafkaChild(["serve", "--database", database, "--port", String(port)])
        defer { serve.signal(SIGKILL) }
        #expect(try await eventually { try await get(port, "/health").status == 0 }, "\(serve.stderr)")
        if database.hasPrefix("postgres") {
            #expect(try await eventually { try await gauge(port, "deloton_warehouse_change_listener_up", key: key) == 1 },
                    "\(serve.stderr)")
        }
        let events = try KafkaChild(["-sN", "-H", "Authorization: Bearer \(key)", "http://127.0.0.1:\(port)/events"],
                                    executable: "/usr/bin/curl")
        defer { events.signal(SIGKILL) }
        #expect(await events.waitForLog("snapshot", inStdout: true), "\(events.stderr)")

        let ingest = try KafkaChild(["ingest", "--source", "simulator", "--speed", "1", "--bikes", "2", "--seed", "3",
                                     "--no-notify", "--database", database])
        defer { ingest.signal(SIGKILL) }
        try await Task.sleep(for: Self.watched)
        ingest.signal(SIGTERM)
        #expect(await ingest.wait(limit: .seconds(15)) == 0, "\(ingest.stderr)")

        let sent = ContinuousClock.now
        serve.signal(SIGTERM)
        let status = await serve.wait(limit: .seconds(15))
        let stopped = ContinuousClock.now - sent
        #expect(status == 0, "\(serve.stderr)")
        #expect(stopped < .seconds(5), "serve took \(stopped) to stop")
        _ = await events.wait(limit: .seconds(5))

        let latencies = Self.latencies(events.stdout)
        #expect(latencies.count >= 10, "\(events.stdout.prefix(2000))")
        let sorted = latencies.sorted()
        if !sorted.isEmpty {
            func at(_ p: Double) -> String { String(format: "%.3f", sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]) }
            print("live feed, \(label): Telemetry line to feed over \(sorted.count) updates: median \(at(0.5)) s, p90 \(at(0.9)) s, "
                  + "max \(String(format: "%.3f", sorted.last ?? 0)) s; serve stopped in \(stopped)")
        }
        return latencies
    }

    /// A reading's time is its Ride line's; its Telemetry line, which completes it, comes 0.5 s later.
    static let telemetryAfterRide = 0.500_05

    /// `now - last` of every bike that an `update` event carried new readings for, less the wait
    /// for the reading's Telemetry line: from the moment ingest could first have the reading.
    static func latencies(_ stream: String) -> [Double] {
        let iso = ISO8601DateFormatter()
        iso.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        var out: [Double] = []
        for block in stream.components(separatedBy: "\n\n") where block.hasPrefix("event: update\n") {
            guard let line = block.split(separator: "\n").first(where: { $0.hasPrefix("data: ") }),
                  let json = try? JSONSerialization.jsonObject(with: Data(line.dropFirst(6).utf8)) as? [String: Any],
                  let now = (json["now"] as? String).flatMap(iso.date(from:)),
                  let bikes = json["bikes"] as? [[String: Any]] else { continue }
            for bike in bikes {
                guard let readings = bike["r"] as? [Any], !readings.isEmpty, bike["full"] as? Bool == false,
                      let last = (bike["last"] as? String).flatMap(iso.date(from:)) else { continue }
                out.append(now.timeIntervalSince(last) - telemetryAfterRide)
            }
        }
        return out
    }

    func migrate(_ database: String) async throws {
        let r = try await KafkaChild.run(["migrate", "--database", database])
        #expect(r.status == 0, "\(r.stderr)")
    }

    func readKey(_ database: String) async throws -> String {
        let r = try await KafkaChild.run(["keys", "create", "--name", "feed", "--scope", "read", "--database", database])
        #expect(r.status == 0, "\(r.stderr)")
        return r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func get(_ port: Int, _ path: String, key: String? = nil) async throws -> (status: Int32, body: String) {
        let auth = key.map { ["-H", "Authorization: Bearer \($0)"] } ?? []
        let r = try await ChildProcess.run("/usr/bin/curl", ["-sf", "--max-time", "5"] + auth + ["http://127.0.0.1:\(port)\(path)"])
        return (r.status, r.stdout)
    }

    func gauge(_ port: Int, _ series: String, key: String? = nil) async throws -> Double? {
        for line in try await get(port, "/metrics", key: key).body.split(separator: "\n") where line.hasPrefix(series + " ") {
            return line.split(separator: " ").last.flatMap { Double($0) }
        }
        return nil
    }

    // MARK: - A hand-made stream (stream-format.md)

    static func stamp(_ second: Int, _ micros: Int) -> String {
        String(format: "2022-07-06 12:00:%02d.%06d", second, micros)
    }

    static let rideStart = [
        "--------- beginning of a new ride",
        stamp(0, 935_822) + #" mendoza v9: [SYSTEM] data = {"user_id":4100,"name":"Ann Notify","gender":"female","#
            + #""address":"1 High Street,Leeds,LS1 1AA","date_of_birth":631152000000,"email_address":"ann@example.com","#
            + #""height_cm":170,"weight_kg":60,"account_create_date":1647993600000,"bike_serial":"SN4100","original_source":"direct"}"#,
    ]

    static func reading(_ second: Int, hr: Int) -> [String] {
        [stamp(second, 435_798) + " mendoza v9: [INFO]: Ride - duration = \(second).0; resistance = 40",
         stamp(second, 935_860) + " mendoza v9: [INFO]: Telemetry - hrt = \(hr); rpm = 60; power = 120.5"]
    }

    /// `{"log": "<line>\n"}` per line, as the real stream writes them.
    static func wire(_ lines: [String]) -> String {
        lines.map { line -> String in
            let escaped = line.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            return "{\"log\": \"\(escaped)\\n\"}\n"
        }.joined()
    }
}
