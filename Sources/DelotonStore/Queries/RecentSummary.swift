import DelotonCore

/// The recent window's charts, added up by the database: totals, rides and riders per gender and
/// age group, figures per step of start time, heart rate and power spread over the time each
/// ride rode, and rides per band of average heart rate.
///
/// Why in SQL: a fleet rides tens of thousands of rides in 12 hours; sending each to the page
/// to be grouped there cost the server most of its time turning rows into JSON, and bounded
/// what the charts could cover. The answer here is a few hundred numbers whatever the window.
public struct RecentSummary: Sendable, Equatable {
    /// Figures of a set of rides. Heart rate is each ride's average weighted by its seconds, as
    /// the page has always shown it.
    public struct Figures: Sendable, Equatable {
        public var rides: Int64 = 0
        public var riders: Int64 = 0
        public var alerts: Int64 = 0
        /// Seconds ridden (one reading a second).
        public var seconds: Int64 = 0
        /// Watts summed over the seconds: joules.
        public var powerSum: Double = 0
        public var resistanceSum: Int64 = 0
        /// Rides' average heart rates times their seconds, over the seconds of rides with one.
        public var heartRateWeighted: Double = 0
        public var heartRateSeconds: Int64 = 0

        public var averagePower: Double? { seconds > 0 ? powerSum / Double(seconds) : nil }
        public var averageResistance: Double? { seconds > 0 ? Double(resistanceSum) / Double(seconds) : nil }
        public var averageHeartRate: Double? { heartRateSeconds > 0 ? heartRateWeighted / Double(heartRateSeconds) : nil }
    }

    /// One step of the effort chart: every ride's averages spread over the seconds it rode in the
    /// step, and the lowest and highest heart rate any of those rides reached.
    public struct Effort: Sendable, Equatable {
        public var seconds: Double = 0
        public var powerWeighted: Double = 0
        public var heartRateWeighted: Double = 0
        public var heartRateSeconds: Double = 0
        public var lowestHeartRate: Int?
        public var highestHeartRate: Int?

        public var averagePower: Double? { seconds > 0 ? powerWeighted / seconds : nil }
        public var averageHeartRate: Double? { heartRateSeconds > 0 ? heartRateWeighted / heartRateSeconds : nil }
    }

    /// Equal steps of time from `originMs` (Unix milliseconds).
    public struct Steps: Sendable, Equatable {
        public var originMs: Int64
        public var stepMs: Int64
        public var count: Int

        public init(originMs: Int64, stepMs: Int64, count: Int) {
            self.originMs = originMs; self.stepMs = max(1, stepMs); self.count = max(1, count)
        }
    }

    public static let genders = ["female", "male", "other"]
    public static let ageGroups = ["<25", "25-34", "35-44", "45-54", "55-64", "65+"]
    /// Bands of a ride's average heart rate: below 60, 60-69, ..., 190 and above.
    public static let heartRateBands = Array(stride(from: 50, through: 190, by: 10))

    public var all = Figures()
    /// In the order of `genders` and `ageGroups`.
    public var byGender = [Figures](repeating: Figures(), count: genders.count)
    public var byAge = [Figures](repeating: Figures(), count: ageGroups.count)
    /// Rides by the step their start falls in.
    public var byStart: [Figures]
    public var effort: [Effort]
    /// Rides with a heart rate by `heartRateBands`.
    public var heartRateRides = [Int64](repeating: 0, count: heartRateBands.count)

    init(startSteps: Int, effortSteps: Int) {
        byStart = Array(repeating: Figures(), count: startSteps)
        effort = Array(repeating: Effort(), count: effortSteps)
    }

