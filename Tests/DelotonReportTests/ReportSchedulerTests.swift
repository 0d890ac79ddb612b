import DelotonCore
import DelotonReport
import DelotonNotify
import DelotonStore
import Foundation
import Synchronization
import Testing

/// A clock the test moves: waiting jumps straight to the deadline.
final class SimulatedClock: ReportClock {
    private let current: Mutex<Instant>
    init(_ start: Instant) { current = Mutex(start) }
    func now() -> Instant { current.withLock { $0 } }
    func sleep(until deadline: Instant) async throws {
        current.withLock { if deadline > $0 { $0 = deadline } }
        await Task.yield()
    }
    func set(_ instant: Instant) { current.withLock { $0 = instant } }
}

/// Records the days "sent".
final class DeliveryLog: Sendable {
    private let days = Mutex<[CivilDate]>([])
    private let failures = Mutex(0)
    var sent: [CivilDate] { days.withLock { $0 } }
    /// The next `n` deliveries fail as a relay that is down would.
    func failNext(_ n: Int) { failures.withLock { $0 = n } }

    func deliver(_ day: CivilDate) throws -> [String] {
        let fail = failures.withLock { f -> Bool in
            guard f > 0 else { return false }
            f -= 1
            return true
        }
        if fail { throw ReportError.delivery(.unreachable("connection refused (simulated)")) }
        days.withLock { $0.append(day) }
        return ["ops@example.com"]
    }
}

@Suite struct ReportSchedulerTests {
    static let london = Zone(identifier: "Europe/London")!
    static let at = ReportScheduler.TimeOfDay(hour: 9, minute: 30)!

    /// A UTC wall time as an instant.
    static func utc(_ y: Int, _ m: Int, _ d: Int, _ h: Int, _ min: Int, _ s: Int = 0) -> Instant {
        var zone = Zone.utc
        return zone.instant(of: LocalDateTime(year: y, month: m, day: d, hour: h, minute: min, second: s))
    }

    static func scheduler(_ warehouse: any Warehouse, clock: SimulatedClock, log: DeliveryLog,
                          sendTime: Duration = .zero) -> ReportScheduler {
        ReportScheduler(at: at, zone: london, ledger: ReportLedger(warehouse.sql), clock: clock,
                        firstRetry: .seconds(60), longestRetry: .seconds(600)) { day in
            try await Task.sleep(for: sendTime)
            return try log.deliver(day)
        }
    }

    /// `deloton run` and `deloton schedule` on one warehouse: whichever claims the day sends it,
    /// the other sends nothing, even while the first is still sending.
    static func expectTwoSchedulersSendOnce(_ warehouse: any Warehouse) async throws {
        let clock = SimulatedClock(utc(2024, 7, 10, 8, 30))
        let log = DeliveryLog()
        let a = scheduler(warehouse, clock: clock, log: log, sendTime: .milliseconds(300))
        let b = scheduler(warehouse, clock: clock, log: log, sendTime: .milliseconds(300))
        async let first = a.sendIfDue()
        async let second = b.sendIfDue()
        let sent = try await [first, second]
        let day = CivilDate(year: 2024, month: 7, day: 9)
        #expect(sent.compactMap { $0 } == [day])
        #expect(log.sent == [day])
        #expect(try await b.sendIfDue() == nil)
        #expect(try await a.sendIfDue() == nil)
    }

    /// A process that claimed the day and died holds it until its lease ends, then another sends it;
    /// a failed send gives the claim back at once.
    static func expectClaimsExpireAndAreReleased(_ warehouse: any Warehouse) async throws {
        let clock = SimulatedClock(utc(2024, 7, 10, 8, 30))
        let day = CivilDate(year: 2024, month: 7, day: 9)
        let ledger = ReportLedger(warehouse.sql)
        #expect(try await ledger.claim(day, owner: "dead", now: clock.now(), lease: .seconds(900)))
        let log = DeliveryLog()
        let alive = scheduler(warehouse, clock: clock, log: log)
        #expect(try await alive.sendIfDue() == nil)
        clock.set(utc(2024, 7, 10, 8, 46))
        #expect(try await alive.sendIfDue() == day)
        #expect(log.sent == [day])

        let next = CivilDate(year: 2024, month: 7, day: 10)
        clock.set(utc(2024, 7, 11, 8, 30))
        log.failNext(1)
        await #expect(throws: ReportError.self) { try await alive.sendIfDue() }
        #expect(try await scheduler(warehouse, clock: clock, log: log).sendIfDue() == next)
    }

