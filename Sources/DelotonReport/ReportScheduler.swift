import DelotonConcurrency
import DelotonCore
import DelotonNotify
import DelotonStore
import Foundation
import Logging

/// Sends the previous day's report every day at a local time (domain.md, Daily report).
///
/// The schedule is worked out in local wall time each day, so 09:30 stays 09:30 across the
/// clock changes. Sent days are recorded in the warehouse: a restart after sending does not
/// send again, and a process that was down at 09:30 sends yesterday's report when it comes
/// back, never older ones (those only on request, with `deloton report`). Schedulers
/// in several processes may share a warehouse: each day is claimed before it is sent, so only
/// one of them sends it.
public struct ReportScheduler: Sendable {
    /// A local time of day, `HH:MM`.
    public struct TimeOfDay: Sendable, Equatable, CustomStringConvertible {
        public var hour: Int
        public var minute: Int

        public init?(hour: Int, minute: Int) {
            guard (0...23).contains(hour), (0...59).contains(minute) else { return nil }
            self.hour = hour
            self.minute = minute
        }

        /// `09:30`, `9:30`.
        public init?(parsing text: String) {
            let parts = text.trimmingCharacters(in: .whitespaces).split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count == 2, (1...2).contains(parts[0].count), parts[1].count == 2,
                  parts.allSatisfy({ $0.allSatisfy(\.isASCII) }),
                  let h = Int(parts[0]), let m = Int(parts[1]) else { return nil }
            self.init(hour: h, minute: m)
        }

        public var description: String { ReportFormat.pad(hour) + ":" + ReportFormat.pad(minute) }
    }

    /// Produces and delivers the report of a day; returns the recipients, for the record.
    public typealias Deliver = @Sendable (CivilDate) async throws -> [String]

    public let at: TimeOfDay
    public let zone: Zone
    let ledger: ReportLedger
    let clock: any ReportClock
    let deliver: Deliver
    let logger: Logger
    /// After a transient failure: no jitter, as one scheduler per process waits, not a crowd.
    let retry: RetryBackoff
    /// Who claims days in the warehouse: unique per scheduler.
    let owner = "\(ProcessInfo.processInfo.hostName)-\(getpid())-\(UUID().uuidString.prefix(8))"
    /// How long a claim holds: far longer than a send takes.
    static let claimLease: Duration = .seconds(15 * 60)

    public init(at: TimeOfDay, zone: Zone, ledger: ReportLedger, clock: any ReportClock = SystemReportClock(),
                logger: Logger = Logger(label: "deloton.report.schedule"),
                firstRetry: Duration = .seconds(30), longestRetry: Duration = .seconds(30 * 60),
                deliver: @escaping Deliver) {
        self.at = at
        self.zone = zone
        self.ledger = ledger
        self.clock = clock
        self.logger = logger
        self.retry = RetryBackoff(initial: firstRetry, maximum: longestRetry, jitter: .none)
        self.deliver = deliver
    }

    /// The instant the report of the day before `date` is due: `at` on `date`, local time (a time
    /// skipped by the spring change moves forward; a repeated autumn time takes the first one).
    public func fireTime(on date: CivilDate) -> Instant {
        var zone = self.zone
        let micros = Int64(at.hour * 3600 + at.minute * 60) * 1_000_000
        return zone.instant(of: LocalDateTime(date: date, microsecondOfDay: micros))
    }

    /// The day whose report is due at `now`: yesterday once today's time has come, else none.
    public func dueDay(at now: Instant) -> CivilDate? {
        let today = zone.date(of: now)
        return now >= fireTime(on: today) ? today.adding(days: -1) : nil
    }

    /// The next instant after `now` at which a report falls due.
    public func nextFire(after now: Instant) -> Instant {
        let today = zone.date(of: now)
        let todays = fireTime(on: today)
        return now < todays ? todays : fireTime(on: today.adding(days: 1))
    }

