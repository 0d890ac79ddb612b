/// Exponential backoff with jitter: the wait doubles per failed attempt up to `maximum`, and
/// each wait is drawn from its upper half so that many alerts failing together (a relay that
/// went down) do not all come back in the same instant.
public struct RetryBackoff: Sendable, Equatable {
    public var initial: Duration
    public var maximum: Duration

    public init(initial: Duration, maximum: Duration) {
        self.initial = initial
        self.maximum = max(initial, maximum)
    }

    /// The longest wait after `attempts` failures (1 for the first), before jitter.
    public func ceiling(afterAttempt attempts: Int) -> Duration {
        var wait = initial
        for _ in 1..<max(1, attempts) {
            wait *= 2
            if wait >= maximum { return maximum }
        }
        return min(wait, maximum)
    }

    public func delay(afterAttempt attempts: Int) -> Duration {
        let ceiling = ceiling(afterAttempt: attempts)
        return ceiling / 2 + ceiling * Double.random(in: 0...0.5)
    }
}