    @Test func twoSchedulersSendADayOnce() async throws {
        let (warehouse, dir) = try await ReportFixture.sqlite()
        defer { try? FileManager.default.removeItem(at: dir) }
        try await Self.expectTwoSchedulersSendOnce(warehouse)
        try await warehouse.close()
    }

    @Test func claimsExpireAndAreReleased() async throws {
        let (warehouse, dir) = try await ReportFixture.sqlite()
        defer { try? FileManager.default.removeItem(at: dir) }
        try await Self.expectClaimsExpireAndAreReleased(warehouse)
        try await warehouse.close()
    }

    @Test func parsesTheTimeOfDay() {
        #expect(ReportScheduler.TimeOfDay(parsing: "09:30") == Self.at)
        #expect(ReportScheduler.TimeOfDay(parsing: "9:30") == Self.at)
        #expect(ReportScheduler.TimeOfDay(parsing: "24:00") == nil)
        #expect(ReportScheduler.TimeOfDay(parsing: "09:3") == nil)
        #expect(ReportScheduler.TimeOfDay(parsing: "nine") == nil)
    }

    /// 09:30 local is 08:30 UTC in summer time and 09:30 UTC in winter, including on the days
    /// the clocks change (2024-03-31 and 2024-10-27 in London).
    @Test(arguments: [
        (CivilDate(year: 2024, month: 3, day: 31), 8),
        (CivilDate(year: 2024, month: 3, day: 30), 9),
        (CivilDate(year: 2024, month: 10, day: 27), 9),
        (CivilDate(year: 2024, month: 10, day: 26), 8),
    ])
    func firesAtHalfPastNineLocalTime(day: CivilDate, utcHour: Int) async throws {
        let (warehouse, dir) = try await ReportFixture.sqlite()
        defer { try? FileManager.default.removeItem(at: dir) }
        let clock = SimulatedClock(Self.utc(day.year, day.month, day.day, 0, 0))
        let log = DeliveryLog()
        let scheduler = Self.scheduler(warehouse, clock: clock, log: log)
        #expect(scheduler.fireTime(on: day) == Self.utc(day.year, day.month, day.day, utcHour, 30))

        clock.set(Self.utc(day.year, day.month, day.day, utcHour, 29, 59))
        #expect(try await scheduler.sendIfDue() == nil)
        clock.set(Self.utc(day.year, day.month, day.day, utcHour, 30))
        #expect(try await scheduler.sendIfDue() == day.adding(days: -1))
        #expect(log.sent == [day.adding(days: -1)])
        try await warehouse.close()
    }

    /// Across both clock changes, one report a day, each at 09:30 local, for the day before.
    @Test func runsAcrossTheClockChanges() async throws {
        let (warehouse, dir) = try await ReportFixture.sqlite()
        defer { try? FileManager.default.removeItem(at: dir) }
        for (start, end) in [(Self.utc(2024, 3, 29, 12, 0), Self.utc(2024, 4, 2, 12, 0)),
                             (Self.utc(2024, 10, 25, 12, 0), Self.utc(2024, 10, 29, 12, 0))] {
            let clock = SimulatedClock(start)
            let log = DeliveryLog()
            let scheduler = Self.scheduler(warehouse, clock: clock, log: log)
            await scheduler.run(until: { clock.now() >= end })
            // Started after 09:30: yesterday's report at once, then one each morning.
            let first = Self.london.date(of: start)
            #expect(log.sent == (-1..<4).map { first.adding(days: $0) }, "sent \(log.sent)")
        }
        #expect(try await ReportLedger(warehouse.sql).sentDays().count == 10)
        // Each morning's report went out at 09:30 local: 08:30 UTC in summer time, 09:30 in winter.
        let rows = try await warehouse.sql.query("SELECT day, sent_at FROM reports_sent ORDER BY day")
        let sentAt = Dictionary(uniqueKeysWithValues: try rows.map { (try $0.decode("day", as: String.self), try $0.decode("sent_at", as: Int64.self)) })
        #expect(sentAt["2024-03-30"] == Self.utc(2024, 3, 31, 8, 30).microseconds)
        #expect(sentAt["2024-03-29"] == Self.utc(2024, 3, 30, 9, 30).microseconds)
        #expect(sentAt["2024-10-26"] == Self.utc(2024, 10, 27, 9, 30).microseconds)
        #expect(sentAt["2024-10-25"] == Self.utc(2024, 10, 26, 8, 30).microseconds)
        try await warehouse.close()
    }

