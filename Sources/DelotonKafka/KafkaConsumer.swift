import DelotonCore
import CRdKafka
import Foundation
import Logging
import Synchronization

/// A member of a Kafka consumer group that hands out batches of messages and
/// commits only what the caller says it has processed.
///
/// Every librdkafka call runs on the consumer's own thread, one at a time, so
/// calls are serialised: a `commit` waits for a running `poll` to return. Keep
/// poll timeouts short (a second or less) for prompt commits and shutdown.
///
/// Call `close()` when done; it leaves the group cleanly so the partitions move
/// to the remaining members at once.
public final class KafkaConsumer: Sendable {
    private let client: RdKafkaClient
    private let queue: BlockingQueue
    private let config: KafkaConsumerConfig
    private let closed: LockedFlag

    /// Joins the group and subscribes to `config.topics`; partitions arrive with the first polls.
    ///
    /// `onRebalance` runs on the consumer's queue, inside `poll` (or `close`).
    /// It may block, for example to wait for a warehouse flush, but must not call
    /// this consumer's async methods, which would wait for the poll it runs in.
    /// On `.assigned`, return the offset to start each partition at (`[:]` means
    /// committed offset, else `autoOffsetReset`). On `.revoked`, return offsets
    /// (NEXT offset to read) to commit before the partitions are released.
    public init(
        config: KafkaConsumerConfig,
        logger: Logger,
        onRebalance: @escaping @Sendable (KafkaRebalance) -> [KafkaTopicPartition: Int64] = { _ in [:] }
    ) throws(KafkaError) {
        let state = ClientState(config: config.config, logger: logger, onRebalance: onRebalance)
        let client = try RdKafkaClient(type: RD_KAFKA_CONSUMER, properties: try config.properties(), state: state) {
            rd_kafka_conf_set_rebalance_cb($0) { rk, code, partitions, opaque in
                guard let rk else { return }
                KafkaConsumer.rebalance(rk, code: code, partitions: partitions, opaque: opaque)
            }
        }
        // Route the main queue (error events, rebalances) into consumer polls.
        rd_kafka_poll_set_consumer(client.handle)
        let topics = PartitionList(topics: config.topics)
        let code = rd_kafka_subscribe(client.handle, topics.pointer)
        guard code == RD_KAFKA_RESP_ERR_NO_ERROR else {
            rd_kafka_consumer_close(client.handle)
            client.destroy()
            throw KafkaError(.configuration,
                             "Kafka could not subscribe to \(config.topics.joined(separator: ",")): "
                                 + "\(KafkaErrorClassifier.text(code)); check \(variable: .kafkaTopic)",
                             code: code.rawValue, setting: .kafkaTopic)
        }
        self.client = client
        self.config = config
        self.queue = BlockingQueue(label: "kafka-consumer")
        self.closed = LockedFlag()
        logger.debug("Kafka consumer started: \(config)")
    }

    deinit {
        // Forgotten consumers still leave the group; the queue keeps the client alive.
        guard !closed.set() else { return }
        let client = self.client
        queue.execute {
            rd_kafka_consumer_close(client.handle)
            client.destroy()
        }
    }

