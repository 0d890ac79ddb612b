import DelotonCore

/// Quarantined lines are kept for a set time (default 30 days), then deleted like staged
/// profiles: they exist to be looked at and fixed, and may carry riders' personal data.
public enum QuarantineRetention {
    public static let defaultDays = 30

    /// Deletes lines quarantined more than `days` days before `now`; returns how many went.
    @discardableResult
    public static func purge(_ warehouse: any Warehouse, olderThanDays days: Int = defaultDays, now: Instant) async throws -> Int {
        let cutoff = Instant(microseconds: now.microseconds - Int64(days) * 86_400_000_000)
        // Each warehouse stamps a line as it arrives (SQLite: a trigger of its migration 6).
        let statement: SQL = "DELETE FROM quarantine WHERE quarantined_at < \(cutoff) RETURNING 1"
        return try await warehouse.sql.transaction([statement]).first?.count ?? 0
    }
}
