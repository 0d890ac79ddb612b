import Foundation

/// A fixed set of named threads for blocking calls into C (librdkafka, libcurl, SQLite, a
/// write to a pipe), so that a call that waits on the network or the disk never holds one of
/// Swift concurrency's few cooperative threads, and shows under its own name in a stack dump.
///
/// Jobs run in the order they were queued; with one thread they run one after the other, which
/// is what a C handle that must not be used from two threads at once needs.
///
/// Cancellation: a job always runs once queued, and `run` waits for its end even when the
/// awaiting task is cancelled. A blocking C call cannot be interrupted from outside, and some jobs
/// must run whatever happens (freeing a client); a caller whose call can be told to stop does so
/// itself, with `withTaskCancellationHandler` and a flag the C library's callbacks read.
///
/// Shutdown: `shutdown()` (or releasing the executor) refuses new jobs, lets the threads finish
/// the jobs already queued, and then ends them; `terminated()` and `waitUntilTerminated()` wait
/// for that.
public final class BlockingExecutor: Sendable {
    public let name: String
    private let queue: JobQueue

    /// - Parameter threads: how many jobs may run at once (at least one).
    public init(name: String, threads: Int = 1) {
        self.name = name
        let count = max(1, threads)
        queue = JobQueue(threads: count)
        for index in 0..<count {
            let queue = self.queue
            let threadName = Self.threadName(name, index: count == 1 ? nil : index)
            // The thread holds the queue, not the executor, so that releasing the executor shuts it down.
            let thread = Thread { queue.serve() }
            thread.start()
            // Named once started: on Linux a name given before `start()` never reaches the
            // thread. No job can run unnamed, since none can be queued before `init` returns.
            thread.name = threadName
        }
    }

    /// Linux keeps 15 bytes of a thread's name and refuses a longer one, so a long name is cut
    /// to fit, keeping the thread's number.
    static func threadName(_ name: String, index: Int?) -> String {
        let suffix = index.map { "-\($0)" } ?? ""
        let room = max(0, 15 - suffix.utf8.count)
        return String(decoding: name.utf8.prefix(room), as: UTF8.self) + suffix
    }

    deinit {
        queue.shutdown()
    }

    /// Runs `body` on one of the executor's threads and returns its result to the awaiting task.
    /// Must not be called after `shutdown()`: nothing could run the job.
    public func run<T: Sendable, E: Error>(_ body: @escaping @Sendable () throws(E) -> T) async throws(E) -> T {
        let result: Result<T, E> = await withCheckedContinuation { continuation in
            let queued = queue.push {
                do throws(E) {
                    continuation.resume(returning: .success(try body()))
                } catch {
                    continuation.resume(returning: .failure(error))
                }
            }
            precondition(queued, "\(name): a job was submitted after shutdown")
        }
        return try result.get()
    }

    /// Queues `body` without waiting for it (a client freed when its owner goes, a loop that runs
    /// until told to stop). False when the executor was shut down and `body` will not run.
    @discardableResult
    public func execute(_ body: @escaping @Sendable () -> Void) -> Bool {
        queue.push(body)
    }

    /// Refuses new jobs; the threads end once the jobs already queued are done. Safe to call twice.
    public func shutdown() {
        queue.shutdown()
    }

    /// Returns once every thread has ended, after `shutdown()`; the awaiting task holds no thread meanwhile.
    public func terminated() async {
        await queue.terminated()
    }

    /// Blocks the calling thread until every thread has ended, after `shutdown()`. Only for a
    /// thread that may block (another executor's), never one of this executor's own.
    public func waitUntilTerminated() {
        queue.waitUntilTerminated()
    }
}

/// The executor's FIFO, shared by its threads. A condition variable rather than a `Mutex`:
/// idle threads must sleep until a job or the shutdown arrives.
private final class JobQueue: @unchecked Sendable {
    typealias Job = @Sendable () -> Void

    // Guarded by `condition`.
    private var jobs: [Job] = []
    private var head = 0
    private var closed = false
    private var running: Int
    private var waiters: [CheckedContinuation<Void, Never>] = []
    private let condition = NSCondition()

    init(threads: Int) {
        running = threads
    }

    func push(_ job: @escaping Job) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        guard !closed else { return false }
        jobs.append(job)
        // Not `signal()`: a thread in `waitUntilTerminated` shares the condition and could take the wake-up.
        condition.broadcast()
        return true
    }

    func shutdown() {
        condition.lock()
        closed = true
        condition.broadcast()
        condition.unlock()
    }

    /// A thread's whole life: jobs until the queue is closed and empty.
    func serve() {
        while let job = next() { job() }
        condition.lock()
        running -= 1
        let last = running == 0
        let resumed = last ? waiters : []
        if last {
            waiters = []
            condition.broadcast()
        }
        condition.unlock()
        resumed.forEach { $0.resume() }
    }

    func terminated() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            condition.lock()
            let done = running == 0
            if !done { waiters.append(continuation) }
            condition.unlock()
            if done { continuation.resume() }
        }
    }

    func waitUntilTerminated() {
        condition.lock()
        while running > 0 { condition.wait() }
        condition.unlock()
    }

    /// Blocks until a job is available; nil once the queue is closed and empty.
    private func next() -> Job? {
        condition.lock()
        defer { condition.unlock() }
        while head == jobs.count && !closed { condition.wait() }
        guard head < jobs.count else { return nil }
        let job = jobs[head]
        jobs[head] = {}
        head += 1
        if head == jobs.count {
            jobs.removeAll(keepingCapacity: true)
            head = 0
        }
        return job
    }
}