    /// The rides that started in `[fromUs, toUs)` and pass `filter`, added up.
    public static func load(on sql: any SQLExecutor, fromUs: Int64, toUs: Int64, filter: DashboardQueries.RecentFilter,
                            starts: Steps, effort effortSteps: Steps) async throws -> RecentSummary {
        var summary = RecentSummary(startSteps: starts.count, effortSteps: effortSteps.count)
        let window = SQL.joined(DashboardQueries.windowConditions(fromUs: fromUs, toUs: toUs, filter: filter), separator: " AND ")
        try await summary.addGroups(on: sql, window: window, starts: starts)
        try await summary.addEffort(on: sql, window: window, steps: effortSteps)
        return summary
    }

    /// A ride's start in Unix milliseconds, as a double.
    private static let startMs: SQL = "\(sqlite: "r.start_time / 1000.0", postgres: "date_part('epoch', r.start_time) * 1000")"

    /// Totals, genders, age groups, start steps and heart-rate bands, from one pass over the window.
    private mutating func addGroups(on sql: any SQLExecutor, window: SQL, starts: Steps) async throws {
        let figures = """
            count(*) AS rides, CAST(coalesce(sum(alert), 0) AS BIGINT) AS alerts, CAST(coalesce(sum(n), 0) AS BIGINT) AS seconds, \
            CAST(coalesce(sum(p), 0) AS DOUBLE PRECISION) AS power_sum, CAST(coalesce(sum(res), 0) AS BIGINT) AS resistance_sum, \
            CAST(coalesce(sum(hr * n), 0) AS DOUBLE PRECISION) AS hr_weighted, \
            CAST(coalesce(sum(CASE WHEN hr IS NOT NULL THEN n END), 0) AS BIGINT) AS hr_seconds
            """
        let band = "CASE WHEN hr < 60 THEN 0 WHEN hr >= 190 THEN 14 ELSE CAST(floor((hr - 50) / 10) AS INTEGER) END"
        // The window's rides are read once: PostgreSQL and SQLite both keep a WITH query used
        // more than once, rather than scanning the index again for each branch.
        let rows = try await sql.query("""
            WITH w AS (
                SELECT r.rider_id,
                       CASE WHEN lower(r.gender) IN ('female', 'male') THEN lower(r.gender) ELSE 'other' END AS g,
                       \(raw: AnalyticsViews.ageBand("r.age_at_start")) AS a,
                       CASE WHEN r.alert_raised THEN 1 ELSE 0 END AS alert,
                       r.reading_count AS n, r.power_sum AS p, r.resistance_sum AS res,
                       CASE WHEN r.hr_count > 0 THEN CAST(r.hr_sum AS DOUBLE PRECISION) / r.hr_count END AS hr,
                       CAST(floor((\(Self.startMs) - \(starts.originMs)) / \(starts.stepMs)) AS BIGINT) AS step
                FROM rides r WHERE \(window))
            SELECT 'all' AS kind, '' AS name, 0 AS i, count(DISTINCT rider_id) AS riders, \(raw: figures) FROM w
            UNION ALL SELECT 'gender', g, 0, count(DISTINCT rider_id), \(raw: figures) FROM w GROUP BY g
            UNION ALL SELECT 'age', a, 0, count(DISTINCT rider_id), \(raw: figures) FROM w GROUP BY a
            UNION ALL SELECT 'start', '', step, 0, \(raw: figures) FROM w GROUP BY step
            UNION ALL SELECT 'hr', '', \(raw: band), 0, \(raw: figures) FROM w WHERE hr IS NOT NULL GROUP BY \(raw: band)
            """)
        for row in rows {
            let f = Figures(rides: try row.decode("rides"), riders: try row.decode("riders"), alerts: try row.decode("alerts"),
                            seconds: try row.decode("seconds"), powerSum: try row.decode("power_sum"),
                            resistanceSum: try row.decode("resistance_sum"), heartRateWeighted: try row.decode("hr_weighted"),
                            heartRateSeconds: try row.decode("hr_seconds"))
            let name: String = try row.decode("name"), i: Int64 = try row.decode("i")
            switch try row.decode("kind", as: String.self) {
            case "all": all = f
            case "gender": if let k = Self.genders.firstIndex(of: name) { byGender[k] = f }
            case "age": if let k = Self.ageGroups.firstIndex(of: name) { byAge[k] = f }
            // A ride up to a minute ahead of the server's clock counts in the last step.
            case "start": if i >= 0 { byStart[Int(min(i, Int64(byStart.count - 1)))].add(f) }
            case "hr": if i >= 0, i < Int64(heartRateRides.count) { heartRateRides[Int(i)] = f.rides }
            default: break
            }
        }
    }

