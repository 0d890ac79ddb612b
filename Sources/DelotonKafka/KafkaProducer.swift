import DelotonCore
import CRdKafka
import DelotonConcurrency
import Logging

/// Sends messages to Kafka at high rates.
///
/// `send` only hands a copy of the message to librdkafka, which batches it
/// (see `KafkaProducerConfig.linger`) and delivers it in the background; a
/// dedicated thread serves delivery reports, which `deliveryStats` counts.
/// Call `flush` to wait for delivery and `close` when done.
public final class KafkaProducer: Sendable {
    private let client: RdKafkaClient
    private let queue: BlockingQueue
    private let closed: LockedFlag
    private let poller: ProducerPoller

    public init(config: KafkaProducerConfig, logger: Logger) throws(KafkaError) {
        let state = ClientState(config: config.config, logger: logger)
        let client = try RdKafkaClient(type: RD_KAFKA_PRODUCER, properties: try config.properties(), state: state) {
            rd_kafka_conf_set_dr_msg_cb($0) { _, message, opaque in
                guard let message, let opaque else { return }
                Unmanaged<ClientState>.fromOpaque(opaque).takeUnretainedValue().recordDelivery(error: message.pointee.err)
            }
        }
        self.client = client
        self.queue = BlockingQueue(label: "kafka-producer")
        self.closed = LockedFlag()
        self.poller = ProducerPoller(client: client)
        logger.debug("Kafka producer started: \(config)")
    }

    deinit {
        guard !closed.set() else { return }
        let client = self.client
        let poller = self.poller
        queue.execute {
            poller.stop()
            client.destroy()
        }
    }

    /// Queues one message (copied) for `topic`. Messages with the same key go to
    /// the same partition, so one bike's readings stay in order; `partition`
    /// overrides that choice.
    ///
    /// Returns as soon as librdkafka has the copy. When its queue is full, waits
    /// for deliveries to make room, failing once brokers have been unreachable for
    /// longer than `brokerUnreachableTimeout`.
    public func send(topic: String, partition: Int32? = nil, key: [UInt8]?, value: [UInt8]) async throws(KafkaError) {
        while true {
            guard !closed.isSet else { throw KafkaError(.closed, "Kafka producer is closed") }
            if let fatal = client.state.recordedFatalError { throw fatal }
            let code = Self.produce(client.handle, topic: topic, partition: partition, key: key, value: value)
            if code == RD_KAFKA_RESP_ERR_NO_ERROR { return }
            guard code == RD_KAFKA_RESP_ERR__QUEUE_FULL else {
                throw KafkaError(code == RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE ? .configuration : .operation,
                                 "Kafka refused a message for \(topic): \(KafkaErrorClassifier.text(code))",
                                 code: code.rawValue)
            }
            // The poller thread serves delivery reports, which frees room; only wait here.
            do {
                try await Task.sleep(for: .milliseconds(2))
            } catch {
                throw KafkaError(.cancelled, "Sending to Kafka was cancelled")
            }
            let client = self.client
            try await queue.run { () throws(KafkaError) in try client.checkHealth() }
        }
    }

    /// Waits until every queued message is delivered or failed.
    /// Throws `timedOut` naming how many are still in flight.
    public func flush(timeout: Duration) async throws(KafkaError) {
        let client = self.client
        let closed = self.closed
        try await queue.run { () throws(KafkaError) in
            guard !closed.isSet else { throw KafkaError(.closed, "Kafka producer is closed") }
            try KafkaProducer.flushNow(client, timeout: timeout)
        }
    }

    /// Delivered and failed counts so far, and the last failure.
    public var deliveryStats: KafkaDeliveryStats { client.state.deliveryStats }

    /// Messages handed to librdkafka but not yet delivered or failed.
    public var inFlight: Int { closed.isSet ? 0 : Int(rd_kafka_outq_len(client.handle)) }

