import CCurl
import Foundation

/// libcurl's global state must be set up once, before any handle exists; a Swift global is
/// initialised exactly once, on first use, under a lock.
private let curlGlobalInitResult: CURLcode = curl_global_init(Int(CURL_GLOBAL_ALL))

/// A few dedicated threads that run blocking libcurl transfers, so that Swift concurrency's
/// cooperative threads never wait on the network. Each thread keeps one easy handle for its
/// whole life: `curl_easy_reset` clears the options between jobs but keeps the connection
/// cache, so back-to-back messages to the same relay skip the TCP/TLS/EHLO handshake.
///
/// Threads end when the pool is released (after finishing the jobs already queued).
final class CurlWorkerPool: Sendable {
    /// A job receives the thread's easy handle with default options.
    typealias Job = @Sendable (UnsafeMutableRawPointer) -> Void

    private let queue: JobQueue

    /// - Parameter threads: how many transfers may run at once.
    init(name: String, threads: Int) {
        _ = curlGlobalInitResult
        queue = JobQueue()
        for index in 0..<max(1, threads) {
            let queue = self.queue
            let thread = Thread {
                guard let handle = curl_easy_init() else {
                    // Without a handle this thread cannot help; the others still drain the queue.
                    return
                }
                while let job = queue.next() {
                    job(handle)
                    // Reset straight after the job: a cached connection may still talk to its
                    // server later (QUIT on close), and must not call back into a finished job.
                    curl_easy_reset(handle)
                }
                curl_easy_cleanup(handle)
            }
            thread.name = "\(name)-\(index)"
            thread.start()
        }
    }

    deinit {
        queue.close()
    }

    /// Runs `body` on a pool thread and returns its result to the awaiting task.
    func run<T: Sendable>(_ body: @escaping @Sendable (UnsafeMutableRawPointer) -> T) async -> T {
        await withCheckedContinuation { (continuation: CheckedContinuation<T, Never>) in
            queue.push { handle in continuation.resume(returning: body(handle)) }
        }
    }
}

/// A FIFO of jobs shared by the pool's threads.
private final class JobQueue: @unchecked Sendable {
    // Guarded by `condition`.
    private var jobs: [CurlWorkerPool.Job] = []
    private var head = 0
    private var closed = false
    private let condition = NSCondition()

    func push(_ job: @escaping CurlWorkerPool.Job) {
        condition.lock()
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    /// Blocks until a job is available; nil once the queue is closed and empty.
    func next() -> CurlWorkerPool.Job? {
        condition.lock()
        defer { condition.unlock() }
        while head == jobs.count && !closed { condition.wait() }
        guard head < jobs.count else { return nil }
        let job = jobs[head]
        head += 1
        if head == jobs.count {
            jobs.removeAll(keepingCapacity: true)
            head = 0
        }
        return job
    }

    func close() {
        condition.lock()
        closed = true
        condition.broadcast()
        condition.unlock()
    }
}
