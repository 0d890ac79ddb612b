import DelotonCore

/// What the live dashboard reads, in shared SQL that SQLite and PostgreSQL both answer.
///
/// Booleans are read, never compared, in SQL: SQLite stores them as integers, PostgreSQL may
/// not. Times are integer microseconds since the epoch.
public enum DashboardQueries {
    /// A ride a bike is on (or was on recently), with its rider, for the live panels.
    public struct LiveRide: Sendable, Equatable {
        public var rideID: Int64
        public var bikeSerial: String
        public var riderID: Int64
        public var riderName: String
        public var gender: String
        public var ageAtStart: Int
        public var startTimeUs: Int64
        /// The newest reading's time; nil until the first reading.
        public var lastReadingUs: Int64?
        public var inProgress: Bool
        public var readingCount: Int64
        public var alertRaised: Bool
    }

    /// One second of a live ride.
    public struct LiveReading: Sendable, Equatable {
        public var rideID: Int64
        public var elapsed: Int
        public var timeUs: Int64
        public var heartRate: Int
        public var rpm: Int
        public var power: Double
        public var resistance: Int
    }

    /// A ride of the recent window, reduced to what the charts need.
    public struct RecentRide: Sendable, Equatable {
        public var rideID: Int64
        public var riderID: Int64
        public var riderName: String
        public var bikeSerial: String
        public var startTimeUs: Int64
        public var inProgress: Bool
        public var gender: String
        public var ageAtStart: Int
        public var readingCount: Int64
        public var hrCount: Int64
        public var hrSum: Int64
        public var hrMin: Int?
        public var hrMax: Int?
        public var powerSum: Double
        public var resistanceSum: Int64
        public var alertRaised: Bool
    }

    /// The newest ride of every bike whose last reading (or start, before any) is at or after
    /// `sinceUs`. `startedAfterUs` bounds the scan through the start-time index.
    public static func liveRides(on sql: any SQLExecutor, sinceUs: Int64, startedAfterUs: Int64) async throws -> [LiveRide] {
        let rows = try await sql.query("""
            SELECT r.id, r.bike_serial, r.rider_id, p.name, r.gender, r.age_at_start, r.start_time,
                   r.end_time, r.in_progress, r.reading_count, r.alert_raised
            FROM rides r JOIN riders p ON p.id = r.rider_id
            WHERE r.start_time >= \(Instant(microseconds: startedAfterUs)) AND COALESCE(r.end_time, r.start_time) >= \(Instant(microseconds: sinceUs))
            ORDER BY r.bike_serial, r.start_time DESC, r.id DESC
            """)
        var out: [LiveRide] = []
        for row in rows {
            let bike = try row.decode("bike_serial", as: String.self)
            // Rows come newest first per bike: keep the first.
            if out.last?.bikeSerial == bike { continue }
            out.append(LiveRide(
                rideID: try row.decode("id"), bikeSerial: bike, riderID: try row.decode("rider_id"),
                riderName: try row.decode("name"), gender: try row.decode("gender"),
                ageAtStart: try row.decode("age_at_start"), startTimeUs: try row.decode("start_time"),
                lastReadingUs: try row.decode("end_time"), inProgress: try row.decode("in_progress"),
                readingCount: try row.decode("reading_count"), alertRaised: try row.decode("alert_raised")))
        }
        return out
    }

    /// Readings of the given rides with an elapsed second above the ride's `after` value,
    /// in elapsed order per ride: the poller asks only for what it has not seen.
    public static func readings(on sql: any SQLExecutor, after: [Int64: Int]) async throws -> [LiveReading] {
        guard !after.isEmpty else { return [] }
        let conditions: [SQL] = after.sorted(by: { $0.key < $1.key }).map { ride, elapsed in
            "(ride_id = \(ride) AND elapsed_s > \(elapsed))"
        }
        return try await sql.query("""
            SELECT ride_id, elapsed_s, time, heart_rate, rpm, power_w, resistance FROM readings WHERE \
            \(SQL.joined(conditions, separator: " OR ")) ORDER BY ride_id, elapsed_s
            """).map { row in
            LiveReading(rideID: try row.decode("ride_id"), elapsed: try row.decode("elapsed_s"),
                        timeUs: try row.decode("time"), heartRate: try row.decode("heart_rate"),
                        rpm: try row.decode("rpm"), power: try row.decode("power_w"),
                        resistance: try row.decode("resistance"))
        }
    }

    /// Who may appear in the recent charts; nil means no restriction.
    public struct RecentFilter: Sendable, Equatable {
        /// `male`, `female`, or `other` (any other value as given).
        public var gender: String?
        public var minAge: Int?
        public var maxAge: Int?

        public init(gender: String? = nil, minAge: Int? = nil, maxAge: Int? = nil) {
            self.gender = gender; self.minAge = minAge; self.maxAge = maxAge
        }
    }

    /// The rides (`r`) that started in `[fromUs, toUs)` and pass `filter`.
    static func windowConditions(fromUs: Int64, toUs: Int64, filter: RecentFilter) -> [SQL] {
        var conditions: [SQL] = ["r.start_time >= \(Instant(microseconds: fromUs)) AND r.start_time < \(Instant(microseconds: toUs))"]
        switch filter.gender?.lowercased() {
        case nil, "": break
        case "other": conditions.append("LOWER(r.gender) NOT IN ('male', 'female')")
        case let g?: conditions.append("LOWER(r.gender) = \(g)")
        }
        if let a = filter.minAge { conditions.append("r.age_at_start >= \(a)") }
        if let a = filter.maxAge { conditions.append("r.age_at_start <= \(a)") }
        return conditions
    }

    /// Rides that started in `[fromUs, toUs)`, newest first.
    public static func recentRides(on sql: any SQLExecutor, fromUs: Int64, toUs: Int64,
                                   filter: RecentFilter = RecentFilter(), limit: Int = Int(Int32.max)) async throws -> [RecentRide] {
        let conditions = windowConditions(fromUs: fromUs, toUs: toUs, filter: filter)
        // The rides are chosen (in the order of the index on start_time) before the riders' names
        // are joined, and put in order here: sorting the joined rows made PostgreSQL spill
        // thousands of them to disk.
        return try await sql.query("""
            SELECT r.*, p.name
            FROM (SELECT r.id, r.rider_id, r.bike_serial, r.start_time, r.in_progress, r.gender, r.age_at_start,
                         r.reading_count, r.hr_count, r.hr_sum, r.hr_min, r.hr_max, r.power_sum, r.resistance_sum, r.alert_raised
                  FROM rides r WHERE \(SQL.joined(conditions, separator: " AND "))
                  ORDER BY r.start_time DESC, r.id DESC LIMIT \(limit)) r
            JOIN riders p ON p.id = r.rider_id
            """).map { row in
            RecentRide(
                rideID: try row.decode("id"), riderID: try row.decode("rider_id"), riderName: try row.decode("name"),
                bikeSerial: try row.decode("bike_serial"), startTimeUs: try row.decode("start_time"),
                inProgress: try row.decode("in_progress"),
                gender: try row.decode("gender"), ageAtStart: try row.decode("age_at_start"),
                readingCount: try row.decode("reading_count"), hrCount: try row.decode("hr_count"),
                hrSum: try row.decode("hr_sum"), hrMin: try row.decode("hr_min"), hrMax: try row.decode("hr_max"),
                powerSum: try row.decode("power_sum"), resistanceSum: try row.decode("resistance_sum"),
                alertRaised: try row.decode("alert_raised"))
        }.sorted { ($0.startTimeUs, $0.rideID) > ($1.startTimeUs, $1.rideID) }
    }
}
