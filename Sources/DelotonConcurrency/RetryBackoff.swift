/// How long to wait before trying again, for every retry loop in deloton: the wait doubles per
/// failed attempt, from `initial` up to `maximum`.
///
/// Only the waits are worked out here; each caller sleeps on its own clock (the report scheduler
/// on `ReportClock`, the alert outbox as a `not_before` in the warehouse), and jitter draws from
/// a generator the caller may pass, so tests can fix every wait.
public struct RetryBackoff: Sendable, Equatable {
    public enum Jitter: Sendable, Equatable {
        /// The wait is the ceiling itself: for a lone waiter (the ingest pipeline, the report),
        /// where there is no crowd to spread out and a fixed wait reads better in the log.
        case none
        /// The wait is drawn from the ceiling's upper half, so that many failing together (alerts
        /// on a relay that went down) do not all come back in the same instant.
        case upperHalf
    }

    public var initial: Duration
    public var maximum: Duration
    public var jitter: Jitter

    public init(initial: Duration, maximum: Duration, jitter: Jitter = .upperHalf) {
        self.initial = max(.zero, initial)
        self.maximum = max(self.initial, maximum)
        self.jitter = jitter
    }

    /// The longest wait after `attempts` failures (1 for the first), before jitter.
    public func ceiling(afterAttempt attempts: Int) -> Duration {
        var wait = initial
        // Stops at the cap, so a large attempt count cannot overflow the doubling.
        for _ in 1..<max(1, attempts) {
            guard wait > .zero, maximum > wait else { break }
            wait *= 2
        }
        return min(wait, maximum)
    }

    public func delay(afterAttempt attempts: Int) -> Duration {
        var random = SystemRandomNumberGenerator()
        return delay(afterAttempt: attempts, using: &random)
    }

    public func delay(afterAttempt attempts: Int, using random: inout some RandomNumberGenerator) -> Duration {
        let ceiling = ceiling(afterAttempt: attempts)
        switch jitter {
        case .none: return ceiling
        case .upperHalf: return ceiling / 2 + ceiling * Double.random(in: 0...0.5, using: &random)
        }
    }
}
