import DelotonCore
import DelotonConcurrency
import DelotonNotify
import DelotonStore
import DelotonTestSupport
import Foundation
import Logging
import Synchronization

/// Stream lines for one bike at half-second ticks, as the real stream writes them.
struct AlertScript {
    var lines: [StreamLine] = []
    var tick = 0
    var base = LocalDateTime(year: 2022, month: 7, day: 6, hour: 10, minute: 0, second: 0)

    var now: LocalDateTime {
        LocalDateTime(date: base.date, microsecondOfDay: base.microsecondOfDay + Int64(tick) * 500_000)
    }

    static func profile(id: Int = 7, name: String = "Mr Test Rider", gender: String = "male",
                        email: String = "rider@example.com", bike: String = "SN0000") -> RiderProfile {
        RiderProfile(userID: id, name: name, gender: gender, address: "1 High st,Town,AB1 2CD",
                     dateOfBirthMs: Int64(CivilDate(year: 1990, month: 1, day: 1).daysSinceEpoch) * 86_400_000,
                     email: email, heightCm: 180, weightKg: 80, accountCreateDateMs: 0, bikeSerial: bike,
                     originalSource: "direct")
    }

    mutating func start(_ p: RiderProfile) {
        lines += [.beginningOfRide, .gettingUserData(now)]
        tick += 1
        lines.append(.system(now, p))
        tick += 1
    }

    mutating func reading(_ d: Int, hr: Int) {
        lines.append(.ride(now, duration: d, resistance: 30))
        tick += 1
        lines.append(.telemetry(now, heartRate: hr, rpm: 60, power: 180))
        tick += 1
    }

    /// A ride whose readings 3–5 are above the safe maximum (188 for a 32-year-old man).
    static func alertingRide(_ profile: RiderProfile, at base: LocalDateTime? = nil) -> [StreamLine] {
        var s = AlertScript()
        if let base { s.base = base }
        s.start(profile)
        for d in 1...8 { s.reading(d, hr: (3...5).contains(d) ? 190 + d : 120) }
        return s.lines
    }
}

/// A scratch SQLite warehouse, with rides written the way ingest writes them.
struct AlertWarehouse {
    let warehouse: SQLiteWarehouse
    let folder: String
    var sql: any SQLExecutor { warehouse.sql }
    var outbox: AlertOutbox { AlertOutbox(warehouse.sql) }

    init() async throws {
        folder = TestPaths.scratch("alerts")
        warehouse = try SQLiteWarehouse(path: folder + "/w.sqlite", logger: Logger(label: "test"))
        try await warehouse.migrate()
    }

    /// Assembles the lines on one stream, ends the ride, and commits it in one batch.
    @discardableResult
    func ingest(_ lines: [StreamLine], stream: String = "test", end: Bool = true) async throws -> WriteOutcome {
        var assembler = RideAssembler(stream: stream, zone: Zone(identifier: "Europe/London")!)
        for line in lines { _ = assembler.consume(line) }
        if end { assembler.endRide() }
        var batch = IngestBatch()
        assembler.drain(into: &batch)
        return try await warehouse.write(batch)
    }

    /// One ended ride with an alert for each profile; returns the alert ids.
    func alerts(_ profiles: [RiderProfile]) async throws -> [Int64] {
        var ids: [Int64] = []
        for (i, p) in profiles.enumerated() {
            let base = LocalDateTime(year: 2022, month: 7, day: 6, hour: 10, minute: i % 60, second: 0)
            ids += try await ingest(AlertScript.alertingRide(p, at: base), stream: "s\(i)").newAlertIDs
        }
        return ids
    }

    /// Runs `body` with a fresh warehouse and removes it afterwards, whatever happens.
    static func with<T>(_ body: (AlertWarehouse) async throws -> T) async throws -> T {
        let w = try await AlertWarehouse()
        do {
            let result = try await body(w)
            await w.cleanUp()
            return result
        } catch {
            await w.cleanUp()
            throw error
        }
    }

    func cleanUp() async {
        try? await warehouse.close()
        try? FileManager.default.removeItem(atPath: folder)
    }
}

/// Collects dispatcher events for assertions.
final class EventLog: Sendable {
    private let events = Mutex<[AlertDispatchEvent]>([])

    func add(_ e: AlertDispatchEvent) { events.withLock { $0.append(e) } }
    var all: [AlertDispatchEvent] { events.withLock { $0 } }

    func count(where predicate: (AlertDispatchEvent.Outcome) -> Bool) -> Int {
        all.count { predicate($0.outcome) }
    }

    /// Polls until `predicate` holds or the timeout passes. Every caller expects it to hold, so a
    /// long default costs nothing when it does and lets the whole suite load both cores.
    func wait(timeout: Duration = .seconds(30), until predicate: ([AlertDispatchEvent]) -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if predicate(all) { return true }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return predicate(all)
    }
}

extension AlertDispatchEvent.Outcome {
    var isSent: Bool { if case .sent = self { return true } else { return false } }
    var isRetry: Bool { if case .willRetry = self { return true } else { return false } }
    var isFailed: Bool { if case .failed = self { return true } else { return false } }
}

enum AlertTesting {
    static let sender = EmailAddress("alerts@deloton.local", displayName: "Deloton alerts")

    /// Quick retries so that tests do not wait for production backoffs.
    static func settings(staff: [EmailAddress] = [], lease: Duration = .seconds(120)) -> AlertDispatchSettings {
        AlertDispatchSettings(
            from: sender, staffCopies: staff, zone: Zone(identifier: "Europe/London")!, concurrency: 4,
            pollInterval: .milliseconds(50), backoff: RetryBackoff(initial: .milliseconds(100), maximum: .milliseconds(400)),
            lease: lease, staffCopyAttempts: 3,
            staffBackoff: RetryBackoff(initial: .milliseconds(50), maximum: .milliseconds(100)))
    }

    static func smtp(_ sink: SMTPSink, timeout: Duration = .seconds(5)) throws -> SMTPMailer {
        var settings = try SMTPSettings(url: sink.url)
        settings.timeout = timeout
        settings.connectTimeout = .seconds(2)
        return SMTPMailer(settings: settings)
    }

    /// The Message-ID header of a stored message, without brackets (read directly: starting
    /// Python for each of many messages is slow).
    static func messageID(_ file: URL) throws -> String {
        let text = try String(contentsOf: file, encoding: .utf8)
        for raw in text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = String(raw).trimmingCharacters(in: CharacterSet(charactersIn: "\r"))
            if line.isEmpty { break }
            if line.lowercased().hasPrefix("message-id:") {
                return line.dropFirst("message-id:".count).trimmingCharacters(in: CharacterSet(charactersIn: "<> "))
            }
        }
        return ""
    }
}

/// Forwards to a real warehouse but fails every "mark sent", as a process that crashed right
/// after the server accepted the message would leave things.
struct CrashBeforeMarkingSent: SQLExecutor {
    let base: any SQLExecutor
    struct Crash: Error {}

    func query(_ sql: SQL) async throws -> [SQLRow] { try await base.query(sql) }
    func execute(_ sql: SQL) async throws {
        let text = sql.rendered(for: .sqlite).text
        if text.contains("status = 'sent'") && text.hasPrefix("UPDATE") { throw Crash() }
        try await base.execute(sql)
    }
    func transaction(_ statements: [SQL]) async throws -> [[SQLRow]] { try await base.transaction(statements) }
}
