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
            """
            INSERT INTO ride_tombstones (rider_id, bike_serial, started_at, deleted_at, deleted_by)
            SELECT rider_id, bike_serial, started_at, \(now), \(actor) FROM rides WHERE id = \(id)
            ON CONFLICT (rider_id, bike_serial, started_at) DO NOTHING
            """,
            "DELETE FROM readings WHERE ride_id = \(id)",
            "DELETE FROM alerts WHERE ride_id = \(id)",
            "DELETE FROM rides WHERE id = \(id) RETURNING id",
        ])
        return !(results.last ?? []).isEmpty
    }

    /// Erases a rider: their profile, rides, readings, alerts, staged profiles and the quarantined
    /// lines that carry their data. Returns nil when there is no such rider.
    public func eraseRider(id: Int64, by actor: String, at now: Instant) async throws -> ErasedRider? {
        // What identifies their lines in quarantine: their id in a profile, and their name and
        // every address they were known by (a profile that failed to parse has no usable id).
        let known = try await sql.query("""
            SELECT name, email AS address FROM riders WHERE id = \(id)
            UNION SELECT rider_name AS name, recipient AS address FROM alerts WHERE rider_id = \(id)
            """)
        let names = Set(try known.map { try $0.decode("name", as: String.self) }.filter { $0.count >= 3 })
        let emails = Set(try known.map { try $0.decode("address", as: String.self) }.filter { $0.contains("@") })
        var needles = ["\"user_id\":\(id),", "\"user_id\": \(id),", "\\\"user_id\\\":\(id),", "\\\"user_id\\\": \(id),",
                       "\"user_id\":\(id)}", "\\\"user_id\\\":\(id)}"]
        needles += names.sorted() + emails.sorted()
        let matches: [SQL] = needles.map { "raw LIKE \("%" + Self.likeLiteral($0) + "%") ESCAPE '!'" }
        var statements: [SQL] = ["DELETE FROM quarantine WHERE \(SQL.joined(matches, separator: " OR "))"]
        if stagesProfiles { statements.append("DELETE FROM ride_profiles WHERE rider_id = \(id)") }
        let results = try await sql.transaction(statements + [
            """
            INSERT INTO rider_tombstones (rider_id, erased_at, erased_by)
            SELECT id, \(now), \(actor) FROM riders WHERE id = \(id)
            ON CONFLICT (rider_id) DO UPDATE SET erased_at = excluded.erased_at, erased_by = excluded.erased_by
            """,
            "DELETE FROM readings WHERE ride_id IN (SELECT id FROM rides WHERE rider_id = \(id))",
            "DELETE FROM alerts WHERE rider_id = \(id) OR ride_id IN (SELECT id FROM rides WHERE rider_id = \(id))",
            "DELETE FROM rides WHERE rider_id = \(id)",
            "DELETE FROM riders WHERE id = \(id) RETURNING id",
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
