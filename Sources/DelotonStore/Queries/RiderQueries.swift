import DelotonCore

/// A rider with the figures the API shows beside their profile.
public struct RiderRecord: Sendable, Equatable {
    public var rider: Rider
    public var rideCount: Int
    /// Over all their readings with hr > 0, across rides; nil when there is none.
    public var avgHeartRate: Double?

    static let columns = """
        r.id, r.name, r.title, r.first_name, r.last_name, r.gender, r.date_of_birth::text AS date_of_birth, r.email, \
        r.address_lines, r.city, r.postcode, r.postcode_valid, r.height_cm, r.weight_kg, \
        r.account_created::text AS account_created, r.original_source, \
        (SELECT count(*) FROM rides x WHERE x.rider_id = r.id) AS ride_count, \
        (SELECT sum(x.hr_sum)::bigint FROM rides x WHERE x.rider_id = r.id) AS hr_sum, \
        (SELECT sum(x.hr_count)::bigint FROM rides x WHERE x.rider_id = r.id) AS hr_count
        """

    init(row: SQLRow) throws {
        guard let id = row["id"].int else {
            throw WarehouseError(.failed, "a riders row lacks its id: the database is damaged")
        }
        // NULL is an unknown date (refused at ingest); anything else must be a real date.
        func date(_ column: String) throws -> CivilDate? {
            guard let text = row[column].text else { return nil }
            guard let date = CivilDate(iso: text.prefix(10)) else {
                throw WarehouseError(.failed, "rider \(id) has a malformed \(column): the database is damaged")
            }
            return date
        }
        let dob = try date("date_of_birth"), created = try date("account_created")
        let address = Address(lines: AddressLines.decode(row["address_lines"].text ?? ""), city: row["city"].text ?? "",
                              postcode: row["postcode"].text ?? "", postcodeValid: row["postcode_valid"].bool ?? false)
        rider = Rider(id: Int(id), name: row["name"].text ?? "", title: row["title"].text,
                      firstName: row["first_name"].text ?? "", lastName: row["last_name"].text ?? "",
                      gender: row["gender"].text ?? "", dateOfBirth: dob, email: row["email"].text ?? "",
                      address: address, heightCm: row["height_cm"].int.map { Int($0) }, weightKg: row["weight_kg"].int.map { Int($0) },
                      accountCreated: created, originalSource: row["original_source"].text ?? "")
        rideCount = Int(row["ride_count"].int ?? 0)
        let hrCount = row["hr_count"].int ?? 0
        avgHeartRate = hrCount > 0 ? Double(row["hr_sum"].int ?? 0) / Double(hrCount) : nil
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
        try await sql.query(SQL("SELECT \(RiderRecord.columns) FROM riders r WHERE r.id = ?", [.int(id)]))
            .first.map(RiderRecord.init(row:))
    }

    /// Riders matching `filter` by id, `limit` at a time after the rider with id `after`.
    /// Ages are counted on `today`, the display zone's date.
    public func riders(_ filter: RiderFilter, today: CivilDate, after: Int64? = nil, limit: Int) async throws -> Page<RiderRecord, Int64> {
        var conditions: [String] = [], binds: [SQLValue] = []
        var rideConditions: [String] = [], rideBinds: [SQLValue] = []
        if let v = filter.since { rideConditions.append("x.start_time_us >= ?"); rideBinds.append(.int(v.microseconds)) }
        if let v = filter.until { rideConditions.append("x.start_time_us < ?"); rideBinds.append(.int(v.microseconds)) }
        if let v = filter.bikeSerial { rideConditions.append("x.bike_serial = ?"); rideBinds.append(.text(v)) }
        if !rideConditions.isEmpty {
            conditions.append("EXISTS (SELECT 1 FROM rides x WHERE x.rider_id = r.id AND \(rideConditions.joined(separator: " AND ")))")
            binds += rideBinds
        }
        if let v = filter.riderID { conditions.append("r.id = ?"); binds.append(.int(v)) }
        if let v = filter.gender { conditions.append("lower(r.gender) = ?"); binds.append(.text(v.lowercased())) }
        // Age A or more today means born on or before today's date A years ago; at most A means
        // born after today's date A + 1 years ago. Dates compare as dates, or as YYYY-MM-DD text.
        if let v = filter.minAge {
            conditions.append("r.date_of_birth <= ?::date"); binds.append(.text(Self.yearsBefore(today, v).description))
        }
        if let v = filter.maxAge {
            conditions.append("r.date_of_birth > ?::date"); binds.append(.text(Self.yearsBefore(today, v + 1).description))
        }
        if let after { conditions.append("r.id > ?"); binds.append(.int(after)) }
        let whereClause = conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")
        binds.append(.int(Int64(limit) + 1))
        let rows = try await sql.query(SQL(
            "SELECT \(RiderRecord.columns) FROM riders r\(whereClause) ORDER BY r.id LIMIT ?", binds))
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
