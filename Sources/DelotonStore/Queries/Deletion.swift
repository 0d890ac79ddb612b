import DelotonCore

/// Deleting through the API (domain.md): the ride or rider goes with everything about them, and a
/// tombstone stays so that a replay of the stream neither brings it back nor alerts again.
///
/// Each deletion is one transaction: the tombstone is written from the row being deleted, so a
/// missing id writes nothing, and the data never goes without its tombstone.
public struct Deletion: Sendable {
    let sql: any SQLExecutor

    public init(_ sql: any SQLExecutor) { self.sql = sql }

    /// Deletes one ride, its readings and its alert. Returns false when there is no such ride.
    public func deleteRide(id: Int64, by actor: String, at now: Instant) async throws -> Bool {
        let results = try await sql.transaction([
            SQL("""
                INSERT INTO ride_tombstones (rider_id, bike_serial, started_at_us, deleted_at_us, deleted_by)
                SELECT rider_id, bike_serial, started_at_us, ?::bigint, ?::text FROM rides WHERE id = ?
                ON CONFLICT (rider_id, bike_serial, started_at_us) DO NOTHING
                """, [.int(now.microseconds), .text(actor), .int(id)]),
            SQL("DELETE FROM readings WHERE ride_id = ?", [.int(id)]),
            SQL("DELETE FROM alerts WHERE ride_id = ?", [.int(id)]),
            SQL("DELETE FROM rides WHERE id = ? RETURNING id", [.int(id)]),
        ])
        return !(results.last ?? []).isEmpty
    }

    /// Erases a rider: their profile, rides, readings and alerts. Returns false when there is no such rider.
    public func eraseRider(id: Int64, by actor: String, at now: Instant) async throws -> Bool {
        let results = try await sql.transaction([
            SQL("""
                INSERT INTO rider_tombstones (rider_id, erased_at_us, erased_by)
                SELECT id, ?::bigint, ?::text FROM riders WHERE id = ?
                ON CONFLICT (rider_id) DO UPDATE SET erased_at_us = excluded.erased_at_us, erased_by = excluded.erased_by
                """, [.int(now.microseconds), .text(actor), .int(id)]),
            SQL("DELETE FROM readings WHERE ride_id IN (SELECT id FROM rides WHERE rider_id = ?)", [.int(id)]),
            SQL("DELETE FROM alerts WHERE rider_id = ? OR ride_id IN (SELECT id FROM rides WHERE rider_id = ?)",
                [.int(id), .int(id)]),
            SQL("DELETE FROM rides WHERE rider_id = ?", [.int(id)]),
            SQL("DELETE FROM riders WHERE id = ? RETURNING id", [.int(id)]),
        ])
        return !(results.last ?? []).isEmpty
    }
}