    /// Each ride is spread over the steps it rode in (one row per ride and step, made by a
    /// recursive query, so the work follows the rides' lengths, not rides times steps).
    private mutating func addEffort(on sql: any SQLExecutor, window: SQL, steps: Steps) async throws {
        let (origin, size) = (Double(steps.originMs), Double(steps.stepMs))
        let last = steps.count - 1
        let least: SQL = "\(sqlite: "min", postgres: "LEAST")", greatest: SQL = "\(sqlite: "max", postgres: "GREATEST")"
        let rows = try await sql.query("""
            WITH RECURSIVE w AS (
                SELECT s, s + n * 1000.0 AS e, pw, hr, lo, hi,
                       CAST(floor((s - \(origin)) / \(size)) AS BIGINT) AS first,
                       CAST(floor((s + n * 1000.0 - 1 - \(origin)) / \(size)) AS BIGINT) AS last
                FROM (SELECT \(Self.startMs) AS s, r.reading_count AS n,
                             CASE WHEN r.reading_count > 0 THEN r.power_sum / r.reading_count ELSE 0 END AS pw,
                             CASE WHEN r.hr_count > 0 THEN CAST(r.hr_sum AS DOUBLE PRECISION) / r.hr_count END AS hr,
                             CASE WHEN r.hr_min > 0 THEN r.hr_min END AS lo, CASE WHEN r.hr_max > 0 THEN r.hr_max END AS hi
                      FROM rides r WHERE \(window)) x),
            spread (i, last, s, e, pw, hr, lo, hi) AS (
                SELECT \(greatest)(first, 0), \(least)(last, \(Int64(last))), s, e, pw, hr, lo, hi FROM w
                WHERE first <= \(Int64(last)) AND last >= 0
                UNION ALL
                SELECT i + 1, last, s, e, pw, hr, lo, hi FROM spread WHERE i < last),
            part AS (
                SELECT i, (\(least)(e, \(origin) + (i + 1) * \(size)) - \(greatest)(s, \(origin) + i * \(size))) / 1000.0 AS sec,
                       pw, hr, lo, hi FROM spread)
            SELECT i, CAST(sum(sec) AS DOUBLE PRECISION) AS seconds, CAST(sum(pw * sec) AS DOUBLE PRECISION) AS power_weighted,
                   CAST(coalesce(sum(hr * sec), 0) AS DOUBLE PRECISION) AS hr_weighted,
                   CAST(coalesce(sum(CASE WHEN hr IS NOT NULL THEN sec END), 0) AS DOUBLE PRECISION) AS hr_seconds,
                   min(lo) AS lo, max(hi) AS hi
            FROM part WHERE sec > 0 GROUP BY i
            """)
        for row in rows {
            let i: Int64 = try row.decode("i")
            guard i >= 0, i < Int64(effort.count) else { continue }
            effort[Int(i)] = Effort(seconds: try row.decode("seconds"), powerWeighted: try row.decode("power_weighted"),
                                    heartRateWeighted: try row.decode("hr_weighted"), heartRateSeconds: try row.decode("hr_seconds"),
                                    lowestHeartRate: try row.decode("lo"), highestHeartRate: try row.decode("hi"))
        }
    }
}

extension RecentSummary.Figures {
    mutating func add(_ other: Self) {
        rides += other.rides; riders += other.riders; alerts += other.alerts; seconds += other.seconds
        powerSum += other.powerSum; resistanceSum += other.resistanceSum
        heartRateWeighted += other.heartRateWeighted; heartRateSeconds += other.heartRateSeconds
    }
}
