import Foundation
import Logging
import Synchronization

/// Transient broker trouble (a refused connection, a leader moving) repeats many
/// times a second; one line per kind every few seconds keeps the log readable.
final class RateLimitedLog: Sendable {
    private struct Seen {
        var lastLogged: [String: ContinuousClock.Instant] = [:]
        var suppressed: [String: Int] = [:]
    }

    private let logger: Logger
    private let interval: Duration
    private let seen = Mutex(Seen())

    init(logger: Logger, interval: Duration = .seconds(5)) {
        self.logger = logger
        self.interval = interval
    }

    func log(_ level: Logger.Level, key: String, _ message: @autoclosure () -> String) {
        let now = ContinuousClock.now
        let skipped: Int? = seen.withLock { seen in
            if let last = seen.lastLogged[key], now - last < interval {
                seen.suppressed[key, default: 0] += 1
                return nil
            }
            seen.lastLogged[key] = now
            return seen.suppressed.removeValue(forKey: key) ?? 0
        }
        guard let skipped else { return }
        let suffix = skipped > 0 ? " (\(skipped) similar since last report)" : ""
        logger.log(level: level, "\(message())\(suffix)")
    }
}
