import DelotonConcurrency
import Synchronization
import Testing

// No wall-clock bounds below: in the whole suite a test may wait tens of seconds for a thread.
// A timer that is not cancelled, or a deadline that does not fire, shows as the time limit.
@Suite(.timeLimit(.minutes(5)))
struct DeadlineTests {
    struct Failed: Error {}

    @Test("work that finishes in time answers, without waiting for the deadline")
    func notFiring() async throws {
        // An hour: were the timer not cancelled, the time limit would end the test.
        let value = try await withDeadline(.seconds(3600)) { 42 }
        #expect(value == 42)
    }

    @Test("work still running at the deadline is cancelled, and the call throws DeadlineExceeded")
    func firing() async {
        let cancelled = Locked(false)
        await #expect(throws: DeadlineExceeded(limit: .milliseconds(100))) {
            try await withDeadline(.milliseconds(100)) {
                do {
                    try await Task.sleep(for: .seconds(3600))
                } catch {
                    cancelled.withLock { $0 = true }
                    throw error
                }
            }
        }
        #expect(cancelled.withLock { $0 }, "the work was not cancelled")
    }

    @Test("the work's own error reaches the caller")
    func workError() async {
        await #expect(throws: Failed.self) {
            try await withDeadline(.seconds(3600)) { () async throws -> Int in throw Failed() }
        }
    }

    @Test("the call returns only once the work has ended, even work slow to notice cancellation")
    func structured() async {
        let ended = Locked(false)
        await #expect(throws: DeadlineExceeded.self) {
            try await withDeadline(.milliseconds(50)) {
                // Runs until cancelled, then goes on for a while, as a driver slow to notice might.
                while !Task.isCancelled { await Task.yield() }
                let until = ContinuousClock.now + .milliseconds(300)
                while ContinuousClock.now < until { await Task.yield() }
                ended.withLock { $0 = true }
            }
        }
        #expect(ended.withLock { $0 }, "withDeadline returned before its work ended")
    }

    @Test("cancelling the caller cancels the work, and is not reported as the deadline")
    func callerCancelled() async {
        let task = Task {
            try await withDeadline(.seconds(3600)) {
                try await Task.sleep(for: .seconds(3600))
                return 1
            }
        }
        try? await Task.sleep(for: .milliseconds(50))
        task.cancel()
        let result = await task.result
        #expect(throws: CancellationError.self) { try result.get() }
    }
}
