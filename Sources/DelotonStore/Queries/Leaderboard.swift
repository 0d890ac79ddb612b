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
        let value: SQL
        switch metric {
        case .energy: value = "CAST(sum(x.power_sum) AS DOUBLE PRECISION) / 1000"
        case .power: value = "CAST(max(x.power_max) AS DOUBLE PRECISION)"
        case .duration: value = "CAST(sum(x.reading_count) AS BIGINT)"
        }
        var periodClause: SQL = ""
        if let period {
            periodClause = " AND x.start_time >= \(period.lowerBound) AND x.start_time < \(period.upperBound)"
        }
        let rows = try await sql.query("""
            SELECT x.rider_id, max(r.name) AS name, count(*) AS ride_count, \(value) AS value
            FROM rides x JOIN riders r ON r.id = x.rider_id
            WHERE x.reading_count > 0\(periodClause)
            GROUP BY x.rider_id ORDER BY value DESC, x.rider_id LIMIT \(limit)
            """)
        return try rows.enumerated().map { i, row in
            LeaderboardEntry(rank: i + 1, riderID: try row.decode("rider_id"), name: try row.decode("name"),
                             value: try row.decode("value"), rideCount: try row.decode("ride_count"))
        }
    }
}
