import Foundation
import Logging

/// Transient broker trouble (a refused connection, a leader moving) repeats many
/// times a second; one line per kind every few seconds keeps the log readable.
final class RateLimitedLog: @unchecked Sendable {
    private let logger: Logger
    private let interval: Duration
    private let lock = NSLock()
    private var lastLogged: [String: ContinuousClock.Instant] = [:]
    private var suppressed: [String: Int] = [:]

    init(logger: Logger, interval: Duration = .seconds(5)) {
        self.logger = logger
        self.interval = interval
    }

    func log(_ level: Logger.Level, key: String, _ message: @autoclosure () -> String) {
        let now = ContinuousClock.now
        let skipped: Int? = lock.withLock {
            if let last = lastLogged[key], now - last < interval {
                suppressed[key, default: 0] += 1
                return nil
            }
            lastLogged[key] = now
            return suppressed.removeValue(forKey: key) ?? 0
        }
        guard let skipped else { return }
        let suffix = skipped > 0 ? " (\(skipped) similar since last report)" : ""
        logger.log(level: level, "\(message())\(suffix)")
    }
}
