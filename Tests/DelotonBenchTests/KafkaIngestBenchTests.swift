import DelotonBench
import DelotonIngest
import DelotonTestSupport
import Foundation
import Logging
import Testing

/// `deloton bench kafka` at a small size against the test broker: every round reads back all the
/// file's readings, and live messages are matched to the commits that hold them.
@Suite(.timeLimit(.minutes(3)))
struct KafkaIngestBenchTests {
    @Test func smallRunMeasuresBothSides() async throws {
        let dir = TestPaths.scratch("kafka-bench")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        let brokers = try await KafkaBroker.shared()
        let throughput = try await KafkaIngestBench.throughput(brokers: brokers, readings: 2_000, rounds: 2,
                                                               directory: dir, settle: false, logger: logger)
        #expect(throughput.readings >= 2_000)
        #expect(throughput.fileSeconds.count == 2 && throughput.kafkaSeconds.count == 2)
        #expect(throughput.ratios.allSatisfy { $0 > 0 })
        let latency = try await KafkaIngestBench.latency(brokers: brokers, bikes: 5, seconds: 3, directory: dir, logger: logger)
        #expect(latency.messages > 10, "5 bikes for 3 s send more lines than that")
        #expect(latency.p50Milliseconds.isFinite && latency.p50Milliseconds <= latency.maxMilliseconds)
    }
}
