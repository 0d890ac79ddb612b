import Synchronization

/// Wakes one waiting loop early: `signal()` from anywhere (a committed batch, a warehouse
/// notification, a finished send), `wait(timeout:)` in the loop (the alert dispatcher, the live
/// feed). A signal that arrives while nobody waits is kept, so the next wait returns at once and
/// no wake-up is lost between two passes.
public final class WakeSignal: Sendable {
    private struct State {
        var pending = false
        var waiter: CheckedContinuation<Void, Never>?
        var generation: UInt64 = 0
        var expired: UInt64 = 0
    }

    private let state = Mutex(State())

    public init() {}

    public func signal() {
        let waiter = state.withLock { s -> CheckedContinuation<Void, Never>? in
            guard let w = s.waiter else {
                s.pending = true
                return nil
            }
            s.waiter = nil
            return w
        }
        waiter?.resume()
    }

    /// Returns at the first signal since the previous wait, after `timeout`, or on cancellation.
    public func wait(timeout: Duration) async {
        let generation = state.withLock { s -> UInt64? in
            if s.pending {
                s.pending = false
                return nil
            }
            s.generation &+= 1
            return s.generation
        }
        guard let generation else { return }
        // The deadline cancels the wait; a cancelled wait returns at once.
        _ = try? await withDeadline(timeout) { await self.waitForSignal(generation) }
    }

    /// Returns at the first signal, or once cancelled.
    private func waitForSignal(_ generation: UInt64) async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let now = state.withLock { s -> Bool in
                    if s.pending || s.expired >= generation {
                        s.pending = false
                        return true
                    }
                    s.waiter = continuation
                    return false
                }
                if now { continuation.resume() }
            }
        } onCancel: {
            expire(generation)
        }
    }

    private func expire(_ generation: UInt64) {
        let waiter = state.withLock { s -> CheckedContinuation<Void, Never>? in
            s.expired = max(s.expired, generation)
            guard s.generation == generation, let w = s.waiter else { return nil }
            s.waiter = nil
            return w
        }
        waiter?.resume()
    }
}
