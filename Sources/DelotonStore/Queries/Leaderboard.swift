import DelotonCore

/// Riders ranked by one figure over the rides that started in a period.
public enum LeaderboardMetric: String, Sendable, CaseIterable {
    /// Total energy, kJ.
    case energy
    /// Highest power of any one reading, W.
    case power
    /// Total time ridden, s.
    case duration
}

public struct LeaderboardEntry: Sendable, Equatable {
    public var rank: Int
    public var riderID: Int64
    public var name: String
    public var value: Double
    public var rideCount: Int
}

public struct Leaderboard: Sendable {
    let sql: any SQLExecutor

    public init(_ sql: any SQLExecutor) { self.sql = sql }

    /// The top `limit` riders by `metric` over rides that started in `period` (nil: all time).
    /// Rides without readings have no figures and take no part; ties go to the lower rider id.
    public func top(_ metric: LeaderboardMetric, period: Range<Instant>?, limit: Int) async throws -> [LeaderboardEntry] {
        let value: String
        switch metric {
        case .energy: value = "sum(x.power_sum)::float8 / 1000"
        case .power: value = "max(x.power_max)::float8"
        case .duration: value = "sum(x.reading_count)::bigint"
        }
        var binds: [SQLValue] = []
        var periodClause = ""
        if let period {
            periodClause = " AND x.start_time_us >= ? AND x.start_time_us < ?"
            binds = [.int(period.lowerBound.microseconds), .int(period.upperBound.microseconds)]
        }
        binds.append(.int(Int64(limit)))
        let rows = try await sql.query(SQL("""
            SELECT x.rider_id, max(r.name) AS name, count(*) AS ride_count, \(value) AS value
            FROM rides x JOIN riders r ON r.id = x.rider_id
            WHERE x.reading_count > 0\(periodClause)
            GROUP BY x.rider_id ORDER BY value DESC, x.rider_id LIMIT ?
            """, binds))
        return rows.enumerated().map { i, row in
            LeaderboardEntry(rank: i + 1, riderID: row["rider_id"].int ?? 0, name: row["name"].text ?? "",
                             value: row["value"].double ?? 0, rideCount: Int(row["ride_count"].int ?? 0))
        }
    }
}
