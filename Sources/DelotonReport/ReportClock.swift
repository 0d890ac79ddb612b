import DelotonCore
import Foundation

/// Where the scheduler gets the time from: the system clock in production, a simulated one in
/// tests (days on which the clocks change, restarts, missed days) so they run in milliseconds.
public protocol ReportClock: Sendable {
    func now() -> Instant
    /// Waits until `deadline` or less: callers look at `now()` again after each wait, so a clock
    /// may return early (to let them notice a shutdown or a change of the system time).
    func sleep(until deadline: Instant) async throws
}

/// The system's wall clock, waited on in short steps: a suspended laptop or a corrected system
/// time is noticed within `step`, and so is a shutdown request.
public struct SystemReportClock: ReportClock {
    public var step: Duration

    public init(step: Duration = .seconds(1)) { self.step = step }

    public func now() -> Instant { Instant(seconds: Date().timeIntervalSince1970) }

    public func sleep(until deadline: Instant) async throws {
        let remaining = Duration.microseconds(max(0, deadline.microseconds - now().microseconds))
        try await Task.sleep(for: min(remaining, step))
    }
}
