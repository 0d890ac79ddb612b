import DelotonCore
import DelotonIngest
import DelotonKafka
import DelotonStore
import DelotonTestSupport
import Foundation
import GRDB
import Logging
import Synchronization
import Testing

/// KafkaSource and KafkaSink in process, against a real broker and a real SQLite warehouse.
@Suite(.serialized, .timeLimit(.minutes(3)))
struct KafkaSourceTests {
    static let logger: Logger = {
        var logger = Logger(label: "deloton.kafka.ingest.test")
        logger.logLevel = .warning
        return logger
    }()

    func config() async throws -> KafkaConfig { KafkaConfig(brokers: try await KafkaBroker.shared(), clientID: "deloton-ingest-test") }

    func settings(topic: String, streamBy: KafkaStreamBy = .partition) async throws -> KafkaSourceSettings {
        let consumer = KafkaConsumerConfig(config: try await config(), groupID: KafkaBroker.uniqueName("g"),
                                           groupInstanceID: "test-1", topics: [topic])
        return KafkaSourceSettings(consumer: consumer, streamBy: streamBy, exitWhenIdle: .seconds(1))
    }

    func ingest(_ settings: KafkaSourceSettings, into db: String) async throws -> IngestStats {
        let warehouse = try await Warehouses.open("sqlite:" + db, logger: Self.logger)
        let options = IngestOptions(streamZone: Zone(identifier: "Europe/London") ?? .utc, rideIdleTimeout: .seconds(60))
        let stats = try await KafkaSource(settings: settings).run(warehouse: warehouse, options: options, logger: Self.logger)
        try await warehouse.close()
        return stats
    }

    /// Produces one simulated stream (key = bike) through the sink; returns the lines per bike.
    func produce(topic: String, partitions: Int, rides: Int, bikes: Int) async throws -> Int {
        _ = try await KafkaSink.prepareTopic(topic, partitions: partitions, config: try await config(), logger: Self.logger)
        let sink = try KafkaSink(config: try await config(), topic: topic, logger: Self.logger)
        var sim = StreamSimulator(seed: 3, bikes: bikes, rides: rides,
                                  start: LocalDateTime(year: 2026, month: 6, day: 1, hour: 8, minute: 0, second: 0),
                                  minSeconds: 30, maxSeconds: 60)
        var lines = 0
        while let line = sim.next() {
            try await sink.send(line.text, bike: line.bike)
            lines += 1
        }
        let stats = try await sink.finish()
        #expect(stats.delivered == lines && stats.failed == 0)
        return lines
    }

    @Test("the sink writes the real producer's value exactly, keyed by bike serial")
    func sinkWritesWireFormat() async throws {
        let topic = KafkaBroker.uniqueName("sink")
        let lines = try await produce(topic: topic, partitions: 1, rides: 1, bikes: 1)
        let consumer = try KafkaConsumer(config: KafkaConsumerConfig(config: try await config(), groupID: KafkaBroker.uniqueName("g"),
                                                                     topics: [topic]), logger: Self.logger)
        var messages: [KafkaMessage] = []
        let deadline = ContinuousClock.now + .seconds(20)
        while messages.count < lines, ContinuousClock.now < deadline {
            messages += try await consumer.poll(maxMessages: 1000, timeout: .milliseconds(200))
        }
        await consumer.close()
        #expect(messages.count == lines)
        let first = messages.first.map { String(decoding: $0.value, as: UTF8.self) }
        #expect(first == #"{"log": "--------- beginning of main\n"}"#)
        #expect(messages.allSatisfy { $0.key == Array("SN0000".utf8) })
        #expect(messages.allSatisfy { !String(decoding: $0.value, as: UTF8.self).contains("\"key\"") })
    }

