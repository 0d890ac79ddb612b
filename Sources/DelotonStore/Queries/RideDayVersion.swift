import DelotonCore

/// What a day's list of rides (`GET /daily`) depends on, read in one statement so that every
/// `serve` replica can tell, on every request and for a few index probes, whether an answer it
/// gave (or cached) still stands.
///
/// Two versions of a day are equal only if the list is the same, given these rules:
/// - a ride that appears raises `rides` (nothing else adds a ride to a day without removing one);
/// - a ride that goes (deleted, erased, or moved out of the day) bumps its hour in
///   `ride_hour_changes`, by a trigger in the warehouse, whichever process deleted it;
/// - a ride changed after it ended (not in progress before the update) bumps its old and new hour,
///   by a trigger too;
/// - a ride changed while in progress bumps nothing: that is the ingest hot path, and a day with
///   a ride in progress is never `settled`, so no answer that could go stale is ever validated.
/// Hours, not days, because the warehouse does not know the display zone; a day spans the hours
/// it overlaps, so a change next door can also change a day's version: a needless miss, never a
/// stale hit. Counters only grow and their rows are never deleted, so their sum is a version.
///
/// Inserts do not touch `ride_hour_changes`: many ingest processes start rides in the same hour,
/// and a shared counter row there would serialise their transactions.
public struct RideDayVersion: Sendable, Equatable {
    /// Rides that started in the interval.
    public var rides: Int64
    /// Of those, rides still in progress.
    public var open: Int64
    /// The sum of the change counters of the hours the interval overlaps.
    public var changes: Int64

    public init(rides: Int64, open: Int64, changes: Int64) { self.rides = rides; self.open = open; self.changes = changes }

    /// No ride of the interval is in progress: its list can change only through the counted events.
    public var settled: Bool { open == 0 }

    /// UTC hours: what the triggers key their counters by (whole hours since the epoch, truncated
    /// alike by Swift, SQLite's integer division and PostgreSQL's `production.hour_of`).
    public static let hourMicroseconds: Int64 = 3_600_000_000
}

extension RideQueries {
    /// The version of the rides that started within `interval` (a local day, for `/daily`).
    public func dayVersion(of interval: Range<Instant>) async throws -> RideDayVersion {
        let lo = interval.lowerBound, hi = interval.upperBound
        let firstHour = lo.microseconds / RideDayVersion.hourMicroseconds
        let lastHour = max(lo.microseconds, hi.microseconds - 1) / RideDayVersion.hourMicroseconds
        // One statement: one snapshot on both databases, so the three figures agree.
        let rows = try await sql.query("""
            SELECT (SELECT count(*) FROM rides WHERE start_time >= \(lo) AND start_time < \(hi)) AS rides,
                   (SELECT count(*) FROM rides WHERE in_progress AND start_time >= \(lo) AND start_time < \(hi)) AS open,
                   (SELECT CAST(coalesce(sum(version), 0) AS BIGINT) FROM ride_hour_changes
                    WHERE hour >= \(firstHour) AND hour <= \(lastHour)) AS changes
            """)
        guard let row = rows.first else { return RideDayVersion(rides: 0, open: 0, changes: 0) }
        return RideDayVersion(rides: try row.decode("rides"), open: try row.decode("open"), changes: try row.decode("changes"))
    }
}
