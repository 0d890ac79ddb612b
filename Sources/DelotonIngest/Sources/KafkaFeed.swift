import DelotonKafka
import Dispatch
import Synchronization

/// The hand-off between the task that polls Kafka and the task that owns the pipeline.
///
/// Rebalances are why there are two tasks: librdkafka runs the rebalance handler inside
/// `poll`, and before partitions are released the pipeline must have written what it read.
/// The handler therefore queues the rebalance behind the messages already handed over and
/// blocks its (dispatch, not cooperative) thread until the pipeline task has answered it.
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

    private struct State {
        var items: [Item] = []
        var head = 0
        var bufferedMessages = 0
        var waiter: CheckedContinuation<Item?, Never>?
        var spaceWaiters: [CheckedContinuation<Void, Never>] = []
        var end: Result<End, KafkaError>?
        var closed = false
        var generation = 0
    }

    private let state = Mutex(State())
    /// Messages the poll side may run ahead of the pipeline (bounds memory).
    private let capacity: Int

    init(capacity: Int) {
        self.capacity = capacity
    }

    /// Counts rebalances, so the poll side can tell whether one ran during a poll.
    var generation: Int { state.withLock { $0.generation } }

    var isClosed: Bool { state.withLock { $0.closed } }

    /// Nothing handed over is waiting to be taken: the pipeline has caught up with the poller.
    var isCaughtUp: Bool { state.withLock { $0.head >= $0.items.count } }

    // MARK: poll side

    /// Hands over a poll's result; waits while the pipeline is too far behind.
    func push(_ item: Item, messageCount: Int) async {
        while true {
            let mustWait: Bool = state.withLock { s in
                !s.closed && messageCount > 0 && s.bufferedMessages >= capacity
            }
            if mustWait {
                await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                    let resumeNow = state.withLock { s -> Bool in
                        if s.closed || s.bufferedMessages < capacity { return true }
                        s.spaceWaiters.append(continuation)
                        return false
                    }
                    if resumeNow { continuation.resume() }
                }
                continue
            }
            let waiter: CheckedContinuation<Item?, Never>? = state.withLock { s in
                guard !s.closed else { return nil }
                s.bufferedMessages += messageCount
                if let waiter = s.waiter {
                    s.waiter = nil
                    s.bufferedMessages -= messageCount
                    return waiter
                }
                s.items.append(item)
                return nil
            }
            waiter?.resume(returning: item)
            return
        }
    }

    /// Called by the rebalance handler on the consumer's thread: waits for the pipeline's answer.
    /// Once the pipeline side is closed, `whenClosed` answers instead.
    func rebalance(_ event: KafkaRebalance, whenClosed: () -> [KafkaTopicPartition: Int64]) -> [KafkaTopicPartition: Int64] {
        let reply = RebalanceReply()
        let item = Item.rebalance(event, reply)
        let (accepted, waiter): (Bool, CheckedContinuation<Item?, Never>?) = state.withLock { s in
            s.generation += 1
            guard !s.closed else { return (false, nil) }
            if let waiter = s.waiter {
                s.waiter = nil
                return (true, waiter)
            }
            s.items.append(item)
            return (true, nil)
        }
        guard accepted else { return whenClosed() }
        waiter?.resume(returning: item)
        return reply.wait() ?? whenClosed()
    }

    /// No more input: the pipeline side drains what is queued, then sees the end.
    func finishInput(_ end: Result<End, KafkaError>) {
        let waiter: CheckedContinuation<Item?, Never>? = state.withLock { s in
            if s.end == nil { s.end = end }
            defer { s.waiter = nil }
            return s.waiter
        }
        waiter?.resume(returning: nil)
    }

    // MARK: pipeline side

    /// The next item, or nil once input has finished and everything queued was taken.
    func next() async -> Item? {
        let (ready, woken) = state.withLock { Self.dequeue(&$0, capacity: capacity) }
        woken.forEach { $0.resume() }
        if let ready { return ready }
        return await withCheckedContinuation { (continuation: CheckedContinuation<Item?, Never>) in
            let (immediate, woken): (Item??, [CheckedContinuation<Void, Never>]) = state.withLock { s in
                let (item, woken) = Self.dequeue(&s, capacity: capacity)
                if let item { return (.some(item), woken) }
                if s.end != nil || s.closed { return (.some(nil), woken) }
                s.waiter = continuation
                return (nil, woken)
            }
            woken.forEach { $0.resume() }
            if let immediate { continuation.resume(returning: immediate) }
        }
    }

    /// How input ended (nil while it has not).
    var end: Result<End, KafkaError>? { state.withLock { $0.end } }

    /// The pipeline side is done: pending and future rebalances are answered by their
    /// `whenClosed`, and a waiting poll side is released.
    func close() {
        let (items, spaceWaiters, waiter): ([Item], [CheckedContinuation<Void, Never>], CheckedContinuation<Item?, Never>?) =
            state.withLock { s in
                s.closed = true
                let rest = Array(s.items[s.head...])
                s.items = []
                s.head = 0
                s.bufferedMessages = 0
                defer { s.spaceWaiters = []; s.waiter = nil }
                return (rest, s.spaceWaiters, s.waiter)
            }
        for case .rebalance(_, let reply) in items { reply.answer(nil) }
        spaceWaiters.forEach { $0.resume() }
        waiter?.resume(returning: nil)
    }

    /// Takes the oldest item, and the poll side's waiters once there is room again.
    private static func dequeue(_ s: inout State, capacity: Int) -> (Item?, [CheckedContinuation<Void, Never>]) {
        var woken: [CheckedContinuation<Void, Never>] = []
        if s.bufferedMessages < capacity, !s.spaceWaiters.isEmpty {
            woken = s.spaceWaiters
            s.spaceWaiters = []
        }
        guard s.head < s.items.count else { return (nil, woken) }
        let item = s.items[s.head]
        s.head += 1
        if case .messages(let batch, _) = item { s.bufferedMessages -= batch.count }
        // Compact now and then rather than shifting the array on every take.
        if s.head >= 64, s.head * 2 >= s.items.count {
            s.items.removeFirst(s.head)
            s.head = 0
        }
        if s.bufferedMessages < capacity, !s.spaceWaiters.isEmpty {
            woken += s.spaceWaiters
            s.spaceWaiters = []
        }
        return (item, woken)
    }
}

/// The pipeline task's answer to one rebalance, awaited by the consumer's thread.
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