    @Test func restartAfterSendingDoesNotSendAgain() async throws {
        let (warehouse, dir) = try await ReportFixture.sqlite()
        defer { try? FileManager.default.removeItem(at: dir) }
        let log = DeliveryLog()
        let clock = SimulatedClock(Self.utc(2024, 7, 10, 8, 30))
        #expect(try await Self.scheduler(warehouse, clock: clock, log: log).sendIfDue() == CivilDate(year: 2024, month: 7, day: 9))
        // A new process, later the same day, on the same warehouse.
        clock.set(Self.utc(2024, 7, 10, 15, 0))
        let restarted = Self.scheduler(warehouse, clock: clock, log: log)
        #expect(try await restarted.sendIfDue() == nil)
        await restarted.run(until: { clock.now() >= Self.utc(2024, 7, 11, 8, 0) })
        #expect(log.sent == [CivilDate(year: 2024, month: 7, day: 9)])
        try await warehouse.close()
    }

    /// Down at 09:30 on the 10th and the 11th, back at 14:00 on the 11th: the 10th's report goes
    /// out at once, the 9th's never.
    @Test func missedDaySendsOnlyYesterday() async throws {
        let (warehouse, dir) = try await ReportFixture.sqlite()
        defer { try? FileManager.default.removeItem(at: dir) }
        let log = DeliveryLog()
        let clock = SimulatedClock(Self.utc(2024, 7, 11, 13, 0))
        let scheduler = Self.scheduler(warehouse, clock: clock, log: log)
        await scheduler.run(until: { clock.now() >= Self.utc(2024, 7, 12, 12, 0) })
        #expect(log.sent == [CivilDate(year: 2024, month: 7, day: 10), CivilDate(year: 2024, month: 7, day: 11)])
        try await warehouse.close()
    }

    /// Back before 09:30: yesterday's report waits for 09:30; the day before is not sent.
    @Test func earlyStartWaitsForTheTime() async throws {
        let (warehouse, dir) = try await ReportFixture.sqlite()
        defer { try? FileManager.default.removeItem(at: dir) }
        let log = DeliveryLog()
        let clock = SimulatedClock(Self.utc(2024, 7, 11, 6, 0))
        let scheduler = Self.scheduler(warehouse, clock: clock, log: log)
        await scheduler.run(until: { clock.now() >= Self.utc(2024, 7, 11, 8, 29) || !log.sent.isEmpty })
        #expect(log.sent.isEmpty)
        await scheduler.run(until: { clock.now() >= Self.utc(2024, 7, 11, 9, 0) })
        #expect(log.sent == [CivilDate(year: 2024, month: 7, day: 10)])
        try await warehouse.close()
    }

    @Test func transientFailuresAreRetried() async throws {
        let (warehouse, dir) = try await ReportFixture.sqlite()
        defer { try? FileManager.default.removeItem(at: dir) }
        let log = DeliveryLog()
        log.failNext(3)
        let clock = SimulatedClock(Self.utc(2024, 7, 11, 8, 0))
        let scheduler = Self.scheduler(warehouse, clock: clock, log: log)
        await scheduler.run(until: { clock.now() >= Self.utc(2024, 7, 11, 12, 0) })
        #expect(log.sent == [CivilDate(year: 2024, month: 7, day: 10)])
        // 08:30 fails, then retries after 1, 2 and 4 minutes: sent at 08:37.
        let sent = try await warehouse.sql.query("SELECT sent_at FROM reports_sent").first?.decode("sent_at", as: Int64.self)
        #expect(sent == Self.utc(2024, 7, 11, 8, 37).microseconds)
        try await warehouse.close()
    }

    @Test func productionDeliveryMailsToTheOutbox() async throws {
        let (warehouse, dir) = try await ReportFixture.sqlite()
        defer { try? FileManager.default.removeItem(at: dir) }
        try await ReportFixture.load(into: warehouse)
        let outbox = dir.appendingPathComponent("outbox"), archive = dir.appendingPathComponent("reports")
        let deliver = ReportScheduler.mailing(warehouse: warehouse, zone: Self.london, mailer: OutboxMailer(directory: outbox),
                                              from: .init("alerts@deloton.local"), to: [.init("ops@example.com")], archive: archive)
        let clock = SimulatedClock(Self.utc(2022, 7, 26, 8, 30))
        let scheduler = ReportScheduler(at: Self.at, zone: Self.london, ledger: ReportLedger(warehouse.sql), clock: clock, deliver: deliver)
        #expect(try await scheduler.sendIfDue() == ReportFixture.day)
        let files = try FileManager.default.contentsOfDirectory(atPath: outbox.path).filter { $0.hasSuffix(".eml") }
        #expect(files == ["daily-report-2022-07-25@deloton.eml"])
        #expect(FileManager.default.fileExists(atPath: archive.appendingPathComponent("2022-07-25/report.pdf").path))
        try await warehouse.close()
    }
}
