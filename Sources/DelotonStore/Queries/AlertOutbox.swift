import DelotonCore
import Foundation

/// Where an alert is on its way out (domain.md, Abnormal heart rate).
public enum AlertStatus: String, Sendable, CaseIterable {
    /// Waiting for its first or next attempt.
    case pending
    /// Accepted by the mail server (or written to the outbox folder); never sent again.
    case sent
    /// Undeliverable for good; `last_error` says why. Never retried.
    case failed
}

/// One alert as the dispatcher needs it: the outbox row and the key of the ride it is about.
public struct OutboxAlert: Sendable, Equatable {
    public var id: Int64
    public var rideID: Int64
    public var riderID: Int64
    /// The address the ride's own `[SYSTEM]` line gave; may be empty or invalid.
    public var recipient: String
    public var riderName: String
    public var gender: String
    /// `nil` when the rider's birth date is unknown and the default range was used.
    public var age: Int?
    public var safeRange: SafeRange
    /// The readings that completed the run, oldest first.
    public var samples: [HeartRateSample]
    /// The time of the reading that completed the run.
    public var raisedAt: Instant
    public var status: AlertStatus
    /// Attempts started so far, this one included once claimed.
    public var attempts: Int
    public var bikeSerial: String
    /// The ride key's start (`rides.started_at`): with the rider and bike it names the ride
    /// in any warehouse, so it is what the stable Message-ID is made of.
    public var rideStartedAt: Instant
    /// The time of the ride's first reading, for people.
    public var rideStartTime: Instant
    public var lastError: String?
    public var messageID: String?
    public var sentAt: Instant?

    public var rideKey: RideKey {
        RideKey(riderID: Int(riderID), bikeSerial: bikeSerial, startedAt: rideStartedAt)
    }

    static let columns: SQL = """
        a.id, a.ride_id, a.rider_id, a.recipient, a.rider_name, a.gender, a.age, a.safe_min, a.safe_max, a.samples, \
        a.raised_at, a.status, a.attempts, a.last_error, a.message_id, a.sent_at, \
        r.bike_serial, r.started_at, r.start_time
        """

    init(row: SQLRow) throws {
        let id = try row.decode("id", as: Int64.self)
        let statusText = try row.decode("status", as: String.self)
        guard let status = AlertStatus(rawValue: statusText) else {
            throw WarehouseError(.failed, "alert \(id) has the unknown status '\(statusText)': the database is damaged")
        }
        let samplesText = try row.decode("samples", as: String.self)
        let samples: [HeartRateSample]
        do {
            samples = try JSONDecoder().decode([HeartRateSample].self, from: Data(samplesText.utf8))
        } catch {
            throw WarehouseError(.failed, "alert \(id) has unreadable samples (\(error)): the database is damaged")
        }
        self.id = id
        rideID = try row.decode("ride_id")
        riderID = try row.decode("rider_id")
        recipient = try row.decode("recipient")
        riderName = try row.decode("rider_name")
        gender = try row.decode("gender")
        age = try row.decode("age")
        safeRange = SafeRange(minimum: try row.decode("safe_min"), maximum: try row.decode("safe_max"))
        self.samples = samples
        raisedAt = try row.decode("raised_at")
        self.status = status
        attempts = try row.decode("attempts")
        lastError = try row.decode("last_error")
        messageID = try row.decode("message_id")
        sentAt = try row.decode("sent_at")
        bikeSerial = try row.decode("bike_serial")
        rideStartedAt = try row.decode("started_at")
        rideStartTime = try row.decode("start_time")
    }
}

/// The alert outbox (`alerts` table) as the dispatcher drives it, written once for SQLite and
/// PostgreSQL.
///
/// Delivery is claim-then-send: a claim pushes `next_attempt_at` past the lease, and only the
/// dispatcher whose UPDATE changed the row (seen through `RETURNING`) sends. Two dispatchers
/// (two ingest processes on one warehouse) therefore never send the same alert at once; if a
/// dispatcher dies holding a claim, the alert is due again when the lease runs out.
public struct AlertOutbox: Sendable {
    let sql: any SQLExecutor

    public init(_ sql: any SQLExecutor) { self.sql = sql }

    /// Ids of pending alerts whose next attempt is due, the longest waiting first.
    public func due(at now: Instant, limit: Int) async throws -> [Int64] {
        try await sql.query("""
            SELECT id FROM alerts WHERE status = 'pending' AND next_attempt_at <= \(now)
            ORDER BY next_attempt_at, id LIMIT \(limit)
            """).map { try $0.decode("id") }
    }

