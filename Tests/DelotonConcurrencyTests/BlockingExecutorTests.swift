import DelotonConcurrency
import Foundation
import Synchronization
import Testing

// No wall-clock bounds below: in the whole suite a test may wait tens of seconds for a thread.
// A job that never ends shows as the time limit.
@Suite(.timeLimit(.minutes(5)))
struct BlockingExecutorTests {
    struct Refused: Error, Equatable {}

    @Test("a job runs on the executor's named thread and its result comes back")
    func runsOnNamedThread() async {
        let executor = BlockingExecutor(name: "test-blocking")
        let name = await executor.run { Thread.current.name }
        #expect(name == "test-blocking")
    }

    @Test("a long name is cut to the 15 bytes Linux keeps, each thread's number kept")
    func longNames() async {
        let executor = BlockingExecutor(name: "a-rather-long-executor-name", threads: 2)
        let names = await withTaskGroup(of: String?.self, returning: Set<String?>.self) { group in
            for _ in 0..<8 {
                group.addTask { await executor.run { usleep(20_000); return Thread.current.name } }
            }
            return await group.reduce(into: []) { $0.insert($1) }
        }
        #expect(names.isSubset(of: ["a-rather-long-0", "a-rather-long-1"]))
        #expect(!names.isEmpty)
    }

    @Test("a job's typed error reaches the caller")
    func typedErrors() async {
        let executor = BlockingExecutor(name: "test-errors")
        await #expect(throws: Refused.self) {
            try await executor.run { () throws(Refused) -> Int in throw Refused() }
        }
    }

    @Test("one thread runs jobs one at a time, in the order they were queued")
    func serialInOrder() async {
        let executor = BlockingExecutor(name: "test-serial")
        let log = Locked<(order: [Int], active: Int, most: Int)>(([], 0, 0))
        for i in 0..<50 {
            executor.execute {
                log.withLock { $0.active += 1; $0.most = max($0.most, $0.active); $0.order.append(i) }
                usleep(200)
                log.withLock { $0.active -= 1 }
            }
        }
        await executor.run {}
        let (order, _, most) = log.withLock { $0 }
        #expect(order == Array(0..<50))
        #expect(most == 1)
    }

    @Test("no more jobs run at once than the executor has threads")
    func boundedByThreads() async throws {
        let executor = BlockingExecutor(name: "test-pool", threads: 2)
        let counts = Locked<(active: Int, most: Int, open: Bool)>((0, 0, false))
        for _ in 0..<6 {
            executor.execute {
                counts.withLock { $0.active += 1; $0.most = max($0.most, $0.active) }
                while !counts.withLock({ $0.open }) { usleep(1_000) }
                counts.withLock { $0.active -= 1 }
            }
        }
        while counts.withLock({ $0.active }) < 2 { try await Task.sleep(for: .milliseconds(10)) }
        // Time for a third job to start, were it allowed to.
        try await Task.sleep(for: .milliseconds(200))
        #expect(counts.withLock { $0.most } == 2)
        counts.withLock { $0.open = true }
        await executor.run {}
        await executor.run {}
        #expect(counts.withLock { $0.most } == 2)
    }

    @Test("blocked jobs leave Swift's cooperative threads free")
    func cooperativePoolStaysFree() async {
        // More blocked jobs than the machine has cores: on the cooperative pool, the task that
        // releases them could never run.
        let jobs = ProcessInfo.processInfo.activeProcessorCount + 2
        let executor = BlockingExecutor(name: "test-free", threads: jobs)
        let released = Locked(false)
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<jobs {
                group.addTask {
                    await executor.run {
                        while !released.withLock({ $0 }) { usleep(1_000) }
                    }
                }
            }
            group.addTask {
                try? await Task.sleep(for: .milliseconds(100))
                released.withLock { $0 = true }
            }
        }
        #expect(released.withLock { $0 })
    }

    @Test("a cancelled caller still waits for its job, which runs to its end")
    func cancelledCallerWaitsForJob() async {
        let executor = BlockingExecutor(name: "test-cancel")
        let finished = Locked(false)
        let task = Task {
            await executor.run { () -> Int in
                usleep(200_000)
                finished.withLock { $0 = true }
                return 7
            }
        }
        task.cancel()
        #expect(await task.value == 7)
        #expect(finished.withLock { $0 })
    }

    @Test("a job that reads a stop flag ends when its caller is cancelled")
    func cancellationReachesJobThroughHandler() async {
        let executor = BlockingExecutor(name: "test-stop")
        let stop = Locked(false)
        let task = Task {
            await withTaskCancellationHandler {
                await executor.run { () -> Bool in
                    // A C library's progress callback, say: polls the flag between blocking steps.
                    while !stop.withLock({ $0 }) { usleep(1_000) }
                    return true
                }
            } onCancel: {
                stop.withLock { $0 = true }
            }
        }
        try? await Task.sleep(for: .milliseconds(50))
        task.cancel()
        #expect(await task.value, "the job saw the stop flag")
    }

    @Test("shutdown refuses new jobs but runs those already queued, then the threads end")
    func shutdownWithWorkQueued() async {
        let executor = BlockingExecutor(name: "test-shutdown")
        let gate = Locked(false)
        let ran = Locked<[String]>([])
        executor.execute {
            while !gate.withLock({ $0 }) { usleep(1_000) }
            ran.withLock { $0.append("a") }
        }
        executor.execute { ran.withLock { $0.append("b") } }
        executor.execute { ran.withLock { $0.append("c") } }
        executor.shutdown()
        executor.shutdown()
        #expect(!executor.execute { ran.withLock { $0.append("late") } })
        gate.withLock { $0 = true }
        await executor.terminated()
        #expect(ran.withLock { $0 } == ["a", "b", "c"])
        // Once ended, waiting again returns at once.
        await executor.terminated()
        executor.waitUntilTerminated()
    }

    @Test("releasing the executor still runs what was queued")
    func releaseRunsQueuedJobs() async throws {
        let ran = Locked(0)
        do {
            let executor = BlockingExecutor(name: "test-release", threads: 2)
            for _ in 0..<10 {
                executor.execute {
                    usleep(10_000)
                    ran.withLock { $0 += 1 }
                }
            }
        }
        while ran.withLock({ $0 }) < 10 { try await Task.sleep(for: .milliseconds(10)) }
        #expect(ran.withLock { $0 } == 10)
    }

    @Test("waitUntilTerminated blocks another executor's thread until the last job has ended")
    func blockingWaitForTermination() async {
        let poller = BlockingExecutor(name: "test-poller")
        let owner = BlockingExecutor(name: "test-owner")
        let stop = Locked(false)
        let loops = Locked(0)
        poller.execute {
            while !stop.withLock({ $0 }) {
                loops.withLock { $0 += 1 }
                usleep(1_000)
            }
        }
        poller.shutdown()
        let after = await owner.run { () -> Int in
            stop.withLock { $0 = true }
            poller.waitUntilTerminated()
            return loops.withLock { $0 }
        }
        usleep(20_000)
        #expect(loops.withLock { $0 } == after, "the loop ran on after waitUntilTerminated returned")
    }
}