    /// Waits up to `timeout` for the first message, then returns at once with
    /// whatever is already buffered, up to `maxMessages`. An empty batch means
    /// nothing arrived in time.
    ///
    /// Throws for problems that need a person: rejected credentials, missing
    /// permissions, brokers unreachable for longer than `brokerUnreachableTimeout`.
    public func poll(maxMessages: Int, timeout: Duration) async throws(KafkaError) -> KafkaMessageBatch {
        let client = self.client
        let closed = self.closed
        let limit = max(1, maxMessages)
        let timeoutMs = timeout.milliseconds
        return try await queue.run { () throws(KafkaError) -> KafkaMessageBatch in
            guard !closed.isSet else { throw KafkaError(.closed, "Kafka consumer is closed") }
            var batch = KafkaMessageBatch()
            batch.reserveCapacity(min(limit, 4096))
            let deadline = ContinuousClock.now + .milliseconds(Int64(timeoutMs))
            // One String per topic, not per message (a name past 15 bytes is a heap allocation).
            var topic: (handle: OpaquePointer?, name: String) = (nil, "")
            func take(_ raw: UnsafeMutablePointer<rd_kafka_message_t>) {
                defer { rd_kafka_message_destroy(raw) }
                guard raw.pointee.err == RD_KAFKA_RESP_ERR_NO_ERROR else {
                    KafkaConsumer.report(messageError: raw, client: client)
                    return
                }
                if raw.pointee.rkt != topic.handle {
                    topic = (raw.pointee.rkt, raw.pointee.rkt.flatMap { rd_kafka_topic_name($0) }.map { String(cString: $0) } ?? "")
                }
                batch.append(raw, topic: topic.name)
            }
            // Whatever is buffered is taken many messages per call (one lock, not one per message);
            // only an empty queue is waited on, for the first message or event.
            let consumerQueue = rd_kafka_queue_get_consumer(client.handle)
            defer { rd_kafka_queue_destroy(consumerQueue) }
            var taken = [UnsafeMutablePointer<rd_kafka_message_t>?](repeating: nil, count: min(limit, 1024))
            while batch.count < limit {
                let want = min(limit - batch.count, taken.count)
                let count = taken.withUnsafeMutableBufferPointer {
                    rd_kafka_consume_batch_queue(consumerQueue, 0, $0.baseAddress, want)
                }
                for raw in taken[..<max(0, count)] { take(raw!) }
                if count == want { continue }
                // The queue is empty: wait, unless something was taken or time is up (error
                // events must not stretch the wait past the caller's timeout).
                let wait = (deadline - ContinuousClock.now).milliseconds
                guard batch.isEmpty, wait > 0, let raw = rd_kafka_consumer_poll(client.handle, wait) else { break }
                take(raw)
            }
            if !batch.isEmpty { client.state.markBrokersReachable() }
            try client.checkHealth()
            return batch
        }
    }

    /// Commits synchronously, returning once the group coordinator has stored the offsets.
    ///
    /// Each offset is the NEXT offset to read on its partition, i.e. the offset
    /// of the last processed message + 1 (`KafkaMessage.nextOffset`). Committing
    /// a message's own offset would re-deliver it after a restart.
    public func commit(_ offsets: [KafkaTopicPartitionOffset]) async throws(KafkaError) {
        guard !offsets.isEmpty else { return }
        let client = self.client
        let closed = self.closed
        try await queue.run { () throws(KafkaError) in
            guard !closed.isSet else { throw KafkaError(.closed, "Kafka consumer is closed") }
            try KafkaConsumer.commitNow(client.handle, offsets)
        }
    }

    /// The offsets the group has committed for `partitions` (NEXT offset to read);
    /// partitions without a commit are left out.
    public func committed(_ partitions: [KafkaTopicPartition], timeout: Duration = .seconds(10))
        async throws(KafkaError) -> [KafkaTopicPartition: Int64] {
        let client = self.client
        let closed = self.closed
        return try await queue.run { () throws(KafkaError) -> [KafkaTopicPartition: Int64] in
            guard !closed.isSet else { throw KafkaError(.closed, "Kafka consumer is closed") }
            let list = PartitionList(partitions)
            let code = rd_kafka_committed(client.handle, list.pointer, timeout.milliseconds)
            guard code == RD_KAFKA_RESP_ERR_NO_ERROR else {
                throw KafkaError(code == RD_KAFKA_RESP_ERR__TIMED_OUT ? .timedOut : .operation,
                                 "Kafka could not read committed offsets: \(KafkaErrorClassifier.text(code))",
                                 code: code.rawValue)
            }
            var result: [KafkaTopicPartition: Int64] = [:]
            for entry in list.entries where entry.offset >= 0 { result[entry.partition] = entry.offset }
            return result
        }
    }

    /// The partitions currently assigned to this consumer.
    public func assignment() async throws(KafkaError) -> [KafkaTopicPartition] {
        let client = self.client
        let closed = self.closed
        return try await queue.run { () throws(KafkaError) -> [KafkaTopicPartition] in
            guard !closed.isSet else { throw KafkaError(.closed, "Kafka consumer is closed") }
            return try KafkaConsumer.currentAssignment(client.handle).map(\.partition).sorted()
        }
    }

