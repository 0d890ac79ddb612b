import DelotonCore
import DelotonConcurrency

/// How the alert dispatcher delivers (issue 6): who sends, who gets staff copies, and the pace.
public struct AlertDispatchSettings: Sendable {
    /// The sender of every alert.
    public var from: EmailAddress
    /// Staff who each get a separate copy of every alert.
    public var staffCopies: [EmailAddress]
    /// Times in the email are shown in this zone (the display zone).
    public var zone: Zone
    /// Alerts being sent at once; a slow relay then holds up only that many.
    public var concurrency: Int
    /// How often due retries are looked for when nothing wakes the dispatcher.
    public var pollInterval: Duration
    /// The same, while the warehouse's change feed is listening: every new alert then wakes the
    /// dispatcher, and its own retries are timed, so the poll only finds what no notification
    /// announces (a lapsed claim, a retry left by a dispatcher that stopped). 5 s keeps that
    /// within seconds at a fifth of the queries.
    public var pushedPollInterval: Duration
    /// Waits between attempts after transient failures (connection, SMTP 4xx).
    public var backoff: RetryBackoff
    /// How long a claim keeps other dispatchers off an alert; longer than any send can take
    /// (the SMTP timeout), so that only a dispatcher that died lets it lapse.
    public var lease: Duration
    /// Attempts at each staff copy. Staff copies are retried in memory only: the rider's alert
    /// is what the outbox guarantees.
    public var staffCopyAttempts: Int
    /// Waits between staff copy attempts.
    public var staffBackoff: RetryBackoff

    public init(
        from: EmailAddress, staffCopies: [EmailAddress] = [], zone: Zone = .utc, concurrency: Int = 4,
        pollInterval: Duration = .seconds(1), pushedPollInterval: Duration = .seconds(5), backoff: RetryBackoff = RetryBackoff(initial: .seconds(1), maximum: .seconds(300)),
        lease: Duration = .seconds(120), staffCopyAttempts: Int = 6,
        staffBackoff: RetryBackoff = RetryBackoff(initial: .seconds(2), maximum: .seconds(60))
    ) {
        self.from = from
        self.staffCopies = staffCopies
        self.zone = zone
        self.concurrency = max(1, concurrency)
        self.pollInterval = pollInterval
        self.pushedPollInterval = pushedPollInterval
        self.backoff = backoff
        self.lease = lease
        self.staffCopyAttempts = max(1, staffCopyAttempts)
        self.staffBackoff = staffBackoff
    }
}

/// What happened to one attempt, for logs, tests and benchmarks.
public struct AlertDispatchEvent: Sendable {
    public enum Outcome: Sendable, Equatable {
        /// The server accepted the rider's message (or it was written to the outbox folder).
        case sent(messageID: String)
        /// Transient failure: tried again after `retryIn`.
        case willRetry(reason: String, retryIn: Duration)
        /// Permanent failure: status failed, never retried.
        case failed(reason: String)
        /// A staff copy was accepted.
        case staffCopySent(messageID: String)
        /// A staff copy was given up.
        case staffCopyFailed(messageID: String, reason: String)
    }

    public var alertID: Int64
    public var rideID: Int64
    public var outcome: Outcome
    /// When the outcome was known (for a send: right after the server's acceptance).
    public var at: ContinuousClock.Instant
}
