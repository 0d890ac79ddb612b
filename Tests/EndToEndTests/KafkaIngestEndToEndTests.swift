import DelotonTestSupport
import Foundation
import Testing

/// The real `deloton` binary against a real broker: simulate → Kafka → ingest → SQLite, compared
/// with a clean file ingest of the same stream. Serialized: the broker and two cores are shared.
@Suite(.serialized, .timeLimit(.minutes(5)))
struct KafkaIngestEndToEndTests {
    struct Setup {
        let brokers: String
        let topic: String
        let group: String
        let dir: String
    }

    func setup(_ name: String) async throws -> Setup {
        Setup(brokers: try await KafkaBroker.shared(), topic: KafkaBroker.uniqueName("e2e-\(name)"),
              group: KafkaBroker.uniqueName("g-\(name)"), dir: TestPaths.scratch("kafka-\(name)"))
    }

    /// The same simulated stream as arguments for `simulate`.
    func stream(rides: Int, bikes: Int, seed: Int) -> [String] {
        ["--rides", String(rides), "--bikes", String(bikes), "--seed", String(seed), "--start", "2026-06-01T07:30:00",
         "--min-ride-seconds", "60", "--max-ride-seconds", "200"]
    }

    func kafkaArgs(_ s: Setup) -> [String] { ["--kafka-brokers", s.brokers, "--kafka-topic", s.topic] }

    func ingestArgs(_ s: Setup, db: String, instance: Int = 1, idle: Double = 3) -> [String] {
        ["ingest", "--source", "kafka", "--stream-by", "key", "--kafka-group", s.group, "--instance", String(instance),
         "--exit-when-idle", String(idle), "--database", "sqlite:" + db] + kafkaArgs(s)
    }

    /// The reference: the same stream written to a file and ingested from it.
    func reference(_ s: Setup, stream: [String]) async throws -> (rides: [String], readings: [String], alerts: [String]) {
        let file = s.dir + "/stream.jsonl", db = s.dir + "/file.sqlite"
        let sim = try await KafkaChild.run(["simulate", "--to", "file:" + file, "--speed", "0"] + stream)
        #expect(sim.status == 0, "\(sim.stderr)")
        let ingest = try await KafkaChild.run(["ingest", "--source", "file:" + file, "--database", "sqlite:" + db])
        #expect(ingest.status == 0, "\(ingest.stderr)")
        return try await KafkaWarehouseDump.canonical(db)
    }

    func expectSame(_ db: String, as expected: (rides: [String], readings: [String], alerts: [String])) async throws {
        let got = try await KafkaWarehouseDump.canonical(db)
        #expect(!expected.rides.isEmpty && !expected.alerts.isEmpty, "the reference stream should have rides and alerts")
        #expect(got.rides.count == expected.rides.count)
        #expect(got.rides == expected.rides)
        #expect(got.readings.count == expected.readings.count)
        #expect(got.readings == expected.readings)
        #expect(got.alerts == expected.alerts)
        #expect(try await KafkaWarehouseDump.query(db, "SELECT count(*) FROM quarantine") == ["0"])
    }

