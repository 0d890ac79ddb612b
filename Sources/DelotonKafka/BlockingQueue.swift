import DelotonConcurrency

/// A librdkafka client's own thread: every blocking call on its handle runs there, one at a
/// time, so none holds one of Swift concurrency's few cooperative threads.
struct BlockingQueue: Sendable {
    private let executor: BlockingExecutor

    init(label: String) {
        executor = BlockingExecutor(name: label)
    }

    func run<T: Sendable>(_ body: @escaping @Sendable () throws(KafkaError) -> T) async throws(KafkaError) -> T {
        try await executor.run(body)
    }

    /// Queues `body` behind the calls already queued, without waiting for it (freeing a client
    /// whose owner has gone).
    func execute(_ body: @escaping @Sendable () -> Void) {
        executor.execute(body)
    }
}
