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
        public var endTimeUs: Int64?
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
        let rows = try await sql.query(SQL("""
            SELECT r.id, r.bike_serial, r.rider_id, p.name, r.gender, r.age_at_start, r.start_time_us,
                   r.end_time_us, r.in_progress, r.reading_count, r.alert_raised
            FROM rides r JOIN riders p ON p.id = r.rider_id
            WHERE r.start_time_us >= ? AND COALESCE(r.end_time_us, r.start_time_us) >= ?
            ORDER BY r.bike_serial, r.start_time_us DESC, r.id DESC
            """, [.int(startedAfterUs), .int(sinceUs)]))
        var out: [LiveRide] = []
        for row in rows {
            let bike = row["bike_serial"].text ?? ""
            // Rows come newest first per bike: keep the first.
            if out.last?.bikeSerial == bike { continue }
            out.append(LiveRide(
                rideID: row["id"].int ?? 0, bikeSerial: bike, riderID: row["rider_id"].int ?? 0,
                riderName: row["name"].text ?? "", gender: row["gender"].text ?? "",
                ageAtStart: Int(row["age_at_start"].int ?? 0), startTimeUs: row["start_time_us"].int ?? 0,
                lastReadingUs: row["end_time_us"].int, inProgress: row["in_progress"].bool ?? false,
                readingCount: row["reading_count"].int ?? 0, alertRaised: row["alert_raised"].bool ?? false))
        }
        return out
    }

    /// Readings of the given rides with an elapsed second above the ride's `after` value,
    /// in elapsed order per ride: the poller asks only for what it has not seen.
    public static func readings(on sql: any SQLExecutor, after: [Int64: Int]) async throws -> [LiveReading] {
        guard !after.isEmpty else { return [] }
        var text = "SELECT ride_id, elapsed_s, time_us, heart_rate, rpm, power_w, resistance FROM readings WHERE "
        var binds: [SQLValue] = []
        for (i, (ride, elapsed)) in after.sorted(by: { $0.key < $1.key }).enumerated() {
            text += (i == 0 ? "" : " OR ") + "(ride_id = ? AND elapsed_s > ?)"
            binds.append(.int(ride)); binds.append(.int(Int64(elapsed)))
        }
        text += " ORDER BY ride_id, elapsed_s"
        return try await sql.query(SQL(text, binds)).map { row in
            LiveReading(rideID: row["ride_id"].int ?? 0, elapsed: Int(row["elapsed_s"].int ?? 0),
                        timeUs: row["time_us"].int ?? 0, heartRate: Int(row["heart_rate"].int ?? 0),
                        rpm: Int(row["rpm"].int ?? 0), power: row["power_w"].double ?? 0,
                        resistance: Int(row["resistance"].int ?? 0))
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

    /// Rides that started in `[fromUs, toUs)`, newest first.
    public static func recentRides(on sql: any SQLExecutor, fromUs: Int64, toUs: Int64,
                                   filter: RecentFilter = RecentFilter(), limit: Int = Int(Int32.max)) async throws -> [RecentRide] {
        var text = """
            SELECT r.id, r.rider_id, p.name, r.bike_serial, r.start_time_us, r.end_time_us, r.in_progress,
                   r.gender, r.age_at_start, r.reading_count, r.hr_count, r.hr_sum, r.hr_min, r.hr_max, r.power_sum,
                   r.resistance_sum, r.alert_raised
            FROM rides r JOIN riders p ON p.id = r.rider_id
            WHERE r.start_time_us >= ? AND r.start_time_us < ?
            """
        var binds: [SQLValue] = [.int(fromUs), .int(toUs)]
        switch filter.gender?.lowercased() {
        case nil, "": break
        case "other": text += " AND LOWER(r.gender) NOT IN ('male', 'female')"
        case let g?: text += " AND LOWER(r.gender) = ?"; binds.append(.text(g))
        }
        if let a = filter.minAge { text += " AND r.age_at_start >= ?"; binds.append(.int(Int64(a))) }
        if let a = filter.maxAge { text += " AND r.age_at_start <= ?"; binds.append(.int(Int64(a))) }
        text += " ORDER BY r.start_time_us DESC, r.id DESC LIMIT ?"
        binds.append(.int(Int64(limit)))
        return try await sql.query(SQL(text, binds)).map { row in
            RecentRide(
                rideID: row["id"].int ?? 0, riderID: row["rider_id"].int ?? 0, riderName: row["name"].text ?? "",
                bikeSerial: row["bike_serial"].text ?? "", startTimeUs: row["start_time_us"].int ?? 0,
                endTimeUs: row["end_time_us"].int, inProgress: row["in_progress"].bool ?? false,
                gender: row["gender"].text ?? "", ageAtStart: Int(row["age_at_start"].int ?? 0),
                readingCount: row["reading_count"].int ?? 0, hrCount: row["hr_count"].int ?? 0,
                hrSum: row["hr_sum"].int ?? 0, hrMin: row["hr_min"].int.map { Int($0) }, hrMax: row["hr_max"].int.map { Int($0) },
                powerSum: row["power_sum"].double ?? 0, resistanceSum: row["resistance_sum"].int ?? 0,
                alertRaised: row["alert_raised"].bool ?? false)
        }
    }
}
