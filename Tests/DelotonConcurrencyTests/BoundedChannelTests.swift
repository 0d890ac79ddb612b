import DelotonConcurrency
import Synchronization
import Testing

// Pauses below only give a task the chance to get ahead; none is a bound the test checks, since
// in the whole suite a test may wait tens of seconds for a thread.
@Suite(.timeLimit(.minutes(5)))
struct BoundedChannelTests {
    /// Whether a send has still not returned after a pause long enough for it to have returned if it could.
    static func stillWaiting(_ done: Locked<Bool?>) async -> Bool {
        try? await Task.sleep(for: .milliseconds(100))
        return done.withLock { $0 == nil }
    }

    final class Payload: Sendable {}

    @Test("a taken element is the receiver's alone: the channel keeps no reference to it while others wait behind it")
    func takenElementsAreReleased() async {
        let channel = BoundedChannel<Payload>(capacity: 1_000)
        weak var first: Payload?
        do {
            let payload = Payload()
            first = payload
            await channel.send(payload)
        }
        for _ in 0..<10 { await channel.send(Payload()) }
        do {
            let taken = await channel.next()
            #expect(taken === first)
        }
        #expect(first == nil, "the channel still held an element it had handed over")
        #expect(channel.close().count == 10)
    }

    @Test("elements arrive in order; after finish the receiver drains, then gets nil")
    func orderAndFinish() async {
        let channel = BoundedChannel<Int>(capacity: 10)
        for i in 1...5 { await channel.send(i) }
        channel.finish()
        var received: [Int] = []
        while let i = await channel.next() { received.append(i) }
        #expect(received == [1, 2, 3, 4, 5])
        #expect(channel.isEmpty)
    }

    @Test("a waiting receiver gets the element handed to it, and is woken by finish")
    func waitingReceiver() async {
        let channel = BoundedChannel<String>(capacity: 1)
        let receiver = Task { (await channel.next(), await channel.next()) }
        try? await Task.sleep(for: .milliseconds(50))
        await channel.send("a")
        try? await Task.sleep(for: .milliseconds(50))
        channel.finish()
        let (first, second) = await receiver.value
        #expect(first == "a")
        #expect(second == nil)
    }

    @Test("backpressure: the sender suspends while the channel is full and resumes once the receiver takes")
    func backpressure() async {
        let channel = BoundedChannel<Int>(capacity: 2)
        await channel.send(1)
        await channel.send(2)
        let done = Locked<Bool?>(nil)
        let sender = Task {
            let sent = await channel.send(3)
            done.withLock { $0 = sent }
        }
        #expect(await Self.stillWaiting(done), "the third send did not wait for room")
        #expect(await channel.next() == 1)
        await sender.value
        #expect(done.withLock { $0 } == true)
        #expect(await channel.next() == 2)
        #expect(await channel.next() == 3)
    }

    @Test("the bound is in weight: a heavy element may overshoot it once, weight 0 always passes")
    func weights() async {
        let channel = BoundedChannel<String>(capacity: 3)
        await channel.send("batch of 5", weight: 5)
        await channel.send("idle", weight: 0)
        #expect(channel.sendNow("rebalance"), "sendNow never waits")
        let done = Locked<Bool?>(nil)
        let sender = Task {
            let sent = await channel.send("batch of 1", weight: 1)
            done.withLock { $0 = sent }
        }
        #expect(await Self.stillWaiting(done))
        #expect(await channel.next() == "batch of 5")
        await sender.value
        #expect(await channel.next() == "idle")
        #expect(await channel.next() == "rebalance")
        #expect(await channel.next() == "batch of 1")
    }

    @Test("a sender cancelled while it waits for room gives up, and its element is not sent")
    func cancelledSender() async {
        let channel = BoundedChannel<Int>(capacity: 1)
        await channel.send(1)
        let sender = Task { await channel.send(2) }
        try? await Task.sleep(for: .milliseconds(50))
        sender.cancel()
        #expect(await sender.value == false)
        channel.finish()
        #expect(await channel.next() == 1)
        #expect(await channel.next() == nil)
    }

    @Test("close gives back what was not taken, releases waiting senders and refuses later sends")
    func closeFromReceiver() async {
        let channel = BoundedChannel<Int>(capacity: 2)
        await channel.send(1)
        await channel.send(2)
        let sender = Task { await channel.send(3) }
        try? await Task.sleep(for: .milliseconds(50))
        #expect(channel.close() == [1, 2])
        #expect(await sender.value == false)
        #expect(channel.isClosed)
        #expect(!channel.sendNow(4))
        #expect(await channel.send(5) == false)
        #expect(await channel.next() == nil)
        #expect(channel.close().isEmpty)
    }

    @Test("close wakes a waiting receiver with nil")
    func closeWakesReceiver() async {
        let channel = BoundedChannel<Int>(capacity: 2)
        let receiver = Task { await channel.next() }
        try? await Task.sleep(for: .milliseconds(50))
        channel.close()
        #expect(await receiver.value == nil)
    }

    @Test("many senders and one receiver: nothing lost, and the senders never far ahead")
    func manySenders() async {
        let channel = BoundedChannel<Int>(capacity: 4)
        let counts = Locked<(sent: Int, received: Int, mostAhead: Int)>((0, 0, 0))
        let received = await withTaskGroup(of: Void.self, returning: Set<Int>.self) { group in
            for s in 0..<4 {
                group.addTask {
                    for i in 0..<100 {
                        await channel.send(s * 1000 + i)
                        counts.withLock { $0.sent += 1; $0.mostAhead = max($0.mostAhead, $0.sent - $0.received) }
                    }
                }
            }
            var received = Set<Int>()
            while received.count < 400, let i = await channel.next() {
                received.insert(i)
                counts.withLock { $0.received += 1 }
                if received.count % 50 == 0 { await Task.yield() }
            }
            await group.waitForAll()
            return received
        }
        #expect(received.count == 400)
        #expect(channel.isEmpty)
        // Capacity, plus one element per sender that found room at the same moment, plus the
        // one the receiver has taken but not yet counted.
        #expect(counts.withLock { $0.mostAhead } <= 4 + 4 + 1)
    }
}
