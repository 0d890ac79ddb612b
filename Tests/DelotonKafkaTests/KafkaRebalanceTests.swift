import DelotonKafka
import DelotonTestSupport
import Foundation
import Testing

/// Collects what the rebalance handler saw; the handler runs on the consumer's queue.
final class RebalanceLog: @unchecked Sendable {
    private let lock = NSLock()
    private var events: [KafkaRebalance] = []

    func append(_ event: KafkaRebalance) { lock.withLock { events.append(event) } }
    var all: [KafkaRebalance] { lock.withLock { events } }
}

final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0

    /// Adds and returns the new total.
    func add(_ amount: Int) -> Int {
        lock.withLock {
            value += amount
            return value
        }
    }
}

extension KafkaBrokerTests {
    @Test("the rebalance handler picks start offsets on assign and commits on revoke")
    func rebalanceSeeksAndCommits() async throws {
        let topic = try await TestKafka.newTopic(partitions: 2)
        try await TestKafka.produce(50, to: topic, partition: 0)
        try await TestKafka.produce(50, to: topic, startingAt: 50, partition: 1)
        let group = KafkaBroker.uniqueName("group")
        let p0 = KafkaTopicPartition(topic: topic, partition: 0)
        let p1 = KafkaTopicPartition(topic: topic, partition: 1)
        let log = RebalanceLog()

        // As ingest does with offsets kept in the warehouse: start p0 at 30, p1 where the group left it.
        let consumer = try KafkaConsumer(config: try await TestKafka.consumerConfig(topic: topic, group: group),
                                         logger: TestKafka.logger) { event in
            log.append(event)
            switch event {
            case .assigned: return [p0: 30]
            case .revoked: return [p0: 45, p1: 7]
            }
        }
        let messages = try await TestKafka.consume(consumer, count: 70, commit: false)
        let extra = try await consumer.poll(maxMessages: 10, timeout: .milliseconds(500))
        await consumer.close()

        let fromP0 = messages.filter { $0.partition == 0 }
        let fromP1 = messages.filter { $0.partition == 1 }
        #expect(fromP0.first?.offset == 30)
        #expect(fromP1.first?.offset == 0)
        #expect(fromP0.count == 20)
        #expect(fromP1.count == 50)
        #expect(extra.isEmpty)
        #expect(log.all.first == .assigned([p0, p1]))
        #expect(log.all.last == .revoked([p0, p1]))

        // The revoke handler's offsets were committed before the partitions went.
        let checker = try KafkaConsumer(config: try await TestKafka.consumerConfig(topic: topic, group: group),
                                        logger: TestKafka.logger)
        let committed = try await checker.committed([p0, p1])
        await checker.close()
        #expect(committed == [p0: 45, p1: 7])
    }

    @Test("two consumers in one group split four partitions and see every message once")
    func twoConsumersShareTheWork() async throws {
        // A broker of its own: on the shared one, the whole suite's groups (killed static members
        // among them) once kept this group from forming for 50 s, and the join is what is tested.
        let broker = try await KafkaBroker.privateBroker()
        defer { broker.destroy() }
        let topic = try await TestKafka.newTopic(partitions: 4, brokers: broker.address)
        let group = KafkaBroker.uniqueName("group")
        let a = try KafkaConsumer(config: try await TestKafka.consumerConfig(topic: topic, group: group, instance: "a",
                                                                             brokers: broker.address),
                                  logger: TestKafka.logger)
        let b = try KafkaConsumer(config: try await TestKafka.consumerConfig(topic: topic, group: group, instance: "b",
                                                                             brokers: broker.address),
                                  logger: TestKafka.logger)

        // Let the group settle first, so no rebalance happens while messages flow.
        let deadline = ContinuousClock.now + .seconds(30)
        var settled = false
        while ContinuousClock.now < deadline {
            async let pollA = a.poll(maxMessages: 1, timeout: .milliseconds(200))
            async let pollB = b.poll(maxMessages: 1, timeout: .milliseconds(200))
            let early = try await pollA.count + pollB.count
            #expect(early == 0)
            let (assignedA, assignedB) = try await (a.assignment(), b.assignment())
            if assignedA.count == 2, assignedB.count == 2 {
                #expect(Set(assignedA + assignedB).count == 4)
                settled = true
                break
            }
        }
        #expect(settled)

        try await TestKafka.produce(400, to: topic, keys: 40, brokers: broker.address)
        let total = Counter()
        let seen = try await withThrowingTaskGroup(of: [KafkaMessage].self) { group in
            for consumer in [a, b] {
                group.addTask {
                    var mine: [KafkaMessage] = []
                    let deadline = ContinuousClock.now + .seconds(20)
                    // Keep polling a little after the last message so a duplicate would show.
                    var quietUntil: ContinuousClock.Instant?
                    while ContinuousClock.now < deadline, quietUntil.map({ ContinuousClock.now < $0 }) ?? true {
                        let batch = try await consumer.poll(maxMessages: 100, timeout: .milliseconds(200))
                        mine += batch
                        if !batch.isEmpty {
                            try await consumer.commit(batch.nextOffsets)
                        }
                        if total.add(batch.count) >= 400, quietUntil == nil {
                            quietUntil = ContinuousClock.now + .milliseconds(600)
                        }
                    }
                    return mine
                }
            }
            var all: [[KafkaMessage]] = []
            for try await messages in group { all.append(messages) }
            return all
        }
        await a.close()
        await b.close()

        #expect(seen.allSatisfy { !$0.isEmpty })
        let values = seen.flatMap { $0 }.map { TestKafka.text($0.value) }
        #expect(values.count == 400)
        #expect(Set(values) == Set((0..<400).map(String.init)))
        let partitionsA = Set(seen[0].map(\.partition))
        let partitionsB = Set(seen[1].map(\.partition))
        #expect(partitionsA.isDisjoint(with: partitionsB))
    }
}
