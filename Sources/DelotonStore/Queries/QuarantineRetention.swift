import DelotonCore

/// Quarantined lines are kept for a set time (default 30 days), then deleted like staged
/// profiles: they exist to be looked at and fixed, and may carry riders' personal data.
public enum QuarantineRetention {
    public static let defaultDays = 30

    /// Deletes lines quarantined more than `days` days before `now`; returns how many went.
    @discardableResult
    public static func purge(_ warehouse: any Warehouse, olderThanDays days: Int = defaultDays, now: Instant) async throws -> Int {
        let cutoff = now.microseconds - Int64(days) * 86_400_000_000
        let statement = warehouse.kind == .postgresql
            ? SQL("DELETE FROM quarantine WHERE quarantined_at < to_timestamp(?::double precision / 1000000) RETURNING 1", [.int(cutoff)])
            : SQL("DELETE FROM quarantine WHERE quarantined_at_us < ? RETURNING 1", [.int(cutoff)])
        return try await warehouse.sql.transaction([statement]).first?.count ?? 0
    }
}
