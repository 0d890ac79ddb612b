import CCurl
import DelotonConcurrency
import Synchronization

/// libcurl's global state must be set up once, before any handle exists; a Swift global is
/// initialised exactly once, on first use, under a lock.
private let curlGlobalInitResult: CURLcode = curl_global_init(Int(CURL_GLOBAL_ALL))

/// Runs blocking libcurl transfers on a few dedicated threads (a `BlockingExecutor`), so that
/// Swift concurrency's cooperative threads never wait on the network.
///
/// At most one easy handle per thread, each kept for the pool's whole life: `curl_easy_reset`
/// clears the options between jobs but keeps the connection cache, so back-to-back messages to
/// the same relay skip the TCP/TLS/EHLO handshake.
///
/// When the pool is released its threads finish the jobs already queued, then end; the handles
/// are cleaned up on those threads, since cleaning one up may still talk to its server (QUIT).
final class CurlWorkerPool: Sendable {
    private let executor: BlockingExecutor
    private let handles: CurlHandles

    /// - Parameter threads: how many transfers may run at once.
    init(name: String, threads: Int) {
        _ = curlGlobalInitResult
        executor = BlockingExecutor(name: name, threads: threads)
        handles = CurlHandles()
    }

    deinit {
        let handles = self.handles
        // Queued behind every transfer, so idle handles are all there is left to clean up; a
        // handle still in use is cleaned up when its transfer gives it back.
        executor.execute { handles.close() }
    }

    /// Runs `body` on a pool thread with an easy handle of default options, and returns its
    /// outcome to the awaiting task.
    func run(_ body: @escaping @Sendable (UnsafeMutableRawPointer) -> CurlOutcome) async -> CurlOutcome {
        let handles = self.handles
        return await executor.run { () -> CurlOutcome in
            guard let handle = handles.take() else {
                // A failure like any other on the way to the server: retried later.
                return CurlOutcome(code: CURLE_FAILED_INIT.rawValue, responseCode: 0,
                                   message: "libcurl could not create a handle (out of memory)", lastReply: nil)
            }
            let result = body(handle)
            // Reset straight after the job: a cached connection may still talk to its server
            // later (QUIT on close), and must not call back into a finished job.
            curl_easy_reset(handle)
            handles.giveBack(handle)
            return result
        }
    }
}

/// The pool's idle easy handles.
private final class CurlHandles: Sendable {
    /// An easy handle, which may cross threads as long as one transfer at a time uses it.
    private struct Handle: @unchecked Sendable {
        let pointer: UnsafeMutableRawPointer
    }

    private struct State {
        var idle: [Handle] = []
        var closed = false
    }

    private let state = Mutex(State())

    func take() -> UnsafeMutableRawPointer? {
        if let handle = state.withLock({ $0.idle.popLast() }) { return handle.pointer }
        return curl_easy_init()
    }

    func giveBack(_ pointer: UnsafeMutableRawPointer) {
        let handle = Handle(pointer: pointer)
        let keep = state.withLock { s -> Bool in
            guard !s.closed else { return false }
            s.idle.append(handle)
            return true
        }
        if !keep { curl_easy_cleanup(pointer) }
    }

    func close() {
        let idle = state.withLock { s -> [Handle] in
            s.closed = true
            defer { s.idle = [] }
            return s.idle
        }
        idle.forEach { curl_easy_cleanup($0.pointer) }
    }
}
