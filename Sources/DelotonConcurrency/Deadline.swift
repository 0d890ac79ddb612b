/// `withDeadline` gave up on its work.
public struct DeadlineExceeded: Error, Sendable, Equatable, CustomStringConvertible {
    public let limit: Duration

    public init(limit: Duration) {
        self.limit = limit
    }

    public var description: String { "did not finish within \(limit)" }
}

/// Runs `work`, or gives up on it once `limit` has passed: the work and a timer race in a task
/// group, the first to finish wins and the other is cancelled.
///
/// Throws `DeadlineExceeded` when the timer won, else whatever `work` threw. Either way the
/// call returns only once `work` has ended: structured, so nothing it started outlives the
/// call, which means `work` must end soon after it is cancelled. Cancelling the caller cancels
/// `work` (the timer does not fire for that) and the call answers what `work` answers then.
public func withDeadline<T: Sendable>(
    _ limit: Duration, _ work: @escaping @Sendable () async throws -> T
) async throws -> T {
    try await withThrowingTaskGroup(of: Race<T>.self) { group in
        group.addTask { .finished(try await work()) }
        group.addTask {
            do {
                try await Task.sleep(for: limit)
                return .expired
            } catch {
                // Cancelled with the caller: the work answers.
                return .timerCancelled
            }
        }
        defer { group.cancelAll() }
        while let first = try await group.next() {
            switch first {
            case .finished(let value): return value
            case .expired: throw DeadlineExceeded(limit: limit)
            case .timerCancelled: continue
            }
        }
        // Not reached: the work either returns, which answers above, or throws out of `next()`.
        throw CancellationError()
    }
}

private enum Race<T: Sendable>: Sendable {
    case finished(T)
    case expired
    case timerCancelled
}
