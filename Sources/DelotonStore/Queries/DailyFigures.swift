import DelotonCore

/// A count of readings whose value falls in `[lowerBound, lowerBound + width)`.
public struct ValueBin: Sendable, Equatable {
    public var lowerBound: Int
    public var count: Int

    public init(lowerBound: Int, count: Int) { self.lowerBound = lowerBound; self.count = count }
}

/// One ride singled out by the daily report (the longest, the most powerful).
public struct RideHighlight: Sendable, Equatable {
    public var rideID: Int64
    public var riderID: Int64
    public var riderName: String
    public var bikeSerial: String
    public var startTime: Instant
    public var durationS: Int
    public var maxPowerW: Double?
    public var totalEnergyKJ: Double
}

/// An alert raised on a ride that started on the day.
public struct DayAlert: Sendable, Equatable {
    public var alertID: Int64
    public var rideID: Int64
    public var riderID: Int64
    public var riderName: String
    public var gender: String
    /// `nil` when the birth date is unknown.
    public var age: Int?
    public var safeMin: Double
    public var safeMax: Double
    public var raisedAt: Instant
    /// `pending`, `sent` or `failed`.
    public var status: String
    /// The out-of-range heart rates that raised it, as recorded.
    public var heartRates: [Int]
}

/// The day's detail behind the headline figures of `DailyStats`: what the report's charts and
/// tables show. Every figure is aggregated by the database; readings never leave it.
///
/// Written once for SQLite and PostgreSQL: integer arithmetic on microseconds instead of date
/// functions, `floor` (in both) for real-valued buckets, PostgreSQL casts that SQLite drops.
public struct DailyBreakdown: Sendable {
    let sql: any SQLExecutor

    public init(_ sql: any SQLExecutor) { self.sql = sql }

    static let hourMicros: Int64 = 3_600_000_000

    /// Rides per elapsed hour since the start of `day` (`day.lowerBound`). A day has 23, 24 or 25
    /// hours when the clocks change, so hours are counted from the day's first instant and the
    /// caller names them in its zone; the result has one entry per hour of the day.
    public func ridesPerHour(day: Range<Instant>) async throws -> [Int] {
        let start = day.lowerBound.microseconds
        let hours = Int((day.upperBound.microseconds - start + Self.hourMicros - 1) / Self.hourMicros)
        let rows = try await sql.query(SQL("""
            SELECT (start_time_us - ?) / \(Self.hourMicros) AS hour, count(*) AS rides
            FROM rides WHERE start_time_us >= ? AND start_time_us < ?
            GROUP BY hour
            """, [.int(start), .int(start), .int(day.upperBound.microseconds)]))
        var counts = Array(repeating: 0, count: max(hours, 0))
        for row in rows {
            guard let hour = row["hour"].int, hour >= 0, Int(hour) < counts.count else { continue }
            counts[Int(hour)] = Int(row["rides"].int ?? 0)
        }
        return counts
    }

    /// Readings with hr > 0 of the day's rides, per `width` bpm.
    public func heartRateDistribution(day: Range<Instant>, width: Int = 10) async throws -> [ValueBin] {
        let w = max(1, width)
        return try await bins(SQL("""
            SELECT (r.heart_rate / \(w)) * \(w) AS bin, count(*) AS n
            FROM rides x JOIN readings r ON r.ride_id = x.id
            WHERE x.start_time_us >= ? AND x.start_time_us < ? AND r.heart_rate > 0
            GROUP BY (r.heart_rate / \(w)) * \(w)
            """, bounds(day)))
    }

    /// All readings of the day's rides, per `width` watts.
    public func powerDistribution(day: Range<Instant>, width: Int = 25) async throws -> [ValueBin] {
        let w = max(1, width)
        return try await bins(SQL("""
            SELECT floor(r.power_w / \(w))::bigint * \(w) AS bin, count(*) AS n
            FROM rides x JOIN readings r ON r.ride_id = x.id
            WHERE x.start_time_us >= ? AND x.start_time_us < ?
            GROUP BY floor(r.power_w / \(w))
            """, bounds(day)))
    }

