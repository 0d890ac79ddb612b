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
/// Written once for SQLite and PostgreSQL: `floor` (in both) for real-valued buckets, portable
/// `CAST`s, and `\(sqlite:postgres:)` for the one sum on times (microseconds in SQLite, an
/// interval in PostgreSQL).
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
        let hour: SQL = """
            \(sqlite: "(start_time - \(day.lowerBound)) / \(raw: String(Self.hourMicros))",
              postgres: "CAST(floor(extract(epoch FROM start_time - \(day.lowerBound)) / 3600) AS BIGINT)")
            """
        let rows = try await sql.query("""
            SELECT \(hour) AS hour, count(*) AS rides
            FROM rides WHERE start_time >= \(day.lowerBound) AND start_time < \(day.upperBound)
            GROUP BY hour
            """)
        var counts = Array(repeating: 0, count: max(hours, 0))
        for row in rows {
            let hour = try row.decode("hour", as: Int.self)
            guard hour >= 0, hour < counts.count else { continue }
            counts[hour] = try row.decode("rides")
        }
        return counts
    }

    /// Readings with hr > 0 of the day's rides, per `RideHistogram.heartRateWidth` bpm: the sum
    /// of the rides' histograms, which ingest keeps, so no reading is read.
    public func heartRateDistribution(day: Range<Instant>) async throws -> [ValueBin] {
        try await sumOfHistograms("hr_histogram", width: RideHistogram.heartRateWidth, day: day)
    }

    /// All readings of the day's rides, per `RideHistogram.powerWidth` watts.
    public func powerDistribution(day: Range<Instant>) async throws -> [ValueBin] {
        try await sumOfHistograms("power_histogram", width: RideHistogram.powerWidth, day: day)
    }

    /// Added up here rather than in SQL: the text form is the same in both databases, and a
    /// day's rides hold a few hundred thousand bins at most.
    private func sumOfHistograms(_ column: String, width: Int, day: Range<Instant>) async throws -> [ValueBin] {
        let rows = try await sql.query("SELECT \(raw: column) AS h FROM rides x WHERE \(within(day)) AND \(raw: column) <> ''")
        var total = RideHistogram(width: width)
        for row in rows {
            total.merge(RideHistogram(width: width, text: Substring(try row.decode("h", as: String.self))))
        }
        return total.bins.map { ValueBin(lowerBound: $0.lowerBound, count: $0.count) }
    }

    /// The ride with the most readings; ties go to the earliest.
    public func longestRide(day: Range<Instant>) async throws -> RideHighlight? {
        try await highlight(order: "x.reading_count DESC, x.start_time, x.id", where: "x.reading_count > 0", day: day)
    }

    /// The ride with the highest power of any reading; ties go to the earliest.
    public func mostPowerfulRide(day: Range<Instant>) async throws -> RideHighlight? {
        try await highlight(order: "x.power_max DESC, x.start_time, x.id", where: "x.power_max IS NOT NULL", day: day)
    }

    /// Alerts of the rides that started on the day (domain.md: an alert counts on its ride's day).
    public func alerts(day: Range<Instant>) async throws -> [DayAlert] {
        let rows = try await sql.query("""
            SELECT a.id, a.ride_id, a.rider_id, a.rider_name, a.gender, a.age, CAST(a.safe_min AS DOUBLE PRECISION) AS safe_min,
                   CAST(a.safe_max AS DOUBLE PRECISION) AS safe_max, a.raised_at, a.status, a.samples
            FROM alerts a JOIN rides x ON x.id = a.ride_id
            WHERE \(within(day))
            ORDER BY a.raised_at, a.id
            """)
        return try rows.map { row in
            DayAlert(alertID: try row.decode("id"), rideID: try row.decode("ride_id"), riderID: try row.decode("rider_id"),
                     riderName: try row.decode("rider_name"), gender: try row.decode("gender"),
                     age: try row.decode("age"), safeMin: try row.decode("safe_min"), safeMax: try row.decode("safe_max"),
                     raisedAt: try row.decode("raised_at"), status: try row.decode("status"),
                     heartRates: Self.heartRates(in: try row.decode("samples")))
        }
    }

    // MARK: -

    /// Rides (`x`) that started within the day.
    private func within(_ day: Range<Instant>) -> SQL {
        "x.start_time >= \(day.lowerBound) AND x.start_time < \(day.upperBound)"
    }

    private func highlight(order: String, where condition: String, day: Range<Instant>) async throws -> RideHighlight? {
        let rows = try await sql.query("""
            SELECT x.id, x.rider_id, r.name, x.bike_serial, x.start_time, x.reading_count,
                   CAST(x.power_max AS DOUBLE PRECISION) AS power_max, CAST(x.power_sum AS DOUBLE PRECISION) AS power_sum
            FROM rides x JOIN riders r ON r.id = x.rider_id
            WHERE \(within(day)) AND \(raw: condition)
            ORDER BY \(raw: order) LIMIT 1
            """)
        return try rows.first.map { row in
            RideHighlight(rideID: try row.decode("id"), riderID: try row.decode("rider_id"), riderName: try row.decode("name"),
                          bikeSerial: try row.decode("bike_serial"), startTime: try row.decode("start_time"),
                          durationS: try row.decode("reading_count"), maxPowerW: try row.decode("power_max"),
                          totalEnergyKJ: try row.decode("power_sum", as: Double.self) / 1000)
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
