import DelotonCore
import DelotonStore

/// The reports already sent, kept in the warehouse (`reports_sent`) so that a restart never
/// sends a day twice.
public struct ReportLedger: Sendable {
    let sql: any SQLExecutor

    public init(_ sql: any SQLExecutor) { self.sql = sql }

    public func wasSent(_ day: CivilDate) async throws -> Bool {
        try await !sql.query(SQL("SELECT 1 AS sent FROM reports_sent WHERE day = ?::date", [.text(day.description)])).isEmpty
    }

    public func sentDays() async throws -> Set<CivilDate> {
        let rows = try await sql.query("SELECT day::text AS day FROM reports_sent")
        return Set(rows.compactMap { $0["day"].text.flatMap { CivilDate(iso: $0.prefix(10)) } })
    }

    /// Records a sent report; recording the same day again keeps the first record.
    public func record(_ day: CivilDate, sentAt: Instant, recipients: [String]) async throws {
        try await sql.execute(SQL("""
            INSERT INTO reports_sent (day, sent_at_us, recipients) VALUES (?::date, ?, ?)
            ON CONFLICT (day) DO NOTHING
            """, [.text(day.description), .int(sentAt.microseconds), .text(recipients.joined(separator: ","))]))
    }
}
