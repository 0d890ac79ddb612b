import Foundation

/// Runs blocking work on a thread of its own and awaits its result.
///
/// Swift's cooperative pool has one thread per core, two on the CI machine, and every test
/// of the run shares it. A test that blocks a pool thread (waitpid, a semaphore, a sleep
/// while a server starts) stalls the other tests; when what it waits for needs the pool as
/// well (a child process talking to a server inside this process), the whole run hangs.
public func onOwnThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread.detachNewThread { continuation.resume(with: Result { try body() }) }
    }
}
