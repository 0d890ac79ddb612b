import DelotonCore

/// A rider with the figures the API shows beside their profile.
public struct RiderRecord: Sendable, Equatable {
    public var rider: Rider
    public var rideCount: Int
    /// Over all their readings with hr > 0, across rides; nil when there is none.
    public var avgHeartRate: Double?

    static let columns: SQL = """
        r.id, r.name, r.title, r.first_name, r.last_name, r.gender, CAST(r.date_of_birth AS TEXT) AS date_of_birth, r.email, \
        r.address_lines, r.city, r.postcode, r.postcode_valid, r.height_cm, r.weight_kg, \
        CAST(r.account_created AS TEXT) AS account_created, r.original_source, \
        (SELECT count(*) FROM rides x WHERE x.rider_id = r.id) AS ride_count, \
        (SELECT CAST(sum(x.hr_sum) AS BIGINT) FROM rides x WHERE x.rider_id = r.id) AS hr_sum, \
        (SELECT CAST(sum(x.hr_count) AS BIGINT) FROM rides x WHERE x.rider_id = r.id) AS hr_count
        """

    init(row: SQLRow) throws {
        let id = try row.decode("id", as: Int.self)
        // NULL is an unknown date (refused at ingest); anything else must be a real date.
        func date(_ column: String) throws -> CivilDate? {
            guard let text = try row.decode(column, as: String?.self) else { return nil }
            guard let date = CivilDate(iso: text.prefix(10)) else {
                throw WarehouseError(.failed, "rider \(id) has a malformed \(column): the database is damaged")
            }
            return date
        }
        let dob = try date("date_of_birth"), created = try date("account_created")
        let address = Address(lines: AddressLines.decode(try row.decode("address_lines")), city: try row.decode("city"),
                              postcode: try row.decode("postcode"), postcodeValid: try row.decode("postcode_valid"))
        rider = Rider(id: id, name: try row.decode("name"), title: try row.decode("title"),
                      firstName: try row.decode("first_name"), lastName: try row.decode("last_name"),
                      gender: try row.decode("gender"), dateOfBirth: dob, email: try row.decode("email"),
                      address: address, heightCm: try row.decode("height_cm"), weightKg: try row.decode("weight_kg"),
                      accountCreated: created, originalSource: try row.decode("original_source"))
        rideCount = try row.decode("ride_count")
        // A rider without rides has no sums.
        let hrCount = try row.decode("hr_count", as: Int64?.self) ?? 0
        avgHeartRate = hrCount > 0 ? Double(try row.decode("hr_sum", as: Int64?.self) ?? 0) / Double(hrCount) : nil
    }
}

/// Which riders a list shows. Every field narrows; nil means "any".
public struct RiderFilter: Sendable, Equatable {
    /// Riders with a ride that started at or after this instant (and before `until`).
    public var since: Instant?
    public var until: Instant?
    public var riderID: Int64?
    /// Riders who rode this bike.
    public var bikeSerial: String?
    public var gender: String?
    /// Age today, whole years, inclusive bounds.
    public var minAge: Int?
    public var maxAge: Int?

    public init(since: Instant? = nil, until: Instant? = nil, riderID: Int64? = nil, bikeSerial: String? = nil,
                gender: String? = nil, minAge: Int? = nil, maxAge: Int? = nil) {
        self.since = since; self.until = until; self.riderID = riderID; self.bikeSerial = bikeSerial; self.gender = gender
        self.minAge = minAge; self.maxAge = maxAge
    }
}

/// The rider reads of the API, written once for SQLite and PostgreSQL.
public struct RiderQueries: Sendable {
    let sql: any SQLExecutor

    public init(_ sql: any SQLExecutor) { self.sql = sql }

    public func rider(id: Int64) async throws -> RiderRecord? {
        try await sql.query("SELECT \(RiderRecord.columns) FROM riders r WHERE r.id = \(id)")
            .first.map(RiderRecord.init(row:))
    }

    /// Riders matching `filter` by id, `limit` at a time after the rider with id `after`.
    /// Ages are counted on `today`, the display zone's date.
    public func riders(_ filter: RiderFilter, today: CivilDate, after: Int64? = nil, limit: Int) async throws -> Page<RiderRecord, Int64> {
        var conditions: [SQL] = [], rideConditions: [SQL] = []
        if let v = filter.since { rideConditions.append("x.start_time >= \(v)") }
        if let v = filter.until { rideConditions.append("x.start_time < \(v)") }
        if let v = filter.bikeSerial { rideConditions.append("x.bike_serial = \(v)") }
        if !rideConditions.isEmpty {
            conditions.append("EXISTS (SELECT 1 FROM rides x WHERE x.rider_id = r.id AND \(SQL.joined(rideConditions, separator: " AND ")))")
        }
        if let v = filter.riderID { conditions.append("r.id = \(v)") }
        if let v = filter.gender { conditions.append("lower(r.gender) = \(v.lowercased())") }
        // Age A or more today means born on or before today's date A years ago; at most A means
        // born after today's date A + 1 years ago. Dates compare as dates, or as YYYY-MM-DD text.
        if let v = filter.minAge { conditions.append("r.date_of_birth <= \(Self.yearsBefore(today, v))") }
        if let v = filter.maxAge { conditions.append("r.date_of_birth > \(Self.yearsBefore(today, v + 1))") }
        if let after { conditions.append("r.id > \(after)") }
        let whereClause: SQL = conditions.isEmpty ? "" : " WHERE \(SQL.joined(conditions, separator: " AND "))"
        let rows = try await sql.query("SELECT \(RiderRecord.columns) FROM riders r\(whereClause) ORDER BY r.id LIMIT \(limit + 1)")
        var items = try rows.map(RiderRecord.init(row:))
        var next: Int64?
        if items.count > limit {
            items.removeLast(items.count - limit)
            next = items.last.map { Int64($0.rider.id) }
        }
        return Page(items: items, next: next)
    }

    /// The same month and day `years` earlier; 29 February falls back to 28 February.
    static func yearsBefore(_ day: CivilDate, _ years: Int) -> CivilDate {
        let year = max(1, day.year - years)
        return CivilDate(validYear: year, month: day.month, day: day.day)
            ?? CivilDate(year: year, month: day.month, day: day.day - 1)
    }
}
