import DelotonCore
import DelotonStore

/// The reports already sent, kept in the warehouse (`reports_sent`) so that a restart never
/// sends a day twice, and the claims (`report_claims`) that keep two schedulers on one
/// warehouse from sending the same day at once.
public struct ReportLedger: Sendable {
    let sql: any SQLExecutor

    public init(_ sql: any SQLExecutor) { self.sql = sql }

    public func wasSent(_ day: CivilDate) async throws -> Bool {
        try await !sql.query("SELECT 1 AS sent FROM reports_sent WHERE day = \(day)").isEmpty
    }

    /// When the most recent report was sent, by any process (for the report metrics).
    public func lastSentAt() async throws -> Instant? {
        try await sql.query("SELECT MAX(sent_at) AS sent FROM reports_sent").first?.decode("sent", as: Instant?.self) ?? nil
    }

    public func sentDays() async throws -> Set<CivilDate> {
        let rows = try await sql.query("SELECT CAST(day AS TEXT) AS day FROM reports_sent")
        return Set(try rows.map { try $0.decode("day", as: CivilDate.self) })
    }

    /// Takes the sending of `day` for `owner` until `now + lease`, unless another owner holds a
    /// claim that has not expired. True when `owner` may send. A sender that dies mid-send holds
    /// the day only until its lease ends.
    public func claim(_ day: CivilDate, owner: String, now: Instant, lease: Duration) async throws -> Bool {
        let until = Instant(microseconds: now.microseconds + lease.components.seconds * 1_000_000)
        let rows = try await sql.transaction(["""
            INSERT INTO report_claims (day, owner, claimed_until) VALUES (\(day), \(owner), \(until))
            ON CONFLICT (day) DO UPDATE SET owner = excluded.owner, claimed_until = excluded.claimed_until
            WHERE report_claims.claimed_until <= \(now) OR report_claims.owner = excluded.owner
            RETURNING owner
            """])
        return !(rows.first ?? []).isEmpty
    }

    /// Gives a claim back (after a failed send), so another process need not wait for its lease.
    public func release(_ day: CivilDate, owner: String) async throws {
        try await sql.execute("DELETE FROM report_claims WHERE day = \(day) AND owner = \(owner)")
    }

    /// Records a sent report; recording the same day again keeps the first record.
    public func record(_ day: CivilDate, sentAt: Instant, recipients: [String]) async throws {
        try await sql.execute("""
            INSERT INTO reports_sent (day, sent_at, recipients) VALUES (\(day), \(sentAt), \(recipients.joined(separator: ",")))
            ON CONFLICT (day) DO NOTHING
            """)
    }
}
