import DelotonCore

/// The figures of one local day (domain.md, Daily report), shared by the report, the API and the views.
///
/// Over rides that started on the day: counts, the gender split and age groups of the distinct
/// riders (each counted once, by their first ride of the day), heart rate over readings with
/// hr > 0, power, energy, longest ride, highest power and alerts. A figure with no data is nil.
public struct DailyFigures: Sendable, Equatable {
    public var rideCount: Double
    public var riderCount: Double
    /// Keys are genders as given, lower-cased.
    public var ridersByGender: [String: Double]
    /// Keys are `AgeGroup` labels; every group is present.
    public var ridersByAgeGroup: [String: Double]
    public var avgHeartRate: Double?
    public var avgPowerW: Double?
    public var totalEnergyKJ: Double
    public var longestRideS: Double?
    public var maxPowerW: Double?
    public var alertCount: Double

    public static let empty = DailyFigures(rideCount: 0, riderCount: 0, ridersByGender: [:],
                                           ridersByAgeGroup: Dictionary(uniqueKeysWithValues: AgeGroup.labels.map { ($0, 0) }),
                                           avgHeartRate: nil, avgPowerW: nil, totalEnergyKJ: 0, longestRideS: nil,
                                           maxPowerW: nil, alertCount: 0)

    /// The per-day mean of several days: counts and totals over all of them, averages and maxima
    /// over the days that have one.
    public static func mean(of days: [DailyFigures]) -> DailyFigures {
        guard !days.isEmpty else { return .empty }
        let n = Double(days.count)
        func meanOfPresent(_ values: [Double?]) -> Double? {
            let present = values.compactMap { $0 }
            return present.isEmpty ? nil : present.reduce(0, +) / Double(present.count)
        }
        func meanOfCounts(_ dicts: [[String: Double]]) -> [String: Double] {
            var out: [String: Double] = [:]
            for d in dicts { for (k, v) in d { out[k, default: 0] += v } }
            return out.mapValues { $0 / n }
        }
        return DailyFigures(
            rideCount: days.map(\.rideCount).reduce(0, +) / n,
            riderCount: days.map(\.riderCount).reduce(0, +) / n,
            ridersByGender: meanOfCounts(days.map(\.ridersByGender)),
            ridersByAgeGroup: meanOfCounts(days.map(\.ridersByAgeGroup)),
            avgHeartRate: meanOfPresent(days.map(\.avgHeartRate)),
            avgPowerW: meanOfPresent(days.map(\.avgPowerW)),
            totalEnergyKJ: days.map(\.totalEnergyKJ).reduce(0, +) / n,
            longestRideS: meanOfPresent(days.map(\.longestRideS)),
            maxPowerW: meanOfPresent(days.map(\.maxPowerW)),
            alertCount: days.map(\.alertCount).reduce(0, +) / n)
    }
}

/// The report's age groups, by whole years at the ride.
public enum AgeGroup {
    public static let labels = ["<25", "25-34", "35-44", "45-54", "55-64", "65+"]

    public static func label(age: Int) -> String {
        switch age {
        case ..<25: return "<25"
        case 25...34: return "25-34"
        case 35...44: return "35-44"
        case 45...54: return "45-54"
        case 55...64: return "55-64"
        default: return "65+"
        }
    }
}

/// A day's figures with their comparisons, as `report.json` and `GET /stats/daily` show them.
public struct DailyReportFigures: Sendable, Equatable {
    public var date: CivilDate
    public var figures: DailyFigures
    public var previousDay: DailyFigures
    /// The per-day mean of the 7 days before `date`.
    public var previous7Days: DailyFigures
}

public struct DailyStats: Sendable {
    let sql: any SQLExecutor

    public init(_ sql: any SQLExecutor) { self.sql = sql }

