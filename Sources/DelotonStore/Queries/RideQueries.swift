import DelotonCore

/// A ride as stored: its identity and the running totals every metric follows from.
public struct RideRecord: Sendable, Equatable {
    public var id: Int64
    public var riderID: Int64
    public var bikeSerial: String
    public var startTime: Instant
    public var endTime: Instant?
    public var inProgress: Bool
    public var ageAtStart: Int
    public var gender: String
    public var alertRaised: Bool
    public var totals: RideTotals

    public var metrics: RideMetrics { totals.metrics }

    static let columns: SQL = """
        id, rider_id, bike_serial, start_time, end_time, in_progress, age_at_start, gender, reading_count, \
        hr_count, hr_sum, hr_min, hr_max, power_sum, power_max, rpm_sum, resistance_sum, alert_raised
        """

    init(row: SQLRow) throws {
        id = try row.decode("id")
        riderID = try row.decode("rider_id")
        bikeSerial = try row.decode("bike_serial")
        startTime = try row.decode("start_time")
        endTime = try row.decode("end_time")
        inProgress = try row.decode("in_progress")
        ageAtStart = try row.decode("age_at_start")
        gender = try row.decode("gender")
        alertRaised = try row.decode("alert_raised")
        var t = RideTotals()
        t.readingCount = try row.decode("reading_count")
        t.heartRateCount = try row.decode("hr_count")
        t.heartRateSum = try row.decode("hr_sum")
        t.heartRateMin = try row.decode("hr_min")
        t.heartRateMax = try row.decode("hr_max")
        t.powerSum = try row.decode("power_sum")
        t.powerMax = try row.decode("power_max")
        t.rpmSum = try row.decode("rpm_sum")
        t.resistanceSum = try row.decode("resistance_sum")
        totals = t
    }
}

/// Which rides a list shows. Every field narrows; nil means "any".
public struct RideFilter: Sendable, Equatable {
    /// Rides that started at or after this instant.
    public var since: Instant?
    /// Rides that started before this instant.
    public var until: Instant?
    public var riderID: Int64?
    public var bikeSerial: String?
    /// Compared without regard to case, as the daily report groups genders.
    public var gender: String?
    /// Age at the ride's start, whole years, inclusive bounds.
    public var minAge: Int?
    public var maxAge: Int?

    public init(since: Instant? = nil, until: Instant? = nil, riderID: Int64? = nil, bikeSerial: String? = nil,
                gender: String? = nil, minAge: Int? = nil, maxAge: Int? = nil) {
        self.since = since; self.until = until; self.riderID = riderID; self.bikeSerial = bikeSerial
        self.gender = gender; self.minAge = minAge; self.maxAge = maxAge
    }
}

/// Where a page of rides ends: rides are listed by start time, then id, so this pair is a total order.
public struct RideCursor: Sendable, Equatable {
    public var startTime: Instant
    public var id: Int64

    public init(startTime: Instant, id: Int64) { self.startTime = startTime; self.id = id }
}

/// A page of a list and where the next one starts (nil on the last page).
public struct Page<Item: Sendable, Cursor: Sendable>: Sendable {
    public var items: [Item]
    public var next: Cursor?
}

/// The ride reads of the API, written once for SQLite and PostgreSQL.
public struct RideQueries: Sendable {
    let sql: any SQLExecutor

    public init(_ sql: any SQLExecutor) { self.sql = sql }

    public func ride(id: Int64) async throws -> RideRecord? {
        try await sql.query("SELECT \(RideRecord.columns) FROM rides WHERE id = \(id)")
            .first.map(RideRecord.init(row:))
    }

    public func readings(rideID: Int64) async throws -> [Reading] {
        try await sql.query("""
            SELECT elapsed_s, time, heart_rate, rpm, power_w, resistance FROM readings
            WHERE ride_id = \(rideID) ORDER BY elapsed_s
            """).map { row in
            Reading(elapsed: try row.decode("elapsed_s"), time: try row.decode("time"),
                    heartRate: try row.decode("heart_rate"), rpm: try row.decode("rpm"),
                    power: try row.decode("power_w"), resistance: try row.decode("resistance"))
        }
    }

    /// Rides matching `filter`, oldest first, `limit` at a time after `cursor`.
    public func rides(_ filter: RideFilter, after cursor: RideCursor? = nil, limit: Int) async throws -> Page<RideRecord, RideCursor> {
        var conditions: [SQL] = []
        if let v = filter.since { conditions.append("start_time >= \(v)") }
        if let v = filter.until { conditions.append("start_time < \(v)") }
        if let v = filter.riderID { conditions.append("rider_id = \(v)") }
        if let v = filter.bikeSerial { conditions.append("bike_serial = \(v)") }
        if let v = filter.gender { conditions.append("lower(gender) = \(v.lowercased())") }
        if let v = filter.minAge { conditions.append("age_at_start >= \(v)") }
        if let v = filter.maxAge { conditions.append("age_at_start <= \(v)") }
        if let c = cursor {
            let start = c.startTime
            // The first term is what an index on start time can seek to: without it PostgreSQL
            // reads the whole range from its start and filters (5,400 rows for page 55 of a
            // 10,000-ride day); the second breaks ties by id.
            conditions.append("start_time >= \(start) AND (start_time > \(start) OR (start_time = \(start) AND id > \(c.id)))")
        }
        let whereClause: SQL = conditions.isEmpty ? "" : " WHERE \(SQL.joined(conditions, separator: " AND "))"
        // One row more than asked tells whether another page follows, without a count.
        let rows = try await sql.query(
            "SELECT \(RideRecord.columns) FROM rides\(whereClause) ORDER BY start_time, id LIMIT \(limit + 1)")
        var items = try rows.map(RideRecord.init(row:))
        var next: RideCursor?
        if items.count > limit {
            items.removeLast(items.count - limit)
            if let last = items.last { next = RideCursor(startTime: last.startTime, id: last.id) }
        }
        return Page(items: items, next: next)
    }

    /// Every ride of a rider, oldest first.
    public func rides(riderID: Int64) async throws -> [RideRecord] {
        try await sql.query("SELECT \(RideRecord.columns) FROM rides WHERE rider_id = \(riderID) ORDER BY start_time, id")
            .map(RideRecord.init(row:))
    }

    /// Rides that started within `interval` (a local day, for `/daily`), oldest first.
    public func rides(startingIn interval: Range<Instant>) async throws -> [RideRecord] {
        try await sql.query("""
            SELECT \(RideRecord.columns) FROM rides
            WHERE start_time >= \(interval.lowerBound) AND start_time < \(interval.upperBound)
            ORDER BY start_time, id
            """)
            .map(RideRecord.init(row:))
    }
}
