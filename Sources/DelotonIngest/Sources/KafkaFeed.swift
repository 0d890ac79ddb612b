import DelotonConcurrency
import DelotonKafka
import Dispatch
import Synchronization

/// The hand-off between the task that polls Kafka and the task that owns the pipeline.
///
/// Rebalances are why there are two tasks: librdkafka runs the rebalance handler inside
/// `poll`, and before partitions are released the pipeline must have written what it read.
/// The handler therefore queues the rebalance behind the messages already handed over and
/// blocks its thread (the consumer's own, not a cooperative one) until the pipeline task has
/// answered it.
final class KafkaFeed: Sendable {
    enum Item: Sendable {
        /// `rebalanced`: a rebalance ran during the poll that returned these, so some may
        /// belong to partitions since lost or come before the restart point of regained ones.
        case messages(KafkaMessageBatch, rebalanced: Bool)
        /// A poll returned nothing: time to flush by age and end silent rides.
        case idle
        case rebalance(KafkaRebalance, RebalanceReply)
    }

    /// Why the poll side stopped handing over messages.
    enum End: Sendable, Equatable {
        case stopped
        case idle
    }

    /// What the poll side handed over; a batch weighs its message count, so the bound is in messages.
    private let channel: BoundedChannel<Item>
    private let state = Mutex<(generation: Int, end: Result<End, KafkaError>?)>((0, nil))

    /// - Parameter capacity: messages the poll side may run ahead of the pipeline (bounds memory).
    init(capacity: Int) {
        channel = BoundedChannel(capacity: capacity)
    }

    /// Counts rebalances, so the poll side can tell whether one ran during a poll.
    var generation: Int { state.withLock { $0.generation } }

    var isClosed: Bool { channel.isClosed }

    /// Nothing handed over is waiting to be taken: the pipeline has caught up with the poller.
    var isCaughtUp: Bool { channel.isEmpty }

    // MARK: poll side

    /// Hands over a poll's result; waits while the pipeline is too far behind.
    func push(_ item: Item, messageCount: Int) async {
        await channel.send(item, weight: messageCount)
    }

    /// Called by the rebalance handler on the consumer's thread: waits for the pipeline's answer.
    /// It never waits for room: the pipeline must see the rebalance behind what it already has.
    /// Once the pipeline side is closed, `whenClosed` answers instead.
    func rebalance(_ event: KafkaRebalance, whenClosed: () -> [KafkaTopicPartition: Int64]) -> [KafkaTopicPartition: Int64] {
        let reply = RebalanceReply()
        state.withLock { $0.generation += 1 }
        guard channel.sendNow(.rebalance(event, reply)) else { return whenClosed() }
        return reply.wait() ?? whenClosed()
    }

    /// No more input: the pipeline side drains what is queued, then sees the end.
    func finishInput(_ end: Result<End, KafkaError>) {
        state.withLock { s in
            if s.end == nil { s.end = end }
        }
        channel.finish()
    }

    // MARK: pipeline side

    /// The next item, or nil once input has finished and everything queued was taken.
    func next() async -> Item? {
        await channel.next()
    }

    /// How input ended (nil while it has not).
    var end: Result<End, KafkaError>? { state.withLock { $0.end } }

    /// The pipeline side is done: pending and future rebalances are answered by their
    /// `whenClosed`, and a waiting poll side is released.
    func close() {
        for case .rebalance(_, let reply) in channel.close() { reply.answer(nil) }
    }
}

/// The pipeline task's answer to one rebalance, awaited by the consumer's thread.
///
/// A semaphore, not a continuation: librdkafka calls the handler synchronously inside `poll`
/// and reads its answer when the handler returns, so that thread has to block until the answer comes.
final class RebalanceReply: Sendable {
    private let semaphore = DispatchSemaphore(value: 0)
    private let value = Mutex<[KafkaTopicPartition: Int64]??>(nil)

    /// nil: the pipeline could not answer (it stopped); the caller falls back.
    func answer(_ offsets: [KafkaTopicPartition: Int64]?) {
        let first = value.withLock { v -> Bool in
            guard v == nil else { return false }
            v = .some(offsets)
            return true
        }
        if first { semaphore.signal() }
    }

    func wait() -> [KafkaTopicPartition: Int64]? {
        semaphore.wait()
        return value.withLock { $0 ?? nil }
    }
}