    /// Delivers what is queued (up to `timeout`), then frees the client. Safe to call twice.
    public func close(timeout: Duration = .seconds(30)) async {
        guard !closed.set() else { return }
        let client = self.client
        let poller = self.poller
        try? await queue.run { () throws(KafkaError) in
            poller.stop()
            do throws(KafkaError) {
                try KafkaProducer.flushNow(client, timeout: timeout, probeBrokers: false)
            } catch {
                client.state.logger.warning("\(error.message); closing anyway")
            }
            client.destroy()
        }
    }

    private static func flushNow(_ client: RdKafkaClient, timeout: Duration, probeBrokers: Bool = true) throws(KafkaError) {
        let code = rd_kafka_flush(client.handle, timeout.milliseconds)
        if code == RD_KAFKA_RESP_ERR__TIMED_OUT {
            // Unreachable brokers are the likely cause, and the more useful error.
            if probeBrokers { try client.checkHealth() }
            let left = rd_kafka_outq_len(client.handle)
            let last = client.state.deliveryStats.lastError.map { " (last error: \($0))" } ?? ""
            throw KafkaError(.timedOut,
                             "Kafka did not confirm \(left) message(s) within \(timeout)\(last): "
                                 + "check \(variable: .kafkaBrokers) and the broker's health",
                             code: code.rawValue, setting: .kafkaBrokers)
        }
    }

    private static func produce(_ handle: OpaquePointer, topic: String, partition: Int32?, key: [UInt8]?,
                                value: [UInt8]) -> rd_kafka_resp_err_t {
        topic.withCString { topicName in
            value.withUnsafeBytes { valueBytes in
                withOptionalBytes(key) { keyBytes in
                    var fields = [rd_kafka_vu_t](repeating: rd_kafka_vu_t(), count: 3)
                    fields.reserveCapacity(5)
                    fields[0].vtype = RD_KAFKA_VTYPE_TOPIC
                    fields[0].u.cstr = topicName
                    fields[1].vtype = RD_KAFKA_VTYPE_VALUE
                    fields[1].u.mem.ptr = UnsafeMutableRawPointer(mutating: valueBytes.baseAddress)
                    fields[1].u.mem.size = valueBytes.count
                    // librdkafka copies the bytes, so Swift's buffers may go after the call.
                    fields[2].vtype = RD_KAFKA_VTYPE_MSGFLAGS
                    fields[2].u.i = RD_KAFKA_MSG_F_COPY
                    if let keyBytes {
                        var field = rd_kafka_vu_t()
                        field.vtype = RD_KAFKA_VTYPE_KEY
                        field.u.mem.ptr = UnsafeMutableRawPointer(mutating: keyBytes.baseAddress)
                        field.u.mem.size = keyBytes.count
                        fields.append(field)
                    }
                    if let partition {
                        var field = rd_kafka_vu_t()
                        field.vtype = RD_KAFKA_VTYPE_PARTITION
                        field.u.i32 = partition
                        fields.append(field)
                    }
                    guard let error = rd_kafka_produceva(handle, fields, fields.count) else {
                        return RD_KAFKA_RESP_ERR_NO_ERROR
                    }
                    defer { rd_kafka_error_destroy(error) }
                    return rd_kafka_error_code(error)
                }
            }
        }
    }
}

private func withOptionalBytes<R>(_ bytes: [UInt8]?, _ body: (UnsafeRawBufferPointer?) -> R) -> R {
    guard let bytes else { return body(nil) }
    return bytes.withUnsafeBytes { body($0) }
}

/// The thread that serves the producer's delivery reports and error events: one job that
/// polls until stopped, on an executor of its own (it never returns while the producer lives).
final class ProducerPoller: Sendable {
    private let stopping = LockedFlag()
    private let executor = BlockingExecutor(name: "kafka-poll")

    init(client: RdKafkaClient) {
        let stopping = self.stopping
        executor.execute {
            while !stopping.isSet {
                rd_kafka_poll(client.handle, 100)
            }
        }
        executor.shutdown()
    }

    /// Returns once the thread no longer touches the handle. Blocks: call it on the producer's
    /// own thread, never a cooperative one.
    func stop() {
        guard !stopping.set() else { return }
        executor.waitUntilTerminated()
    }
}