    /// Sends the due report unless the warehouse says it was sent; returns the day sent.
    @discardableResult
    public func sendIfDue() async throws -> CivilDate? {
        guard let day = dueDay(at: clock.now()), try await !ledger.wasSent(day) else { return nil }
        guard try await ledger.claim(day, owner: owner, now: clock.now(), lease: Self.claimLease) else {
            logger.info("daily report is being sent by another process", metadata: ["day": "\(day)"])
            return nil
        }
        // Another process may have sent, recorded and released the day since the check above.
        if try await ledger.wasSent(day) {
            try? await ledger.release(day, owner: owner)
            return nil
        }
        let recipients: [String]
        do {
            recipients = try await deliver(day)
        } catch {
            try? await ledger.release(day, owner: owner)
            throw error
        }
        try await ledger.record(day, sentAt: clock.now(), recipients: recipients)
        // Recorded, so nobody sends it again; the claim would only hold up a forced resend.
        try? await ledger.release(day, owner: owner)
        logger.info("daily report sent", metadata: ["day": "\(day)", "recipients": "\(recipients.count)"])
        return day
    }

    /// Runs until `shouldStop` says so or the task is cancelled. Failures are logged: transient
    /// ones (relay down, warehouse busy) are retried with growing pauses; a permanent one (an
    /// address the relay refuses) is not retried for that day until the next start.
    public func run(until shouldStop: @escaping @Sendable () -> Bool = { false }) async {
        logger.info("daily report scheduled", metadata: ["at": "\(at)", "timezone": "\(zone.identifier)"])
        var failures = 0
        var givenUp: Set<CivilDate> = []
        while !shouldStop(), !Task.isCancelled {
            let now = clock.now()
            var wakeAt = nextFire(after: now)
            if let day = dueDay(at: now), !givenUp.contains(day) {
                do {
                    // Nothing sent yet the day not recorded: another process holds the claim.
                    // Look again later, in case it dies before sending.
                    if try await sendIfDue() == nil, try await !ledger.wasSent(day) {
                        wakeAt = min(wakeAt, Instant(microseconds: clock.now().microseconds + retry.initial.wholeMicroseconds))
                    }
                    failures = 0
                } catch {
                    let transient = (error as? ReportError)?.isTransient ?? !(error is ReportError)
                    if transient {
                        failures += 1
                        let wait = retry.delay(afterAttempt: failures)
                        logger.warning("daily report not sent, retrying in \(wait)", metadata: ["day": "\(day)", "error": "\(error)"])
                        wakeAt = min(wakeAt, Instant(microseconds: clock.now().microseconds + wait.wholeMicroseconds))
                    } else {
                        logger.error("daily report not sent and not retried: fix the cause and restart, or send it with deloton report \(flag: .reportSend) \(flag: .reportDate) \(day)",
                                     metadata: ["day": "\(day)", "error": "\(error)"])
                        givenUp.insert(day)
                    }
                }
            }
            do {
                try await clock.sleep(until: wakeAt)
            } catch {
                return
            }
        }
    }
}


extension ReportScheduler {
    /// The production delivery: builds the day's report from the warehouse, optionally keeps a
    /// copy in `archive/DATE/`, and mails it (or only archives it when there is no recipient).
    public static func mailing(warehouse: any Warehouse, zone: Zone, mailer: any Mailer, from: EmailAddress,
                               to recipients: [EmailAddress], archive: URL? = nil) -> Deliver {
        { day in
            let report = try await DailyReport.build(day: day, warehouse: warehouse, zone: zone)
            let documents = try ReportRenderer.render(report)
            if let archive {
                try ReportRenderer.write(documents, to: archive.appendingPathComponent(day.description))
            }
            guard !recipients.isEmpty else { return [] }
            try await ReportMailer.send(report, documents: documents, mailer: mailer, from: from, to: recipients,
                                        messageID: ReportMailer.scheduledMessageID(for: day))
            return recipients.map(\.address)
        }
    }
}
