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

    static let columns = """
        id, rider_id, bike_serial, start_time_us, end_time_us, in_progress, age_at_start, gender, reading_count, \
        hr_count, hr_sum, hr_min, hr_max, power_sum, power_max, rpm_sum, resistance_sum, alert_raised
        """

    init(row: SQLRow) throws {
        guard let id = row["id"].int, let rider = row["rider_id"].int, let bike = row["bike_serial"].text,
              let start = row["start_time_us"].int else {
            throw WarehouseError(.failed, "a rides row lacks its id, rider, bike or start time: the database is damaged")
        }
        self.id = id
        riderID = rider
        bikeSerial = bike
        startTime = Instant(microseconds: start)
        endTime = row["end_time_us"].int.map { Instant(microseconds: $0) }
        inProgress = row["in_progress"].bool ?? false
        ageAtStart = Int(row["age_at_start"].int ?? 0)
        gender = row["gender"].text ?? ""
        alertRaised = row["alert_raised"].bool ?? false
        var t = RideTotals()
        t.readingCount = Int(row["reading_count"].int ?? 0)
        t.heartRateCount = Int(row["hr_count"].int ?? 0)
        t.heartRateSum = Int(row["hr_sum"].int ?? 0)
        t.heartRateMin = row["hr_min"].int.map { Int($0) }
        t.heartRateMax = row["hr_max"].int.map { Int($0) }
        t.powerSum = row["power_sum"].double ?? 0
        t.powerMax = row["power_max"].double
        t.rpmSum = Int(row["rpm_sum"].int ?? 0)
        t.resistanceSum = Int(row["resistance_sum"].int ?? 0)
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
        try await sql.query(SQL("SELECT \(RideRecord.columns) FROM rides WHERE id = ?", [.int(id)]))
            .first.map(RideRecord.init(row:))
    }

    public func readings(rideID: Int64) async throws -> [Reading] {
        try await sql.query(SQL("""
            SELECT elapsed_s, time_us, heart_rate, rpm, power_w, resistance FROM readings
            WHERE ride_id = ? ORDER BY elapsed_s
            """, [.int(rideID)])).map { row in
            Reading(elapsed: Int(row["elapsed_s"].int ?? 0), time: Instant(microseconds: row["time_us"].int ?? 0),
                    heartRate: Int(row["heart_rate"].int ?? 0), rpm: Int(row["rpm"].int ?? 0),
                    power: row["power_w"].double ?? 0, resistance: Int(row["resistance"].int ?? 0))
        }
    }

    /// Rides matching `filter`, oldest first, `limit` at a time after `cursor`.
    public func rides(_ filter: RideFilter, after cursor: RideCursor? = nil, limit: Int) async throws -> Page<RideRecord, RideCursor> {
        var conditions: [String] = [], binds: [SQLValue] = []
        if let v = filter.since { conditions.append("start_time_us >= ?"); binds.append(.int(v.microseconds)) }
        if let v = filter.until { conditions.append("start_time_us < ?"); binds.append(.int(v.microseconds)) }
        if let v = filter.riderID { conditions.append("rider_id = ?"); binds.append(.int(v)) }
        if let v = filter.bikeSerial { conditions.append("bike_serial = ?"); binds.append(.text(v)) }
        if let v = filter.gender { conditions.append("lower(gender) = ?"); binds.append(.text(v.lowercased())) }
        if let v = filter.minAge { conditions.append("age_at_start >= ?"); binds.append(.int(Int64(v))) }
        if let v = filter.maxAge { conditions.append("age_at_start <= ?"); binds.append(.int(Int64(v))) }
        if let c = cursor {
            conditions.append("(start_time_us > ? OR (start_time_us = ? AND id > ?))")
            binds += [.int(c.startTime.microseconds), .int(c.startTime.microseconds), .int(c.id)]
        }
        let whereClause = conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")
        // One row more than asked tells whether another page follows, without a count.
        binds.append(.int(Int64(limit) + 1))
        let rows = try await sql.query(SQL(
            "SELECT \(RideRecord.columns) FROM rides\(whereClause) ORDER BY start_time_us, id LIMIT ?", binds))
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
        try await sql.query(SQL("SELECT \(RideRecord.columns) FROM rides WHERE rider_id = ? ORDER BY start_time_us, id",
                                [.int(riderID)])).map(RideRecord.init(row:))
    }

    /// Rides that started within `interval` (a local day, for `/daily`), oldest first.
    public func rides(startingIn interval: Range<Instant>) async throws -> [RideRecord] {
        try await sql.query(SQL("""
            SELECT \(RideRecord.columns) FROM rides WHERE start_time_us >= ? AND start_time_us < ?
            ORDER BY start_time_us, id
            """, [.int(interval.lowerBound.microseconds), .int(interval.upperBound.microseconds)]))
            .map(RideRecord.init(row:))
    }
}