    /// The figures of the rides that started within `interval` (one local day): counts and sums
    /// from `RideRollups`, riders (each by their first ride) and maxima from the day's rides.
    public func figures(startingIn interval: Range<Instant>) async throws -> DailyFigures {
        let (from, to) = (interval.lowerBound, interval.upperBound)
        var totals = try await RideRollups.totals(startingIn: interval, on: sql)
        if totals == nil { totals = try await sumOfRides(startingIn: interval) }
        let rides = try await sql.query("""
            SELECT rider_id, gender, age_at_start, reading_count, CAST(power_max AS DOUBLE PRECISION) AS power_max
            FROM rides WHERE start_time >= \(from) AND start_time < \(to)
            ORDER BY start_time, id
            """)
        let alerts = try await sql.query("""
            SELECT count(*) AS alert_count FROM alerts a JOIN rides x ON x.id = a.ride_id
            WHERE x.start_time >= \(from) AND x.start_time < \(to)
            """).first

        var figures = DailyFigures.empty
        var seen = Set<Int64>()
        var longest: Int?, maxPower: Double?
        for row in rides {
            let count = try row.decode("reading_count", as: Int.self)
            longest = max(longest ?? count, count)
            if let power = try row.decode("power_max", as: Double?.self) { maxPower = max(maxPower ?? power, power) }
            guard seen.insert(try row.decode("rider_id")).inserted else { continue }
            let gender = try row.decode("gender", as: String.self), age = try row.decode("age_at_start", as: Int.self)
            figures.ridersByGender[gender.lowercased(), default: 0] += 1
            figures.ridersByAgeGroup[AgeGroup.label(age: age), default: 0] += 1
        }
        figures.riderCount = Double(seen.count)
        if let alerts { figures.alertCount = try alerts.decode("alert_count") }
        guard let totals else { return figures }
        figures.rideCount = Double(totals.rides)
        figures.avgHeartRate = totals.hrCount > 0 ? Double(totals.hrSum) / Double(totals.hrCount) : nil
        figures.avgPowerW = totals.readings > 0 ? totals.powerSum / Double(totals.readings) : nil
        figures.totalEnergyKJ = totals.powerSum / 1000
        figures.longestRideS = longest.map(Double.init)
        figures.maxPowerW = maxPower
        return figures
    }

    /// What `RideRollups` holds, added up from the rides themselves: for a day whose bounds are
    /// not on quarter hours.
    private func sumOfRides(startingIn interval: Range<Instant>) async throws -> RideRollups.Totals {
        let row = try await sql.query("""
            SELECT count(*) AS rides, CAST(coalesce(sum(reading_count), 0) AS BIGINT) AS readings,
                   CAST(coalesce(sum(hr_count), 0) AS BIGINT) AS hr_count, CAST(coalesce(sum(hr_sum), 0) AS BIGINT) AS hr_sum,
                   CAST(coalesce(sum(power_sum), 0) AS DOUBLE PRECISION) AS power_sum
            FROM rides WHERE start_time >= \(interval.lowerBound) AND start_time < \(interval.upperBound)
            """).first
        guard let row else { return RideRollups.Totals(rides: 0, readings: 0, hrCount: 0, hrSum: 0, powerSum: 0) }
        return RideRollups.Totals(rides: try row.decode("rides"), readings: try row.decode("readings"),
                                  hrCount: try row.decode("hr_count"), hrSum: try row.decode("hr_sum"),
                                  powerSum: try row.decode("power_sum"))
    }

    /// A day's figures with the day before and the mean of the 7 days before, days read in `zone`.
    public func report(for day: CivilDate, zone: Zone) async throws -> DailyReportFigures {
        let today = try await figures(startingIn: zone.interval(of: day))
        var before: [DailyFigures] = []
        for back in 1...7 {
            before.append(try await figures(startingIn: zone.interval(of: day.adding(days: -back))))
        }
        return DailyReportFigures(date: day, figures: today, previousDay: before[0], previous7Days: DailyFigures.mean(of: before))
    }
}
