import Synchronization

/// A queue from one or more sending tasks to one receiving task, bounded by weight: a sender
/// suspends while what is buffered weighs `capacity` or more, so a fast producer cannot run
/// ahead of a slow consumer by more than about `capacity` (one element may overshoot it).
///
/// Weight rather than a count of elements because an element may stand for many things (a
/// batch of messages); weight 0 passes whatever the backlog, for the few elements that must
/// never wait, and `sendNow` hands such an element over from a thread that cannot suspend.
///
/// Ends two ways: `finish()` from the sending side (the receiver takes what is buffered, then
/// nil), or `close()` from the receiving side (what was not taken is returned to the caller, and
/// senders waiting for room are released; later sends are refused).
///
/// Not swift-async-algorithms (1.1.4): its `AsyncChannel` hands each element over in a rendezvous
/// (no buffer) and counts elements, not weight; its `MultiProducerSingleConsumerAsyncChannel`
/// has a buffer, but its channel and sources are noncopyable values, which the Kafka feed (one
/// object shared by the poll task, the pipeline task and librdkafka's thread) could only hold
/// behind a lock of its own; and neither gives back what was left in it when the receiver stops.
public final class BoundedChannel<Element: Sendable>: Sendable {
    private struct State {
        /// Taken elements are set to nil at once: the buffer is compacted only now and then, and
        /// kept them alive until it was (64 chunks of a file, 150 MB, for a million-key stream).
        var buffer: [(element: Element?, weight: Int)] = []
        var head = 0
        var weight = 0
        var receiver: CheckedContinuation<Element?, Never>?
        var senders: [UInt64: CheckedContinuation<Void, Never>] = [:]
        var nextSender: UInt64 = 0
        var finished = false
        var closed = false

        var isEmpty: Bool { head >= buffer.count }
    }

    private let state = Mutex(State())
    private let capacity: Int

    public init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    /// Nothing sent is waiting to be taken.
    public var isEmpty: Bool { state.withLock { $0.isEmpty } }

    /// The receiving side has closed the channel.
    public var isClosed: Bool { state.withLock { $0.closed } }

    // MARK: sending side

    /// Hands `element` over, first waiting while the channel is full (unless `weight` is 0).
    /// False when the element was not sent: the channel is closed, or the sending task was
    /// cancelled while it waited for room.
    @discardableResult
    public func send(_ element: Element, weight: Int = 1) async -> Bool {
        while true {
            let full = state.withLock { s in !s.closed && weight > 0 && s.weight >= capacity }
            guard full else { return sendNow(element, weight: weight) }
            if Task.isCancelled { return false }
            await waitForRoom()
        }
    }

    /// Hands `element` over at once, whatever the backlog. False when the channel is closed.
    @discardableResult
    public func sendNow(_ element: Element, weight: Int = 0) -> Bool {
        let (accepted, receiver): (Bool, CheckedContinuation<Element?, Never>?) = state.withLock { s in
            guard !s.closed else { return (false, nil) }
            if let receiver = s.receiver {
                s.receiver = nil
                return (true, receiver)
            }
            s.buffer.append((element, weight))
            s.weight += weight
            return (true, nil)
        }
        receiver?.resume(returning: element)
        return accepted
    }

    /// No more elements: the receiver takes what is buffered, then nil. Sends after it are still
    /// taken; it only lets a waiting receiver see the end.
    public func finish() {
        let receiver: CheckedContinuation<Element?, Never>? = state.withLock { s in
            s.finished = true
            defer { s.receiver = nil }
            return s.receiver
        }
        receiver?.resume(returning: nil)
    }

    private func waitForRoom() async {
        let id = state.withLock { s in
            defer { s.nextSender += 1 }
            return s.nextSender
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let now = state.withLock { s -> Bool in
                    if s.closed || s.weight < capacity || Task.isCancelled { return true }
                    s.senders[id] = continuation
                    return false
                }
                if now { continuation.resume() }
            }
        } onCancel: {
            state.withLock { $0.senders.removeValue(forKey: id) }?.resume()
        }
    }

    // MARK: receiving side

    /// The next element, or nil once the channel is finished (or closed) and empty. One receiver
    /// at a time.
    public func next() async -> Element? {
        let (ready, woken) = state.withLock { take(&$0) }
        woken.forEach { $0.resume() }
        if let ready { return ready }
        return await withCheckedContinuation { (continuation: CheckedContinuation<Element?, Never>) in
            let (immediate, woken): (Element??, [CheckedContinuation<Void, Never>]) = state.withLock { s in
                let (element, woken) = take(&s)
                if let element { return (.some(element), woken) }
                if s.finished || s.closed { return (.some(nil), woken) }
                precondition(s.receiver == nil, "BoundedChannel has one receiver at a time")
                s.receiver = continuation
                return (nil, woken)
            }
            woken.forEach { $0.resume() }
            if let immediate { continuation.resume(returning: immediate) }
        }
    }

    /// The receiver is done: returns what it did not take, releases waiting senders, and refuses
    /// later sends. Safe to call twice (the second call returns nothing).
    @discardableResult
    public func close() -> [Element] {
        let (rest, senders, receiver) = state.withLock { s in
            s.closed = true
            let rest = s.buffer[s.head...].compactMap(\.element)
            let senders = Array(s.senders.values)
            let receiver = s.receiver
            s.buffer = []
            s.head = 0
            s.weight = 0
            s.senders = [:]
            s.receiver = nil
            return (rest, senders, receiver)
        }
        senders.forEach { $0.resume() }
        receiver?.resume(returning: nil)
        return rest
    }

    /// Takes the oldest element, and the senders to wake once there is room again.
    private func take(_ s: inout State) -> (Element?, [CheckedContinuation<Void, Never>]) {
        var element: Element?
        if !s.isEmpty {
            let entry = s.buffer[s.head]
            element = entry.element
            s.buffer[s.head].element = nil
            s.weight -= entry.weight
            s.head += 1
            // Compact now and then rather than shifting the array on every take.
            if s.head == s.buffer.count {
                s.buffer.removeAll(keepingCapacity: true)
                s.head = 0
            } else if s.head >= 64, s.head * 2 >= s.buffer.count {
                s.buffer.removeFirst(s.head)
                s.head = 0
            }
        }
        guard s.weight < capacity, !s.senders.isEmpty else { return (element, []) }
        defer { s.senders = [:] }
        return (element, Array(s.senders.values))
    }
}
