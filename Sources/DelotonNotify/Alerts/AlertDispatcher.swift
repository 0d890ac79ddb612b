import DelotonConcurrency
import DelotonCore
import DelotonConcurrency
import DelotonStore
import Foundation
import Logging
import Synchronization

/// Delivers the alert outbox: pending alerts are claimed, mailed, and marked sent; transient
/// failures come back after an exponential backoff, permanent ones are marked failed with
/// their reason and never tried again.
///
/// Runs inside `deloton ingest` / `deloton run` (which call `wake()` after each committed batch
/// that recorded alerts, so delivery starts within milliseconds) or alone as `deloton notify`.
/// On PostgreSQL it also follows the warehouse's change feed, so an alert that another process
/// committed wakes it just as fast; it then polls only every `pushedPollInterval`, for what no
/// notification announces (claims that lapsed, retries scheduled by a dispatcher that stopped).
/// Every decision is in the warehouse, so a restart carries on where the last run stopped, and
/// any number of dispatchers can share a warehouse (see `AlertOutbox` for the claim).
///
///     let dispatcher = AlertDispatcher(warehouse: warehouse, mailer: mailer, settings: settings, logger: logger)
///     let task = Task { await dispatcher.run() }
///     ... dispatcher.wake() ...
///     await dispatcher.finish()      // delivers what is due, then `run()` returns
///     await task.value
public actor AlertDispatcher {
    private let outbox: AlertOutbox
    private let mailer: any Mailer
    private let settings: AlertDispatchSettings
    private let logger: Logger
    private let now: @Sendable () -> Instant
    private let onEvent: (@Sendable (AlertDispatchEvent) -> Void)?
    private let signal = WakeSignal()
    private let changes: (any ChangeFeed)?
    /// Whether the change feed is listening, so nothing new goes unannounced (set by `follow`).
    private let listening = Mutex(false)
    /// When retries this dispatcher scheduled come due: a wait never outlasts the next one, so a
    /// slow poll does not hold a retry back.
    private var retryTimes: [ContinuousClock.Instant] = []

    private enum Ending { case no, afterDue, now }
    private var ending = Ending.no
    private var inFlight = Set<Int64>()
    private var staffQueue: [StaffCopy] = []
    private var lastPollFailure: ContinuousClock.Instant?

    private struct StaffCopy {
        var message: EmailMessage
        var alertID: Int64
        var rideID: Int64
        var attempts = 0
        var notBefore = ContinuousClock.now
    }

    /// - Parameters:
    ///   - changes: alerts committed by any process (the warehouse's `changes`); without it, only
    ///     `wake()` and the poll find new alerts.
    ///   - now: the wall clock that due times are compared with (tests move it).
    ///   - onEvent: told about every outcome, on the sending task; keep it quick.
    public init(
        sql: any SQLExecutor, mailer: any Mailer, settings: AlertDispatchSettings, logger: Logger,
        changes: (any ChangeFeed)? = nil,
        now: @escaping @Sendable () -> Instant = { Instant(seconds: Date().timeIntervalSince1970) },
        onEvent: (@Sendable (AlertDispatchEvent) -> Void)? = nil
    ) {
        self.outbox = AlertOutbox(sql)
        self.changes = changes
        self.mailer = mailer
        self.settings = settings
        self.logger = logger
        self.now = now
        self.onEvent = onEvent
    }

    public init(
        warehouse: any Warehouse, mailer: any Mailer, settings: AlertDispatchSettings, logger: Logger,
        onEvent: (@Sendable (AlertDispatchEvent) -> Void)? = nil
    ) {
        self.init(sql: warehouse.sql, mailer: mailer, settings: settings, logger: logger, changes: warehouse.changes,
                  onEvent: onEvent)
    }

    /// New alerts were committed: look for them now rather than at the next poll.
    public nonisolated func wake() { signal.signal() }

    /// Delivers what is due now (including sends under way and staff copies ready to go), then
    /// makes `run()` return. Alerts waiting for a later retry stay pending for the next run.
    public func finish() {
        if ending == .no { ending = .afterDue }
        signal.signal()
    }

    /// Stops claiming; sends under way are completed and recorded, then `run()` returns.
    public func stop() {
        ending = .now
        signal.signal()
    }

    /// Delivers until `finish()`, `stop()` or cancellation. Cancelling aborts sends under way
    /// and gives their claims back, so the next run sends them at once.
    public func run() async {
        logger.debug("alert dispatcher started", metadata: ["concurrency": "\(settings.concurrency)"])
        await withTaskGroup(of: Void.self) { feed in
            if let changes { feed.addTask { await self.follow(changes) } }
            await deliver()
            feed.cancelAll()
        }
        if !staffQueue.isEmpty {
            logger.warning("stopping with staff copies not yet delivered",
                           metadata: ["count": "\(staffQueue.count)"])
        }
        logger.debug("alert dispatcher stopped")
    }

    private func deliver() async {
        await withDiscardingTaskGroup { group in
            while !Task.isCancelled, ending != .now {
                let started = startDue(&group)
                let claimed = await claimDue()
                for id in claimed {
                    group.addTask { await self.attempt(id) }
                }
                if ending == .afterDue, claimed.isEmpty, started == 0, inFlight.isEmpty, readyStaffCopies == 0 {
                    break
                }
                await signal.wait(timeout: nextWait())
            }
        }
    }

    /// Wakes the loop for alerts committed anywhere, and after a reconnection (what was committed
    /// while nobody listened was announced to nobody); sets the pace the feed allows.
    private nonisolated func follow(_ feed: any ChangeFeed) async {
        for await event in feed.subscribe() {
            switch event {
            case .listening:
                listening.withLock { $0 = true }
                signal.signal()
            case .lost:
                listening.withLock { $0 = false }
                signal.signal()
            case .committed(let changes):
                if changes.contains(.alerts) { signal.signal() }
            }
        }
        listening.withLock { $0 = false }
    }

    /// The poll's pace, cut short by the next retry or staff copy this dispatcher has scheduled.
    private func nextWait() -> Duration {
        // Never faster than without a feed: the slow pace only ever saves queries.
        let pace = listening.withLock { $0 } ? max(settings.pollInterval, settings.pushedPollInterval) : settings.pollInterval
        let clock = ContinuousClock.now
        retryTimes.removeAll { $0 <= clock }
        let soonest = (retryTimes + staffQueue.map(\.notBefore)).filter { $0 > clock }.min()
        return soonest.map { min(pace, $0 - clock) } ?? pace
    }

    // MARK: - One pass

    /// Ids of due alerts this dispatcher is not already sending, at most the free capacity.
    private func claimDue() async -> [Int64] {
        let free = settings.concurrency - inFlight.count
        guard free > 0 else { return [] }
        let ids: [Int64]
        do {
            ids = try await outbox.due(at: now(), limit: free + inFlight.count)
            lastPollFailure = nil
        } catch {
            // A warehouse outage is logged once a minute, not once a poll.
            let clock = ContinuousClock.now
            if lastPollFailure.map({ clock - $0 > .seconds(60) }) ?? true {
                logger.error("cannot read the alert outbox; will keep trying", metadata: ["reason": "\(error)"])
                lastPollFailure = clock
            }
            return []
        }
        let fresh = ids.filter { !inFlight.contains($0) }.prefix(free)
        inFlight.formUnion(fresh)
        return Array(fresh)
    }

    private var readyStaffCopies: Int {
        let clock = ContinuousClock.now
        return staffQueue.count(where: { $0.notBefore <= clock })
    }

    private func startDue(_ group: inout DiscardingTaskGroup) -> Int {
        let clock = ContinuousClock.now
        let ready = staffQueue.filter { $0.notBefore <= clock }
        staffQueue.removeAll { $0.notBefore <= clock }
        for copy in ready {
            group.addTask { await self.sendStaffCopy(copy) }
        }
        return ready.count
    }

    // MARK: - One alert

    private func attempt(_ id: Int64) async {
        defer {
            inFlight.remove(id)
            signal.signal()
        }
        let alert: OutboxAlert
        do {
            guard let claimed = try await outbox.claim(id: id, at: now(), lease: settings.lease) else { return }
            alert = claimed
        } catch {
            logger.error("cannot claim alert \(id); will try again", metadata: ["reason": "\(error)"])
            return
        }
        let email = AlertEmail(alert: alert, zone: settings.zone)
        if let problem = Self.recipientProblem(alert) {
            await record(alert, .failed(reason: problem))
            enqueueStaffCopies(email)
            return
        }
        let message = email.riderMessage(from: settings.from, date: Date())
        let started = ContinuousClock.now
        do {
            try await mailer.send(message)
        } catch {
            if Task.isCancelled {
                try? await outbox.release(id: id, at: now())
                return
            }
            if error.isTransient {
                let wait = settings.backoff.delay(afterAttempt: alert.attempts)
                await record(alert, .willRetry(reason: error.reason, retryIn: wait))
            } else {
                await record(alert, .failed(reason: error.reason))
                enqueueStaffCopies(email)
            }
            return
        }
        // Debug, as one line per alert drowns the console: the status line and metrics count them.
        logger.debug("alert sent", metadata: [
            "alert": "\(id)", "ride": "\(alert.rideID)", "message_id": "\(message.bareMessageID)",
            "ms": "\(Int((ContinuousClock.now - started) / .milliseconds(1)))",
        ])
        await record(alert, .sent(messageID: message.bareMessageID))
        enqueueStaffCopies(email)
    }

    /// No address or an invalid one is a permanent failure found before any network traffic.
    static func recipientProblem(_ alert: OutboxAlert) -> String? {
        let address = alert.recipient.trimmingCharacters(in: .whitespaces)
        if address.isEmpty {
            return "rider \(alert.riderID) has no email address on this ride's [SYSTEM] line"
        }
        if !EmailAddress.isValid(address) {
            return "rider \(alert.riderID)'s email address \"\(address)\" is not a valid email address"
        }
        return nil
    }

    /// Between the tries to write an outcome: 100 ms, then 200 ms. Brief, as this rides out a
    /// hiccup of the warehouse; a longer outage is what the claim's lapse is for.
    static let recordBackoff = RetryBackoff(initial: .milliseconds(100), maximum: .milliseconds(200), jitter: .none)

    /// Writes the outcome. Marking sent is retried briefly: if it still fails, the claim lapses
    /// and the message goes once more with the same Message-ID (the one repeat domain.md allows).
    private func record(_ alert: OutboxAlert, _ outcome: AlertDispatchEvent.Outcome) async {
        onEvent?(AlertDispatchEvent(alertID: alert.id, rideID: alert.rideID, outcome: outcome, at: .now))
        for attempt in 1...3 {
            do {
                switch outcome {
                case .sent(let messageID):
                    try await outbox.markSent(id: alert.id, messageID: messageID, at: now())
                case .willRetry(let reason, let wait):
                    logger.warning("alert not sent; will retry", metadata: [
                        "alert": "\(alert.id)", "ride": "\(alert.rideID)", "attempt": "\(alert.attempts)",
                        "retry_in_s": "\(wait.inSeconds)",
                        "reason": "\(Self.loggable(reason))",
                    ])
                    try await outbox.scheduleRetry(id: alert.id, at: now().adding(seconds: wait.inSeconds), reason: reason)
                    retryTimes.append(.now + wait)
                case .failed(let reason):
                    logger.warning("alert cannot be delivered; marked failed", metadata: [
                        "alert": "\(alert.id)", "ride": "\(alert.rideID)", "reason": "\(Self.loggable(reason))",
                    ])
                    try await outbox.markFailed(id: alert.id, reason: reason)
                case .staffCopySent, .staffCopyFailed:
                    break
                }
                return
            } catch {
                if attempt == 3 || Task.isCancelled {
                    logger.error("cannot record the outcome of alert \(alert.id); it will be tried again when its claim lapses",
                                 metadata: ["reason": "\(error)"])
                    return
                }
                try? await Task.sleep(for: Self.recordBackoff.delay(afterAttempt: attempt))
            }
        }
    }

    // MARK: - Staff copies

    private func enqueueStaffCopies(_ email: AlertEmail) {
        let date = Date()
        for address in settings.staffCopies {
            staffQueue.append(StaffCopy(message: email.staffMessage(to: address, from: settings.from, date: date),
                                        alertID: email.alert.id, rideID: email.alert.rideID))
        }
        if !settings.staffCopies.isEmpty { signal.signal() }
    }

    private func sendStaffCopy(_ copy: StaffCopy) async {
        var copy = copy
        copy.attempts += 1
        do {
            try await mailer.send(copy.message)
            onEvent?(AlertDispatchEvent(alertID: copy.alertID, rideID: copy.rideID,
                                        outcome: .staffCopySent(messageID: copy.message.bareMessageID), at: .now))
        } catch {
            if error.isTransient, copy.attempts < settings.staffCopyAttempts, !Task.isCancelled {
                copy.notBefore = .now + settings.staffBackoff.delay(afterAttempt: copy.attempts)
                staffQueue.append(copy)
                return
            }
            // Which alert, not which address: log lines carry no email addresses.
            logger.warning("staff copy of an alert not delivered", metadata: [
                "alert": "\(copy.alertID)", "reason": "\(Self.loggable(error.reason))",
            ])
            onEvent?(AlertDispatchEvent(alertID: copy.alertID, rideID: copy.rideID,
                                        outcome: .staffCopyFailed(messageID: copy.message.bareMessageID, reason: error.reason),
                                        at: .now))
        }
    }

    /// A failure's reason as logged: quoted text is left out, since reasons quote the address
    /// they refused (kept in the outbox's last_error for whoever looks there), and an invalid
    /// address has no shape the log handler could recognise and redact.
    static func loggable(_ reason: String) -> String {
        var out = ""
        var quoted = false
        for c in reason {
            if c == "\"" {
                if !quoted { out += "\"…\"" }
                quoted.toggle()
            } else if !quoted {
                out.append(c)
            }
        }
        return out
    }

}
