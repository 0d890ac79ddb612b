import DelotonCore
import CRdKafka
import Foundation
import Logging
import Synchronization

/// What librdkafka's C callbacks need, reached through the handle's opaque pointer.
///
/// The callbacks run on librdkafka's threads or inside poll calls, so every
/// mutable field is behind the mutex. The owning client keeps this object alive
/// until after `rd_kafka_destroy`, when no callback can fire any more.
final class ClientState: Sendable {
    private struct Health {
        var fatalError: KafkaError?
        var brokersDownSince: ContinuousClock.Instant?
        var lastBrokerError: String?
        var delivered = 0
        var failed = 0
        var lastDeliveryError: String?
    }

    let logger: Logger
    let transientLog: RateLimitedLog
    let config: KafkaConfig
    let onRebalance: (@Sendable (KafkaRebalance) -> [KafkaTopicPartition: Int64])?

    private let health = Mutex(Health())

    init(config: KafkaConfig, logger: Logger,
         onRebalance: (@Sendable (KafkaRebalance) -> [KafkaTopicPartition: Int64])? = nil) {
        self.config = config
        self.logger = logger
        self.transientLog = RateLimitedLog(logger: logger)
        self.onRebalance = onRebalance
    }

    // MARK: error events

    func handleErrorEvent(_ rk: OpaquePointer?, code: rd_kafka_resp_err_t, reason: String) {
        var code = code
        var reason = reason
        if code == RD_KAFKA_RESP_ERR__FATAL, let rk {
            var buffer = [CChar](repeating: 0, count: 512)
            code = rd_kafka_fatal_error(rk, &buffer, buffer.count)
            reason = String(cBuffer: buffer)
            let error = KafkaErrorClassifier.permanentError(code: code, reason: reason, config: config)
                ?? KafkaError(.fatal, "Kafka client hit a fatal error (\(reason)); it must be restarted",
                              code: code.rawValue)
            record(fatal: error)
            return
        }
        if let error = KafkaErrorClassifier.permanentError(code: code, reason: reason, config: config) {
            record(fatal: error)
            return
        }
        if code == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN || code == RD_KAFKA_RESP_ERR__RESOLVE
            || code == RD_KAFKA_RESP_ERR__TRANSPORT {
            health.withLock { h in
                if h.brokersDownSince == nil, code == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN || code == RD_KAFKA_RESP_ERR__RESOLVE {
                    h.brokersDownSince = .now
                }
                if code != RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN || h.lastBrokerError == nil { h.lastBrokerError = reason }
            }
        }
        transientLog.log(.warning, key: "error-\(code.rawValue)", "Kafka: \(reason)")
    }

    private func record(fatal error: KafkaError) {
        let first = health.withLock { h in
            if h.fatalError == nil { h.fatalError = error; return true }
            return false
        }
        if first { logger.error("\(error.message)") }
    }

    /// Throws the first fatal error seen, or `brokersUnreachable` once all brokers
    /// have been down for longer than allowed and `stillDown` confirms it.
    func checkHealth(stillDown: () -> Bool) throws(KafkaError) {
        let (fatal, downSince, lastError) = health.withLock { ($0.fatalError, $0.brokersDownSince, $0.lastBrokerError) }
        if let fatal { throw fatal }
        guard let downSince, ContinuousClock.now - downSince >= config.brokerUnreachableTimeout else { return }
        guard stillDown() else {
            // Not cleared: librdkafka reports "all brokers down" once per outage, so clearing on one
            // lucky answer would hide the rest of it. Real traffic clears it; otherwise ask again later.
            health.withLock { if $0.brokersDownSince != nil { $0.brokersDownSince = .now } }
            return
        }
        let seconds = Int((ContinuousClock.now - downSince).components.seconds)
        throw KafkaError(.brokersUnreachable,
                         "Cannot reach any Kafka broker at \(config.brokersString) for \(seconds) s"
                             + (lastError.map { " (\($0))" } ?? "")
                             + ": check \(variable: .kafkaBrokers) (\(flag: .kafkaBrokers)) and that the broker is running",
                         code: RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN.rawValue, setting: .kafkaBrokers)
    }

    func markBrokersReachable() {
        health.withLock {
            $0.brokersDownSince = nil
            $0.lastBrokerError = nil
        }
    }

    var recordedFatalError: KafkaError? { health.withLock { $0.fatalError } }

    // MARK: delivery reports

    func recordDelivery(error: rd_kafka_resp_err_t) {
        if error == RD_KAFKA_RESP_ERR_NO_ERROR {
            health.withLock { $0.delivered += 1 }
            // A delivered message is the producer's proof that a broker answers.
            markBrokersReachable()
        } else {
            let text = String(cString: rd_kafka_err2str(error))
            health.withLock {
                $0.failed += 1
                $0.lastDeliveryError = text
            }
            transientLog.log(.warning, key: "delivery-\(error.rawValue)", "Kafka: message delivery failed: \(text)")
        }
    }

    var deliveryStats: KafkaDeliveryStats {
        health.withLock { KafkaDeliveryStats(delivered: $0.delivered, failed: $0.failed, lastError: $0.lastDeliveryError) }
    }
}

/// Counts from the producer's delivery reports.
public struct KafkaDeliveryStats: Sendable, Equatable {
    public var delivered: Int
    public var failed: Int
    /// librdkafka's text for the most recent failure.
    public var lastError: String?

    public init(delivered: Int, failed: Int, lastError: String?) {
        self.delivered = delivered
        self.failed = failed
        self.lastError = lastError
    }
}
