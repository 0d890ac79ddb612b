import DelotonTestSupport
import Foundation
import Testing

/// `--metrics-port` of the roles without an API: each started as the real process, scraped
/// like Prometheus does, and the series the alert rules and the runbook name are found.
@Suite(.serialized, .timeLimit(.minutes(5)))
struct RoleMetricsTests {
    /// The scrape body once `ready` accepts it, or the last one seen when `limit` passes.
    func scrape(_ port: Int, limit: Duration = .seconds(40), until ready: (String) -> Bool) async throws -> String {
        let deadline = ContinuousClock.now + limit
        var last = ""
        while ContinuousClock.now < deadline {
            let r = try await ChildProcess.run("/usr/bin/curl", ["-s", "--max-time", "5", "http://127.0.0.1:\(port)/metrics"])
            last = r.stdout
            if r.status == 0, ready(last) { return last }
            try await Task.sleep(for: .milliseconds(300))
        }
        return last
    }

    /// The value of the first sample of `series` (name with its labels, or a bare name).
    func value(_ body: String, _ series: String) -> Double? {
        for line in body.split(separator: "\n") where line.hasPrefix(series + " ") || line.hasPrefix(series + "{") {
            if let v = line.split(separator: " ").last.flatMap({ Double($0) }) { return v }
        }
        return nil
    }

