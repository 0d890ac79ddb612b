import DelotonConcurrency
import DelotonCore
import Foundation
import Logging

/// `deloton report` sending, as an at-least-once trigger starts it (EventBridge Scheduler, a cron
/// job with retries): however many times it fires for a day, the report goes out once.
///
/// It uses the scheduler's ledger: a day already recorded as sent is not sent again (unless
/// forced), and the day is claimed while it is being sent, so a second trigger running at the
/// same time waits for the first instead of sending too. A relay that is down is retried until
/// the deadline, holding the claim, because a trigger that gives up is not fired again.
public struct ReportTrigger: Sendable {
    public enum Outcome: Sendable, Equatable {
        /// Delivered now, to these recipients.
        case sent([String])
        /// The ledger already records the day as sent; nothing was sent.
        case alreadySent
    }

    let ledger: ReportLedger
    let retryFor: Duration
    /// Doubling up to a minute, without jitter: one trigger waits, not a crowd.
    let retry: RetryBackoff
    let logger: Logger
    let owner = "report-\(ProcessInfo.processInfo.hostName)-\(getpid())-\(UUID().uuidString.prefix(8))"

    /// - Parameters:
    ///   - retryFor: how long transient failures are retried, and another sender waited for.
    ///   - firstRetry: the first pause between attempts; it doubles, up to a minute.
    public init(ledger: ReportLedger, retryFor: Duration, firstRetry: Duration = .seconds(2), logger: Logger) {
        self.ledger = ledger
        self.retryFor = retryFor
        self.retry = RetryBackoff(initial: firstRetry, maximum: .seconds(60), jitter: .none)
        self.logger = logger
    }

    /// Sends the report of `day` through `deliver` unless the ledger says it was sent; `force`
    /// sends it again all the same (the ledger keeps the first record).
    public func send(_ day: CivilDate, force: Bool, deliver: ReportScheduler.Deliver) async throws -> Outcome {
        let deadline = ContinuousClock.now + retryFor
        // Longer than the retries, so the claim cannot lapse while this process still tries.
        let lease = retryFor + .seconds(300)
        var failures = 0
        while true {
            let pause = retry.delay(afterAttempt: failures + 1)
            if !force, try await ledger.wasSent(day) { return .alreadySent }
            let now = Instant(seconds: Date().timeIntervalSince1970)
            guard try await ledger.claim(day, owner: owner, now: now, lease: lease) else {
                guard ContinuousClock.now + pause < deadline else {
                    throw ReportTriggerError.busy(day: day)
                }
                logger.info("another process is sending this day's report; waiting for it", metadata: ["day": "\(day)"])
                try await Task.sleep(for: pause)
                continue
            }
            // Another process may have sent, recorded and released the day since the check above:
            // two triggers at once, one descheduled between the two (seen under load).
            if !force, try await ledger.wasSent(day) {
                try? await ledger.release(day, owner: owner)
                return .alreadySent
            }
            do {
                let recipients = try await deliver(day)
                try await ledger.record(day, sentAt: Instant(seconds: Date().timeIntervalSince1970), recipients: recipients)
                try? await ledger.release(day, owner: owner)
                return .sent(recipients)
            } catch {
                let transient = (error as? ReportError)?.isTransient ?? !(error is ReportError)
                guard transient, ContinuousClock.now + pause < deadline, !Task.isCancelled else {
                    try? await ledger.release(day, owner: owner)
                    throw error
                }
                logger.warning("daily report not sent, retrying in \(pause)", metadata: ["day": "\(day)", "error": "\(error)"])
                try await Task.sleep(for: pause)
                failures += 1
            }
        }
    }
}

public enum ReportTriggerError: Error, CustomStringConvertible {
    case busy(day: CivilDate)

    public var description: String {
        switch self {
        case .busy(let day):
            "another process held the sending of the \(day) report until the deadline; it was not sent by this one "
                + "(run again, or check that process)"
        }
    }
}
