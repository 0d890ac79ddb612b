import DelotonBench
import DelotonKafka
import DelotonTestSupport
import Foundation
import Logging
import Testing

@Suite(.timeLimit(.minutes(3)))
struct KafkaBenchTests {
    /// Small by default so the suite stays quick; DELOTON_KAFKA_BENCH_MESSAGES=200000 for the real figure.
    @Test("bench: produce and consume small keyed messages and read every one back")
    func bench() async throws {
        let count = ProcessInfo.processInfo.environment["DELOTON_KAFKA_BENCH_MESSAGES"].flatMap(Int.init) ?? 20_000
        let config = KafkaConfig(brokers: try await KafkaBroker.shared(), clientID: "deloton-test")
        var logger = Logger(label: "test.kafka-bench")
        logger.logLevel = .warning
        let result = try await KafkaBench.run(config: config, topic: KafkaBroker.uniqueName("bench"),
                                              messages: count, payloadBytes: 150, logger: logger)
        print("KafkaBench: \(result)")
        #expect(result.failedDeliveries == 0)
        #expect(result.producedPerSecond > 1000)
        #expect(result.consumedPerSecond > 1000)
    }
}
