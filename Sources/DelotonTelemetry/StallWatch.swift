import Synchronization

/// Tells a working ingest from a stuck one, for its liveness check.
///
/// Ingest is stalled when input is waiting (a batch is being written, or the source reports
/// messages not yet read) and nothing has advanced for `limit`: no batch committed, no write
/// attempt ended. A write that fails because the warehouse is away and is being retried counts
/// as advancing, and so does a write waiting for a warehouse that cannot be reached at all:
/// restarting the process would not bring the warehouse back, and the batch and its source
/// position would only be read again. A write that neither returns nor fails against a
/// warehouse that answers, a pipeline that stopped taking input, are what a restart is for.
public final class StallWatch: Sendable {
    public typealias Instant = ContinuousClock.Instant

    struct State {
        var writesInFlight = 0
        var sourceBacklog: Int64 = 0
        /// The last instant anything advanced, or input began to wait after none did.
        var lastAdvance: Instant
        var waiting = false
    }

    public let limit: Duration
    private let state: Mutex<State>

    public init(limit: Duration, now: Instant = .now) {
        self.limit = limit
        state = Mutex(State(lastAdvance: now))
    }

    /// A batch was handed to the warehouse.
    public func writeStarted(at now: Instant = .now) {
        update(now) { $0.writesInFlight += 1 }
    }

    /// A write attempt ended: committed, or failed and about to be retried. Either is progress.
    public func writeEnded(at now: Instant = .now) {
        update(now) { s in
            s.writesInFlight = max(0, s.writesInFlight - 1)
            s.lastAdvance = now
        }
    }

    /// The write in flight is waiting for a warehouse that cannot be reached (its connection
    /// pool keeps trying): a retry in all but name, so it counts as advancing.
    public func warehouseUnreachable(at now: Instant = .now) {
        update(now) { $0.lastAdvance = now }
    }

    /// Messages the source holds that the pipeline has not taken yet (Kafka consumer lag).
    public func sourceBacklog(_ messages: Int64, at now: Instant = .now) {
        update(now) { $0.sourceBacklog = max(0, messages) }
    }

    /// True when input has waited for `limit` with nothing advancing.
    public func isStalled(at now: Instant = .now) -> Bool {
        state.withLock { s in s.waiting && now - s.lastAdvance >= limit }
    }

    private func update(_ now: Instant, _ change: (inout State) -> Void) {
        state.withLock { s in
            change(&s)
            let waiting = s.writesInFlight > 0 || s.sourceBacklog > 0
            // Input that starts waiting after a quiet spell has waited from now, not since the
            // last batch an hour ago.
            if waiting, !s.waiting { s.lastAdvance = max(s.lastAdvance, now) }
            s.waiting = waiting
        }
    }
}
