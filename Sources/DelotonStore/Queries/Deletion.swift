import DelotonCore

/// Deleting through the API (domain.md): the ride or rider goes with everything about them, and a
/// tombstone stays so that a replay of the stream neither brings it back nor alerts again.
///
/// Each deletion is one transaction: the tombstone is written from the row being deleted, so a
/// missing id writes nothing, and the data never goes without its tombstone.
public struct Deletion: Sendable {
    let sql: any SQLExecutor
    /// PostgreSQL keeps each ride's raw profile in `staging.ride_profiles` (for `reprocess`).
    let stagesProfiles: Bool

    public init(_ sql: any SQLExecutor, stagesProfiles: Bool = false) { self.sql = sql; self.stagesProfiles = stagesProfiles }

    /// What an erasure removed that lives outside the warehouse too: the addresses alerts went
    /// to, so that copies kept elsewhere (the `.eml` outbox) can be found and removed.
    public struct ErasedRider: Sendable, Equatable {
        public var riderID: Int64
        public var emails: [String]
        public var name: String
    }

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

    /// Erases a rider: their profile, rides, readings, alerts, staged profiles and the quarantined
    /// lines that carry their data. Returns nil when there is no such rider.
    public func eraseRider(id: Int64, by actor: String, at now: Instant) async throws -> ErasedRider? {
        // What identifies their lines in quarantine: their id in a profile, and their name and
        // every address they were known by (a profile that failed to parse has no usable id).
        let known = try await sql.query(SQL("""
            SELECT name, email AS address FROM riders WHERE id = ?
            UNION SELECT rider_name AS name, recipient AS address FROM alerts WHERE rider_id = ?
            """, [.int(id), .int(id)]))
        let names = Set(known.compactMap { $0["name"].text }.filter { $0.count >= 3 })
        let emails = Set(known.compactMap { $0["address"].text }.filter { $0.contains("@") })
        var needles = ["\"user_id\":\(id),", "\"user_id\": \(id),", "\\\"user_id\\\":\(id),", "\\\"user_id\\\": \(id),",
                       "\"user_id\":\(id)}", "\\\"user_id\\\":\(id)}"]
        needles += names.sorted() + emails.sorted()
        let quarantine = SQL("DELETE FROM quarantine WHERE " + needles.map { _ in "raw LIKE ? ESCAPE '!'" }.joined(separator: " OR "),
                             needles.map { .text("%" + Self.likeLiteral($0) + "%") })
        var statements = [quarantine]
        if stagesProfiles { statements.append(SQL("DELETE FROM ride_profiles WHERE rider_id = ?", [.int(id)])) }
        let results = try await sql.transaction(statements + [
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
        guard !(results.last ?? []).isEmpty else { return nil }
        return ErasedRider(riderID: id, emails: emails.sorted(), name: names.sorted().first ?? "")
    }

    /// `text` matched literally by `LIKE … ESCAPE '!'` on both databases.
    static func likeLiteral(_ text: String) -> String {
        var out = ""
        for c in text {
            if c == "!" || c == "%" || c == "_" { out.append("!") }
            out.append(c)
        }
        return out
    }
}