    /// Messages not yet read on each assigned partition: the broker's high
    /// watermark minus this consumer's position (or its committed offset when
    /// it has not fetched yet, or the reset point when there is neither).
    public func lag(timeout: Duration = .seconds(5)) async throws(KafkaError) -> [KafkaTopicPartition: Int64] {
        let client = self.client
        let closed = self.closed
        let reset = config.autoOffsetReset
        return try await queue.run { () throws(KafkaError) -> [KafkaTopicPartition: Int64] in
            guard !closed.isSet else { throw KafkaError(.closed, "Kafka consumer is closed") }
            let assigned = try KafkaConsumer.currentAssignment(client.handle).map(\.partition)
            guard !assigned.isEmpty else { return [:] }
            let positions = PartitionList(assigned)
            _ = rd_kafka_position(client.handle, positions.pointer)
            var position: [KafkaTopicPartition: Int64] = [:]
            for entry in positions.entries where entry.offset >= 0 { position[entry.partition] = entry.offset }
            let unknown = assigned.filter { position[$0] == nil }
            if !unknown.isEmpty {
                let committed = PartitionList(unknown)
                if rd_kafka_committed(client.handle, committed.pointer, timeout.milliseconds) == RD_KAFKA_RESP_ERR_NO_ERROR {
                    for entry in committed.entries where entry.offset >= 0 { position[entry.partition] = entry.offset }
                }
            }
            var lag: [KafkaTopicPartition: Int64] = [:]
            for partition in assigned {
                var low: Int64 = 0
                var high: Int64 = 0
                let code = rd_kafka_query_watermark_offsets(client.handle, partition.topic, partition.partition,
                                                            &low, &high, timeout.milliseconds)
                guard code == RD_KAFKA_RESP_ERR_NO_ERROR else {
                    throw KafkaError(code == RD_KAFKA_RESP_ERR__TIMED_OUT ? .timedOut : .operation,
                                     "Kafka could not read offsets of \(partition): \(KafkaErrorClassifier.text(code))",
                                     code: code.rawValue)
                }
                let from = position[partition] ?? (reset == .earliest ? low : high)
                lag[partition] = max(0, high - max(from, low))
            }
            return lag
        }
    }

    /// Leaves the group (running the revoke handler) and frees the client. Safe to call twice.
    public func close() async {
        guard !closed.set() else { return }
        let client = self.client
        try? await queue.run { () throws(KafkaError) in
            let code = rd_kafka_consumer_close(client.handle)
            if code != RD_KAFKA_RESP_ERR_NO_ERROR {
                client.state.logger.warning("Kafka consumer did not leave the group cleanly: \(KafkaErrorClassifier.text(code))")
            }
            client.destroy()
        }
    }

    // MARK: - on the consumer queue

    private static func commitNow(_ handle: OpaquePointer, _ offsets: [KafkaTopicPartitionOffset]) throws(KafkaError) {
        let list = PartitionList(offsets)
        let code = rd_kafka_commit(handle, list.pointer, 0)
        if code != RD_KAFKA_RESP_ERR_NO_ERROR {
            throw KafkaError(code == RD_KAFKA_RESP_ERR__TIMED_OUT ? .timedOut : .operation,
                             "Kafka commit failed: \(KafkaErrorClassifier.text(code))", code: code.rawValue)
        }
        // A commit can also fail per partition, e.g. one that was just revoked.
        if let failed = list.entries.first(where: { $0.error != RD_KAFKA_RESP_ERR_NO_ERROR }) {
            throw KafkaError(.operation,
                             "Kafka commit for \(failed.partition) failed: \(KafkaErrorClassifier.text(failed.error))",
                             code: failed.error.rawValue)
        }
    }