    /// Takes the alert for one attempt until `now + lease`, counting the attempt. Returns nil
    /// when it is not due (sent, failed, or claimed by another dispatcher meanwhile).
    public func claim(id: Int64, at now: Instant, lease: Duration) async throws -> OutboxAlert? {
        let until = Instant(microseconds: now.microseconds + lease.wholeMicroseconds)
        let results = try await sql.transaction([
            """
            UPDATE alerts SET next_attempt_at = \(until), attempts = attempts + 1
            WHERE id = \(id) AND status = 'pending' AND next_attempt_at <= \(now) RETURNING id
            """,
            "SELECT \(OutboxAlert.columns) FROM alerts a JOIN rides r ON r.id = a.ride_id WHERE a.id = \(id)",
        ])
        guard results.count == 2, !results[0].isEmpty, let row = results[1].first else { return nil }
        return try OutboxAlert(row: row)
    }

    /// Records the server's acceptance. Only a pending alert changes: one failed or sent
    /// meanwhile keeps what it has.
    public func markSent(id: Int64, messageID: String, at now: Instant) async throws {
        try await sql.execute("""
            UPDATE alerts SET status = 'sent', message_id = \(messageID), sent_at = \(now), last_error = NULL
            WHERE id = \(id) AND status = 'pending'
            """)
    }

    /// A transient failure: try again at `next`, keeping the reason for whoever looks.
    public func scheduleRetry(id: Int64, at next: Instant, reason: String) async throws {
        try await sql.execute("""
            UPDATE alerts SET next_attempt_at = \(next), last_error = \(reason) WHERE id = \(id) AND status = 'pending'
            """)
    }

    /// Gives a claim back without counting it as tried (the dispatcher was stopped mid-send).
    public func release(id: Int64, at now: Instant) async throws {
        try await sql.execute("""
            UPDATE alerts SET next_attempt_at = \(now), attempts = CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END
            WHERE id = \(id) AND status = 'pending'
            """)
    }

    /// A permanent failure: the alert stays, failed, with its reason, and is never retried.
    public func markFailed(id: Int64, reason: String) async throws {
        try await sql.execute("""
            UPDATE alerts SET status = 'failed', last_error = \(reason) WHERE id = \(id) AND status = 'pending'
            """)
    }

    public func alert(id: Int64) async throws -> OutboxAlert? {
        try await sql.query("SELECT \(OutboxAlert.columns) FROM alerts a JOIN rides r ON r.id = a.ride_id WHERE a.id = \(id)")
            .first.map(OutboxAlert.init(row:))
    }

    /// The alert of a ride, if one was raised.
    public func alert(rideID: Int64) async throws -> OutboxAlert? {
        try await sql.query("SELECT \(OutboxAlert.columns) FROM alerts a JOIN rides r ON r.id = a.ride_id WHERE a.ride_id = \(rideID)")
            .first.map(OutboxAlert.init(row:))
    }

    /// When the next pending alert falls due, if any is waiting.
    public func nextDue() async throws -> Instant? {
        try await sql.query("SELECT MIN(next_attempt_at) AS due FROM alerts WHERE status = 'pending'")
            .first?.decode("due", as: Instant?.self) ?? nil
    }

    /// Pending alerts: how many, and when the longest-waiting one was raised (for the outbox
    /// metrics: an old pending alert means mail is not going out).
    public func pendingSummary() async throws -> (count: Int, oldestRaisedAt: Instant?) {
        let rows = try await sql.query("""
            SELECT COUNT(*) AS n, MIN(raised_at) AS oldest FROM alerts WHERE status = 'pending'
            """)
        guard let row = rows.first else { return (0, nil) }
        return (try row.decode("n"), try row.decode("oldest"))
    }

    /// How many alerts are in each state, every state present (for metrics and `deloton notify`).
    public func counts() async throws -> [AlertStatus: Int] {
        var counts = Dictionary(uniqueKeysWithValues: AlertStatus.allCases.map { ($0, 0) })
        for row in try await sql.query("SELECT status, COUNT(*) AS n FROM alerts GROUP BY status") {
            if let status = AlertStatus(rawValue: try row.decode("status")) {
                counts[status] = try row.decode("n")
            }
        }
        return counts
    }
}