    @Test("a message that is not wire format is quarantined with kafka:TOPIC/P and its offset; the rest goes on")
    func malformedMessageIsQuarantined() async throws {
        let topic = KafkaBroker.uniqueName("bad")
        let lines = try await produce(topic: topic, partitions: 1, rides: 1, bikes: 1)
        let producer = try KafkaProducer(config: KafkaProducerConfig(config: try await config()), logger: Self.logger)
        try await producer.send(topic: topic, partition: 0, key: nil, value: Array("this is not json".utf8))
        try await producer.flush(timeout: .seconds(10))
        await producer.close()

        let db = TestPaths.scratch("kafka-bad") + "/w.sqlite"
        let stats = try await ingest(try await settings(topic: topic), into: db)
        #expect(stats.quarantined == 1)
        #expect(stats.ridesEnded == 1)
        let queue = try DatabaseQueue(path: db)
        let rows = try queue.read { db in try Row.fetchAll(db, sql: "SELECT source, position, raw FROM quarantine") }
        #expect(rows.count == 1)
        #expect(rows.first?["source"] == "kafka:\(topic)/0")
        #expect(rows.first?["position"] == Int64(lines))
        #expect(rows.first?["raw"] == "this is not json")
        let positions = try queue.read { db in try Row.fetchAll(db, sql: "SELECT source, position FROM source_positions") }
        #expect(positions.map { $0["source"] as String } == ["kafka:\(topic)/0"])
        #expect(positions.first?["position"] == Int64(lines + 1))
        let streams = try await queue.read { db in try String.fetchAll(db, sql: "SELECT DISTINCT stream FROM rides") }
        #expect(streams == ["kafka:\(topic)/0"])
    }

    @Test("--stream-by key assembles rides per key and a second run starts where the warehouse left off")
    func keyedStreamsAndWarehousePositions() async throws {
        let topic = KafkaBroker.uniqueName("keyed")
        _ = try await produce(topic: topic, partitions: 1, rides: 4, bikes: 2)
        let db = TestPaths.scratch("kafka-keyed") + "/w.sqlite"
        let first = try await ingest(try await settings(topic: topic, streamBy: .key), into: db)
        #expect(first.ridesEnded == 4)
        #expect(first.quarantined == 0)
        let queue = try DatabaseQueue(path: db)
        let streams = try await queue.read { db in try String.fetchAll(db, sql: "SELECT DISTINCT stream FROM rides ORDER BY 1") }
        #expect(streams == ["kafka:\(topic)/key=SN0000", "kafka:\(topic)/key=SN0001"])
        // A new group (no Kafka commits) still reads nothing twice: the warehouse holds the position.
        let second = try await ingest(try await settings(topic: topic, streamBy: .key), into: db)
        #expect(second.lines == 0)
        #expect(second.readings == 0)
    }

    @Test("a line read from a quiet topic is written at once, not when the batch delay runs out")
    func caughtUpBatchIsWrittenAtOnce() async throws {
        let topic = KafkaBroker.uniqueName("quiet")
        _ = try await KafkaSink.prepareTopic(topic, partitions: 1, config: try await config(), logger: Self.logger)
        var settings = try await settings(topic: topic)
        settings.exitWhenIdle = nil
        let warehouse = try await Warehouses.open("sqlite:" + TestPaths.scratch("kafka-quiet") + "/w.sqlite", logger: Self.logger)
        var options = IngestOptions(streamZone: .utc)
        options.maxBatchDelay = .seconds(600)
        let committed = Atomic<Int>(0)
        let stopping = Atomic<Bool>(false)
        let run = Task {
            try await KafkaSource(settings: settings).run(warehouse: warehouse, options: options, logger: Self.logger,
                                                          onCommitted: { _ in committed.add(1, ordering: .relaxed) },
                                                          stop: { stopping.load(ordering: .relaxed) })
        }
        let producer = try KafkaProducer(config: KafkaProducerConfig(config: try await config()), logger: Self.logger)
        try await producer.send(topic: topic, partition: 0, key: nil, value: Array("not wire format".utf8))
        try await producer.flush(timeout: .seconds(10))
        await producer.close()
        let deadline = ContinuousClock.now + .seconds(60)
        while committed.load(ordering: .relaxed) == 0, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
        }
        let whileRunning = committed.load(ordering: .relaxed)
        stopping.store(true, ordering: .relaxed)
        let stats = try await run.value
        try await warehouse.close()
        #expect(whileRunning >= 1, "the batch waited for the stop instead of being written once the topic was read")
        #expect(stats.quarantined == 1)
    }
}
