import DelotonCore

/// `ride_rollups`: the rides' counts and sums per quarter hour of start × gender × age group, kept
/// by triggers on `rides` in the transaction that writes the ride, so the day's figures add up a
/// few hundred rows instead of the day's rides.
///
/// Why so: a quarter hour, because every zone's days begin on one (offsets are whole quarters),
/// so one table serves any display zone. Triggers, because every path that changes a ride
/// (ingest, a replay, deletion through the API, a rider's erasure) then changes the rollup too.
/// Deltas (the new row's figures minus the old's), because they commute: ingest processes
/// writing rides of the same quarter at once never lose each other's. A replay changes no
/// figure, so it adds nothing. Power sums are doubles, as in `rides`: adding and taking away
/// deltas leaves them within about 1e-13 (relative) of the sum of the rides' own.
enum RideRollups {
    static let quarterSeconds: Int64 = 900

    /// The quarter (15-minute slot since the epoch, rounded down) of a ride's start, in each database.
    static let sqliteQuarter = "CAST(floor(%.start_time / 900000000.0) AS INTEGER)"
    static let postgresQuarter = "CAST(floor(extract(epoch FROM %.start_time) / 900) AS BIGINT)"

    /// The columns of a rollup row, after its key.
    static let figures = ["rides", "readings", "hr_count", "hr_sum", "power_sum"]

    /// One row's contribution, `sign` 1 or -1, from a row named `row` (NEW, OLD or a transition table).
    static func contribution(_ r: String, sign: Int, quarter: String) -> String {
        """
            \(quarter.replacingOccurrences(of: "%", with: r)) AS quarter, lower(\(r).gender) AS gender, \
            \(AnalyticsViews.ageBand("\(r).age_at_start")) AS age_group, \(sign) AS rides, \(sign) * \(r).reading_count AS readings, \
            \(sign) * \(r).hr_count AS hr_count, \(sign) * \(r).hr_sum AS hr_sum, \
            \(sign) * \(r).power_sum AS power_sum
            """
    }

    /// Adds the rows selected by `select` (columns as `contribution` names them) to the rollup.
    /// PostgreSQL names the stored row by an alias; SQLite, which takes none in a trigger, by
    /// the bare column.
    static func upsert(into table: String, _ select: String, alias: Bool) -> String {
        let list = (["quarter", "gender", "age_group"] + figures).joined(separator: ", ")
        let stored = alias ? "u." : ""
        return """
            INSERT INTO \(table)\(alias ? " AS u" : "") (\(list))
            \(select)
            ON CONFLICT (quarter, gender, age_group) DO UPDATE SET \
            \(figures.map { "\($0) = \(stored)\($0) + excluded.\($0)" }.joined(separator: ", "))
            """
    }

    /// What a day's figures add up.
    struct Totals {
        var rides: Int64
        var readings: Int64
        var hrCount: Int64
        var hrSum: Int64
        var powerSum: Double
    }

    /// The sums of the rides that started in `day`, or nil when its bounds are not on quarter
    /// hours (a zone's local mean time before standard time): the caller then adds up the rides.
    static func totals(startingIn day: Range<Instant>, on sql: any SQLExecutor) async throws -> Totals? {
        let quarter = quarterSeconds * 1_000_000
        let (from, to) = (day.lowerBound.microseconds, day.upperBound.microseconds)
        guard from % quarter == 0, to % quarter == 0 else { return nil }
        let row = try await sql.query("""
            SELECT CAST(coalesce(sum(rides), 0) AS BIGINT) AS rides, CAST(coalesce(sum(readings), 0) AS BIGINT) AS readings,
                   CAST(coalesce(sum(hr_count), 0) AS BIGINT) AS hr_count, CAST(coalesce(sum(hr_sum), 0) AS BIGINT) AS hr_sum,
                   CAST(coalesce(sum(power_sum), 0) AS DOUBLE PRECISION) AS power_sum
            FROM ride_rollups WHERE quarter >= \(from / quarter) AND quarter < \(to / quarter)
            """).first
        guard let row else { return Totals(rides: 0, readings: 0, hrCount: 0, hrSum: 0, powerSum: 0) }
        return Totals(rides: try row.decode("rides"), readings: try row.decode("readings"), hrCount: try row.decode("hr_count"),
                      hrSum: try row.decode("hr_sum"), powerSum: try row.decode("power_sum"))
    }
}