    /// The ride with the most readings; ties go to the earliest.
    public func longestRide(day: Range<Instant>) async throws -> RideHighlight? {
        try await highlight(order: "x.reading_count DESC, x.start_time_us, x.id", where: "x.reading_count > 0", day: day)
    }

    /// The ride with the highest power of any reading; ties go to the earliest.
    public func mostPowerfulRide(day: Range<Instant>) async throws -> RideHighlight? {
        try await highlight(order: "x.power_max DESC, x.start_time_us, x.id", where: "x.power_max IS NOT NULL", day: day)
    }

    /// Alerts of the rides that started on the day (domain.md: an alert counts on its ride's day).
    public func alerts(day: Range<Instant>) async throws -> [DayAlert] {
        let rows = try await sql.query(SQL("""
            SELECT a.id, a.ride_id, a.rider_id, a.rider_name, a.gender, a.age, a.safe_min::float8 AS safe_min,
                   a.safe_max::float8 AS safe_max, a.raised_at_us, a.status, a.samples
            FROM alerts a JOIN rides x ON x.id = a.ride_id
            WHERE x.start_time_us >= ? AND x.start_time_us < ?
            ORDER BY a.raised_at_us, a.id
            """, bounds(day)))
        return rows.map { row in
            DayAlert(alertID: row["id"].int ?? 0, rideID: row["ride_id"].int ?? 0, riderID: row["rider_id"].int ?? 0,
                     riderName: row["rider_name"].text ?? "", gender: row["gender"].text ?? "",
                     age: row["age"].int.map { Int($0) }, safeMin: row["safe_min"].double ?? 0,
                     safeMax: row["safe_max"].double ?? 0,
                     raisedAt: Instant(microseconds: row["raised_at_us"].int ?? 0),
                     status: row["status"].text ?? "", heartRates: Self.heartRates(in: row["samples"].text ?? ""))
        }
    }

    // MARK: -

    private func bounds(_ day: Range<Instant>) -> [SQLValue] {
        [.int(day.lowerBound.microseconds), .int(day.upperBound.microseconds)]
    }

    private func bins(_ query: SQL) async throws -> [ValueBin] {
        try await sql.query(query)
            .compactMap { row in
                guard let bin = row["bin"].int, let n = row["n"].int else { return nil }
                return ValueBin(lowerBound: Int(bin), count: Int(n))
            }
            .sorted { $0.lowerBound < $1.lowerBound }
    }

    private func highlight(order: String, where condition: String, day: Range<Instant>) async throws -> RideHighlight? {
        let rows = try await sql.query(SQL("""
            SELECT x.id, x.rider_id, r.name, x.bike_serial, x.start_time_us, x.reading_count,
                   x.power_max::float8 AS power_max, x.power_sum::float8 AS power_sum
            FROM rides x JOIN riders r ON r.id = x.rider_id
            WHERE x.start_time_us >= ? AND x.start_time_us < ? AND \(condition)
            ORDER BY \(order) LIMIT 1
            """, bounds(day)))
        return rows.first.map { row in
            RideHighlight(rideID: row["id"].int ?? 0, riderID: row["rider_id"].int ?? 0, riderName: row["name"].text ?? "",
                          bikeSerial: row["bike_serial"].text ?? "",
                          startTime: Instant(microseconds: row["start_time_us"].int ?? 0),
                          durationS: Int(row["reading_count"].int ?? 0), maxPowerW: row["power_max"].double,
                          totalEnergyKJ: (row["power_sum"].double ?? 0) / 1000)
        }
    }

    /// The `heart_rate` values of the recorded samples (a JSON array of objects), without a JSON
    /// decoder: the column is written by the ingest writer, and only the numbers are needed here.
    static func heartRates(in samples: String) -> [Int] {
        var out: [Int] = []
        var rest = Substring(samples)
        let keys = ["\"heartRate\":", "\"heart_rate\":", "\"hr\":"]
        while let found = keys.compactMap({ rest.range(of: $0) }).min(by: { $0.lowerBound < $1.lowerBound }) {
            rest = rest[found.upperBound...].drop { $0 == " " }
            let digits = rest.prefix { $0.isNumber }
            if let value = Int(digits) { out.append(value) }
            rest = rest.dropFirst(digits.count)
        }
        return out
    }
}