    @Test("simulate --to kafka then ingest --stream-by key equals a file ingest of the same stream")
    func kafkaIngestEqualsFileIngest() async throws {
        let s = try await setup("equal")
        let stream = stream(rides: 12, bikes: 4, seed: 11)
        let produced = try await KafkaChild.run(["simulate", "--to", "kafka", "--speed", "0", "--partitions", "2"]
                                                    + kafkaArgs(s) + stream)
        #expect(produced.status == 0, "\(produced.stderr)")
        #expect(produced.stdout.contains("created Kafka topic \(s.topic) with 2 partition(s)"))
        #expect(produced.stdout.contains("of 12 rides"))

        let db = s.dir + "/kafka.sqlite"
        let ingested = try await KafkaChild.run(ingestArgs(s, db: db))
        #expect(ingested.status == 0, "\(ingested.stderr)")
        #expect(ingested.stdout.contains("in 12 finished rides, 0 lines quarantined"))
        try await expectSame(db, as: try await reference(s, stream: stream))

        // The warehouse, not the group, says where to start: a new group finds nothing left to read.
        let again = try await KafkaChild.run(["ingest", "--source", "kafka", "--stream-by", "key", "--kafka-group", s.group + "-new",
                                              "--exit-when-idle", "2", "--database", "sqlite:" + db] + kafkaArgs(s))
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stdout.contains("ingested 0 readings"), "\(again.stdout)")
        try await expectSame(db, as: try await reference(s, stream: stream))
    }

    @Test("keyed, interleaved bikes read by partition (the default): exit 0 with a warning that names --stream-by key")
    func keyedStreamsReadByPartitionAreNamed() async throws {
        let s = try await setup("keyed-hint")
        let produced = try await KafkaChild.run(["simulate", "--to", "kafka", "--speed", "0", "--partitions", "1"]
                                                    + kafkaArgs(s) + stream(rides: 8, bikes: 4, seed: 5))
        #expect(produced.status == 0, "\(produced.stderr)")
        let db = s.dir + "/partition.sqlite"
        let ingested = try await KafkaChild.run(["ingest", "--source", "kafka", "--kafka-group", s.group, "--exit-when-idle", "3",
                                                 "--database", "sqlite:" + db] + kafkaArgs(s))
        // Partition stays the default (a settled decision): the operator is told, nothing is switched.
        #expect(ingested.status == 0, "\(ingested.stderr)")
        #expect(ingested.stderr.contains("streams by partition"), "\(ingested.stderr)")
        let warnings = ingested.stderr.split(separator: "\n").filter { $0.contains("--stream-by key") }
        // Once when noticed, once more at exit.
        #expect(warnings.count == 2, "\(ingested.stderr)")
        #expect(warnings.allSatisfy { $0.contains("warning") }, "\(warnings)")

        // Read by key (by a group of its own), the same topic gives no such warning.
        let byKey = try await KafkaChild.run(ingestArgs(Setup(brokers: s.brokers, topic: s.topic, group: s.group + "-key", dir: s.dir),
                                                        db: s.dir + "/key.sqlite"))
        #expect(byKey.status == 0, "\(byKey.stderr)")
        #expect(!byKey.stderr.contains("--stream-by key"), "\(byKey.stderr)")
        #expect(byKey.stdout.contains("in 8 finished rides, 0 lines quarantined"), "\(byKey.stdout)")
    }

    @Test("kill -9 at random points and restarts: the warehouse equals one clean ingest")
    func crashesLoseAndDuplicateNothing() async throws {
        let s = try await setup("crash")
        let stream = stream(rides: 40, bikes: 6, seed: 23)
        // Produced while ingest runs, so kills land in the middle of rides and batches.
        let producer = try KafkaChild(["simulate", "--to", "kafka", "--speed", "100", "--partitions", "2"] + kafkaArgs(s) + stream)
        #expect(await producer.waitForLog("created Kafka topic", inStdout: true), "\(producer.stderr)")
        let db = s.dir + "/kafka.sqlite"
        var kills = 0
        for round in 0..<6 {
            let child = try KafkaChild(ingestArgs(s, db: db, idle: 30))
            #expect(await child.waitForLog("now read here", limit: .seconds(30)), "round \(round): \(child.stderr)")
            try await Task.sleep(for: .milliseconds(Int.random(in: 100...1500)))
            let status = await child.killHard()
            #expect(status == 128 + SIGKILL, "round \(round) ended by itself: \(child.stderr)")
            kills += 1
        }
        #expect(await producer.wait(limit: .seconds(120)) == 0, "\(producer.stderr)")
        let last = try await KafkaChild.run(ingestArgs(s, db: db))
        #expect(last.status == 0, "\(last.stderr)")
        #expect(kills >= 5)
        try await expectSame(db, as: try await reference(s, stream: stream))
        #expect(try await KafkaWarehouseDump.query(db, "SELECT count(*) FROM (SELECT ride_id FROM alerts GROUP BY ride_id HAVING count(*) > 1)") == ["0"])
    }

    @Test("two ingest processes in one group share four partitions; every ride is written once")
    func twoProcessesShareTheTopic() async throws {
        let s = try await setup("scale")
        let stream = stream(rides: 24, bikes: 8, seed: 31)
        let db = s.dir + "/kafka.sqlite"
        let producer = try KafkaChild(["simulate", "--to", "kafka", "--speed", "50", "--partitions", "4"] + kafkaArgs(s) + stream)
        // The topic exists before the members join, so both are given partitions of it.
        #expect(await producer.waitForLog("created Kafka topic", inStdout: true), "\(producer.stderr)")
        let a = try KafkaChild(ingestArgs(s, db: db, instance: 1, idle: 4))
        #expect(await a.waitForLog("now read here"), "\(a.stderr)")
        let b = try KafkaChild(ingestArgs(s, db: db, instance: 2, idle: 4))
        #expect(await producer.wait(limit: .seconds(120)) == 0, "\(producer.stderr)")
        let statusA = await a.wait(limit: .seconds(120)), statusB = await b.wait(limit: .seconds(120))
        #expect(statusA == 0, "\(a.stderr)")
        #expect(statusB == 0, "\(b.stderr)")
        // Both took part: each was given partitions and wrote readings.
        for child in [a, b] {
            #expect(child.stderr.contains("now read here"))
            #expect(!child.stdout.contains("ingested 0 readings"), "\(child.stdout)")
        }
        try await expectSame(db, as: try await reference(s, stream: stream))
    }

    @Test("Kafka settings mistakes exit 2 and name the setting")
    func settingsMistakesExitTwo() async throws {
        let dir = TestPaths.scratch("kafka-usage")
        let noPassword = try await KafkaChild.run(["ingest", "--source", "kafka", "--database", "sqlite:\(dir)/w.sqlite"],
                                                  environment: ["DELOTON_KAFKA_USERNAME": "alice"])
        #expect(noPassword.status == 2)
        #expect(noPassword.stderr.contains("DELOTON_KAFKA_PASSWORD"))
        let badStreamBy = try await KafkaChild.run(["ingest", "--source", "kafka", "--stream-by", "bike"])
        #expect(badStreamBy.status == 2 && badStreamBy.stderr.contains("--stream-by"))
        let badBrokers = try await KafkaChild.run(["simulate", "--to", "kafka", "--rides", "1", "--kafka-brokers", "nohost"])
        #expect(badBrokers.status == 2 && badBrokers.stderr.contains("--kafka-brokers"))
    }
}