    /// A simulated capture with alerts, and one line that is not the wire format.
    func capture(_ dir: String) async throws -> String {
        let file = dir + "/stream.jsonl"
        let sim = try await ChildProcess.run(TestPaths.delotonBinary, ["simulate", "--to", "file:" + file, "--speed", "0",
                                                                       "--rides", "8", "--bikes", "3", "--seed", "15"])
        #expect(sim.status == 0, "\(sim.stderr)")
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: file))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data("this is not a log line\n".utf8))
        try handle.close()
        return file
    }

    @Test("ingest --metrics-port: readings, rides, commit latency, quarantine by reason, alerts, outbox, stall")
    func ingestPublishesItsSeries() async throws {
        let dir = TestPaths.scratch("metrics-ingest")
        let file = try await capture(dir)
        let port = try SpawnedServer.freePort()
        // Followed like a live stream; a second of silence ends each bike's last ride.
        let child = try KafkaChild(["ingest", "--source", "file:" + file, "--follow", "--ride-idle-timeout", "1",
                                    "--database", "sqlite:\(dir)/w.sqlite", "--outbox", dir + "/outbox",
                                    "--metrics-port", String(port)])
        defer { child.signal(SIGKILL) }
        let body = try await scrape(port) { body in
            (value(body, "deloton_alerts_sent_total") ?? 0) > 0 && (value(body, "deloton_ingest_rides_total") ?? 0) >= 8
        }
        #expect((value(body, "deloton_ingest_readings_total") ?? 0) > 1000, "\(body)")
        #expect(value(body, "deloton_ingest_rides_total") == 8)
        #expect(body.contains("deloton_ingest_batch_commit_seconds_bucket{le=\"0.005\"}"), "\(body)")
        #expect((value(body, "deloton_ingest_batch_commit_seconds_count") ?? 0) > 0)
        #expect(body.contains("deloton_ingest_quarantined_lines_total{reason=\""), "\(body)")
        #expect((value(body, "deloton_alerts_raised_total") ?? 0) > 0)
        #expect((value(body, "deloton_alerts_sent_total") ?? 0) > 0)
        #expect(value(body, "deloton_ingest_stalled") == 0)
        #expect((value(body, "deloton_ingest_last_commit_timestamp_seconds") ?? 0) > 1.7e9)
        let outbox = try await scrape(port) { value($0, "deloton_alert_outbox_pending") != nil }
        #expect(value(outbox, "deloton_alert_outbox_pending") == 0, "\(outbox)")
        #expect(value(outbox, "deloton_alert_outbox_oldest_pending_age_seconds") == 0)
        // No address or name in any label.
        #expect(!body.contains("@"))
        child.signal(SIGTERM)
        #expect(await child.wait(limit: .seconds(30)) == 0, "\(child.stderr)")
    }

    @Test("ingest from Kafka publishes the consumer lag per partition, in messages")
    func kafkaIngestPublishesLag() async throws {
        let brokers = try await KafkaBroker.shared()
        let topic = KafkaBroker.uniqueName("metrics"), dir = TestPaths.scratch("metrics-kafka")
        let produced = try await KafkaChild.run(["simulate", "--to", "kafka", "--speed", "0", "--partitions", "2",
                                                 "--kafka-brokers", brokers, "--kafka-topic", topic, "--rides", "4", "--seed", "3"])
        #expect(produced.status == 0, "\(produced.stderr)")
        let port = try SpawnedServer.freePort()
        let child = try KafkaChild(["ingest", "--source", "kafka", "--stream-by", "key", "--kafka-brokers", brokers,
                                    "--kafka-topic", topic, "--kafka-group", KafkaBroker.uniqueName("g-metrics"),
                                    "--database", "sqlite:\(dir)/w.sqlite", "--no-notify", "--metrics-port", String(port)],
                                   environment: ["DELOTON_INSTANCE": "metrics-1"])
        defer { child.signal(SIGKILL) }
        // The lag is measured every 10 s.
        let body = try await scrape(port, limit: .seconds(60)) { $0.contains("deloton_kafka_consumer_lag_messages{") }
        #expect(body.contains("deloton_kafka_consumer_lag_messages{topic=\"\(topic)\",partition=\"0\"}")
                    || body.contains("deloton_kafka_consumer_lag_messages{partition=\"0\",topic=\"\(topic)\"}"), "\(body)")
        child.signal(SIGTERM)
        #expect(await child.wait(limit: .seconds(30)) == 0, "\(child.stderr)")
    }

    @Test("notify --metrics-port: alerts sent and the outbox")
    func notifyPublishesItsSeries() async throws {
        let dir = TestPaths.scratch("metrics-notify")
        let file = try await capture(dir)
        let db = "sqlite:\(dir)/w.sqlite"
        let ingested = try await ChildProcess.run(TestPaths.delotonBinary, ["ingest", "--source", "file:" + file, "--database", db,
                                                                            "--no-notify"])
        #expect(ingested.status == 0, "\(ingested.stderr)")
        let port = try SpawnedServer.freePort()
        let child = try KafkaChild(["notify", "--database", db, "--outbox", dir + "/outbox", "--metrics-port", String(port)])
        defer { child.signal(SIGKILL) }
        let body = try await scrape(port) { body in
            (value(body, "deloton_alerts_sent_total") ?? 0) > 0 && value(body, "deloton_alert_outbox_pending") == 0
        }
        #expect((value(body, "deloton_alerts_sent_total") ?? 0) > 0, "\(body)")
        #expect(value(body, "deloton_alert_outbox_pending") == 0)
        #expect(body.contains("deloton_alert_outbox_oldest_pending_age_seconds"))
        child.signal(SIGTERM)
        #expect(await child.wait(limit: .seconds(30)) == 0, "\(child.stderr)")
    }

    @Test("schedule --metrics-port: the time of the last report sent")
    func schedulePublishesTheLastReport() async throws {
        let dir = TestPaths.scratch("metrics-schedule")
        try await MigratedWarehouse.sqlite(dir + "/w.sqlite")
        let port = try SpawnedServer.freePort()
        // Due at midnight: yesterday's report is due at once, so the process sends it on start.
        let child = try KafkaChild(["schedule", "--at", "00:00", "--report-to", "ops@example.com", "--database",
                                    "sqlite:\(dir)/w.sqlite", "--outbox", dir + "/outbox", "--report-dir", dir + "/reports",
                                    "--metrics-port", String(port)])
        defer { child.signal(SIGKILL) }
        let body = try await scrape(port) { (value($0, "deloton_report_last_success_timestamp_seconds") ?? 0) > 0 }
        let sent = try #require(value(body, "deloton_report_last_success_timestamp_seconds"), "\(body)")
        #expect(abs(sent - Date().timeIntervalSince1970) < 120)
        child.signal(SIGTERM)
        #expect(await child.wait(limit: .seconds(30)) == 0, "\(child.stderr)")
    }

    @Test("a bad --metrics-port is exit 2; a port in use is exit 1")
    func metricsPortMistakes() async throws {
        let dir = TestPaths.scratch("metrics-usage")
        let bad = try await ChildProcess.run(TestPaths.delotonBinary, ["notify", "--database", "sqlite:\(dir)/w.sqlite",
                                                                       "--metrics-port", "70000"])
        #expect(bad.status == 2 && bad.stderr.contains("--metrics-port"), "\(bad.stderr)")
        try await MigratedWarehouse.sqlite(dir + "/w.sqlite")
        let port = try SpawnedServer.freePort()
        let first = try KafkaChild(["notify", "--database", "sqlite:\(dir)/w.sqlite", "--outbox", dir + "/o", "--metrics-port", String(port)])
        defer { first.signal(SIGKILL) }
        _ = try await scrape(port) { $0.contains("deloton_alert_outbox_pending") }
        let second = try await ChildProcess.run(TestPaths.delotonBinary, ["notify", "--database", "sqlite:\(dir)/w.sqlite",
                                                                          "--outbox", dir + "/o", "--metrics-port", String(port)])
        #expect(second.status == 1 && second.stderr.contains("cannot serve metrics"), "\(second.stderr)")
        first.signal(SIGTERM)
        _ = await first.wait(limit: .seconds(30))
    }
}