    private static func currentAssignment(_ handle: OpaquePointer) throws(KafkaError)
        -> [(partition: KafkaTopicPartition, offset: Int64, error: rd_kafka_resp_err_t)] {
        var list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?
        let code = rd_kafka_assignment(handle, &list)
        defer { if let list { rd_kafka_topic_partition_list_destroy(list) } }
        guard code == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw KafkaError(.operation, "Kafka could not read the assignment: \(KafkaErrorClassifier.text(code))",
                             code: code.rawValue)
        }
        return PartitionList.entries(list)
    }

    private static func report(messageError raw: UnsafeMutablePointer<rd_kafka_message_t>, client: RdKafkaClient) {
        let code = raw.pointee.err
        var reason = KafkaErrorClassifier.text(code)
        if let text = rd_kafka_message_errstr(raw) { reason = String(cString: text) }
        if code == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART || code == RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC {
            client.state.transientLog.log(.warning, key: "topic-\(code.rawValue)",
                                          "Kafka: \(reason) (check \(variable: .kafkaTopic); waiting for it to appear)")
        } else {
            client.state.handleErrorEvent(client.handle, code: code, reason: reason)
        }
    }

    /// The C rebalance callback; runs inside `rd_kafka_consumer_poll` or `rd_kafka_consumer_close`.
    fileprivate static func rebalance(_ rk: OpaquePointer, code: rd_kafka_resp_err_t,
                                      partitions: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?,
                                      opaque: UnsafeMutableRawPointer?) {
        let state = opaque.map { Unmanaged<ClientState>.fromOpaque($0).takeUnretainedValue() }
        let cooperative = rd_kafka_rebalance_protocol(rk).map { String(cString: $0) } == "COOPERATIVE"
        let entries = PartitionList.entries(partitions)
        let affected = entries.map(\.partition)
        switch code {
        case RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS:
            let starts = state?.onRebalance?(.assigned(affected)) ?? [:]
            if let partitions, !starts.isEmpty, let elements = partitions.pointee.elems {
                for index in 0..<Int(partitions.pointee.cnt) {
                    let element = elements[index]
                    let key = KafkaTopicPartition(topic: element.topic.map { String(cString: $0) } ?? "",
                                                  partition: element.partition)
                    if let offset = starts[key] { elements[index].offset = offset }
                }
            }
            state?.logger.info("Kafka assigned \(affected.map(\.description).joined(separator: ", "))")
            let failure: String?
            if cooperative {
                failure = rd_kafka_incremental_assign(rk, partitions).map(Self.consumeError)
            } else {
                let result = rd_kafka_assign(rk, partitions)
                failure = result == RD_KAFKA_RESP_ERR_NO_ERROR ? nil : KafkaErrorClassifier.text(result)
            }
            if let failure { state?.logger.error("Kafka could not take the assigned partitions: \(failure)") }
        case RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS:
            let toCommit = state?.onRebalance?(.revoked(affected)) ?? [:]
            if !toCommit.isEmpty {
                let offsets = toCommit.map { KafkaTopicPartitionOffset($0.key, offset: $0.value) }
                do throws(KafkaError) {
                    try commitNow(rk, offsets)
                } catch {
                    state?.logger.warning("Kafka commit before giving up partitions failed: \(error.message)")
                }
            }
            state?.logger.info("Kafka revoked \(affected.map(\.description).joined(separator: ", "))")
            if cooperative {
                if let failure = rd_kafka_incremental_unassign(rk, partitions).map(Self.consumeError) {
                    state?.logger.error("Kafka could not release partitions: \(failure)")
                }
            } else {
                _ = rd_kafka_assign(rk, nil)
            }
        default:
            state?.logger.warning("Kafka rebalance failed: \(KafkaErrorClassifier.text(code)); dropping the assignment")
            _ = rd_kafka_assign(rk, nil)
        }
    }

    private static func consumeError(_ error: OpaquePointer) -> String {
        defer { rd_kafka_error_destroy(error) }
        return rd_kafka_error_string(error).map { String(cString: $0) } ?? "unknown error"
    }
}

/// A one-way switch shared with work queued on the consumer's queue.
final class LockedFlag: Sendable {
    private let value = Mutex(false)

    var isSet: Bool { value.withLock { $0 } }

    /// Sets the flag; returns whether it was already set.
    func set() -> Bool {
        value.withLock { value in
            defer { value = true }
            return value
        }
    }
}
