/// The analytics views as migration SQL (`AnalyticsCatalog` describes their columns).
///
/// Each is a migration: once shipped, change a view by adding a migration that replaces it, so
/// that every warehouse goes through the same steps. The views are built for a `BaseLayout`:
/// migration 2 created them over the first one, and what it creates must never change; the
/// native-types migration replaces them over the second, with the same columns, types and rows.
///
/// Figures follow the same running totals as the API (`RideTotals.metrics`) and the report
/// (`DailyStats`): averages are sums divided in floating point, exactly as Swift divides them.
/// Days, local times and ages are Europe/London's, the default display zone, whatever
/// the display zone setting says: a view cannot take a setting.
public enum AnalyticsViews {
    /// How the base tables held times and flags when a version of the views was created.
    enum BaseLayout {
        /// `*_us` integer microseconds and 0/1 flags (PostgreSQL before migration 6, SQLite before 7).
        case microseconds
        /// Named without the unit: `timestamptz` and `boolean` in PostgreSQL, still integer
        /// microseconds and 0/1 in SQLite.
        case native

        /// A time column's name (`start_time` was `start_time_us`).
        func time(_ name: String) -> String { self == .microseconds ? name + "_us" : name }

        /// A PostgreSQL time column as `timestamptz`.
        func pgInstant(_ name: String) -> String {
            self == .microseconds ? AnalyticsViews.pgInstant(time(name)) : name
        }

        /// A PostgreSQL flag as `boolean`, and as 0/1 to add up.
        func pgFlag(_ name: String) -> String { self == .microseconds ? name + " = 1" : name }
        func pgFlagCount(_ name: String) -> String { self == .microseconds ? name : name + "::int" }
    }

    /// PostgreSQL: schema `analytics`, so an analyst role needs USAGE on it and SELECT on its
    /// views only. The views run with their owner's rights: the analyst never reads a base table.
    static func postgres(_ base: BaseLayout) -> [String] {
        [
        "CREATE SCHEMA IF NOT EXISTS analytics",
        "COMMENT ON SCHEMA analytics IS 'Read-only views for analysts and BI tools: no personal data. See docs/warehouse.md.'",
        """
        CREATE VIEW analytics.rides AS
        SELECT x.id AS ride_id, x.rider_id, x.bike_serial,
               \(base.pgInstant("x.start_time")) AS start_time,
               \(base.pgInstant("x.end_time")) AS end_time,
               \(pgLocal(base.pgInstant("x.start_time"))) AS start_time_local,
               (\(pgLocal(base.pgInstant("x.start_time"))))::date AS start_date_local,
               extract(hour FROM \(pgLocal(base.pgInstant("x.start_time"))))::integer AS start_hour_local,
               \(base.pgFlag("x.in_progress")) AS in_progress,
               lower(x.gender) AS gender,
               \(ageBand("x.age_at_start")) AS age_band,
               x.reading_count AS duration_s,
               x.reading_count,
               x.hr_sum::float8 / NULLIF(x.hr_count, 0) AS avg_heart_rate_bpm,
               x.hr_min AS min_heart_rate_bpm,
               x.hr_max AS max_heart_rate_bpm,
               x.power_sum / NULLIF(x.reading_count, 0) AS avg_power_w,
               x.power_max AS max_power_w,
               x.power_sum / 1000 AS total_energy_kj,
               x.rpm_sum::float8 / NULLIF(x.reading_count, 0) AS avg_rpm,
               x.resistance_sum::float8 / NULLIF(x.reading_count, 0) AS avg_resistance,
               \(base.pgFlag("x.alert_raised")) AS alert_raised
        FROM production.rides x
        """,
        """
        CREATE VIEW analytics.riders AS
        SELECT r.id AS rider_id,
               lower(r.gender) AS gender,
               \(ageBand(pgAgeToday("r.date_of_birth"))) AS age_band,
               coalesce(t.ride_count, 0)::bigint AS ride_count,
               \(base.pgInstant("t.first_start")) AS first_ride_start_time,
               \(base.pgInstant("t.last_start")) AS last_ride_start_time,
               coalesce(t.reading_count, 0)::bigint AS total_duration_s,
               t.hr_sum::float8 / NULLIF(t.hr_count, 0) AS avg_heart_rate_bpm,
               t.hr_max AS max_heart_rate_bpm,
               t.power_sum / NULLIF(t.reading_count, 0) AS avg_power_w,
               t.power_max AS max_power_w,
               coalesce(t.power_sum, 0) / 1000 AS total_energy_kj,
               coalesce(t.alert_count, 0)::bigint AS alert_count
        FROM production.riders r
        LEFT JOIN (
            SELECT rider_id, count(*) AS ride_count, min(\(base.time("start_time"))) AS \(base.time("first_start")),
                   max(\(base.time("start_time"))) AS \(base.time("last_start")), sum(reading_count)::bigint AS reading_count,
                   sum(hr_sum)::bigint AS hr_sum, sum(hr_count)::bigint AS hr_count, max(hr_max) AS hr_max,
                   sum(power_sum) AS power_sum, max(power_max) AS power_max, sum(\(base.pgFlagCount("alert_raised")))::bigint AS alert_count
            FROM production.rides GROUP BY rider_id
        ) t ON t.rider_id = r.id
        """,
        """
        CREATE VIEW analytics.daily AS
        WITH ride_days AS (
            SELECT x.id, x.rider_id, lower(x.gender) AS gender, x.age_at_start, x.\(base.time("start_time")), x.reading_count,
                   x.hr_sum, x.hr_count, x.power_sum, x.power_max, v.start_date_local AS day
            FROM production.rides x JOIN analytics.rides v ON v.ride_id = x.id
        ),
        calendar AS (
            SELECT d::date AS day
            FROM (SELECT min(day) AS first, max(day) AS last FROM ride_days) b,
                 generate_series(b.first::timestamp, b.last::timestamp, INTERVAL '1 day') d
        ),
        \(dailyAggregates(alerts: "production.alerts", startTime: base.time("start_time")))
        SELECT c.day AS date_local,
               \(dailyColumns)
        """,
        """
        CREATE VIEW analytics.readings AS
        SELECT r.ride_id, r.elapsed_s,
               \(base.pgInstant("r.time")) AS reading_time,
               r.heart_rate AS heart_rate_bpm, r.rpm, r.power_w, r.resistance,
               v.rider_id, v.bike_serial, v.gender, v.age_band,
               v.start_date_local AS ride_start_date_local
        FROM production.readings r JOIN analytics.rides v ON v.ride_id = r.ride_id
        """,
        ] + AnalyticsCatalog.all.flatMap { view in
            // Comments travel with the views: psql's \\d+, DBeaver and Tableau show them.
            ["COMMENT ON VIEW analytics.\(view.name) IS \(literal(view.meaning))"]
                + view.columns.map { "COMMENT ON COLUMN analytics.\(view.name).\($0.name) IS \(literal($0.meaning))" }
        }
    }

    /// The views in the order that drops them (each before the views it reads).
    static let postgresDrops = ["analytics.readings", "analytics.daily", "analytics.riders", "analytics.rides"].map { "DROP VIEW \($0)" }

    /// SQLite: views named `analytics_*` (SQLite has no schemas).
    ///
    /// SQLite has no zone database, so Europe/London is computed here: UTC+1 from 01:00 UTC on
    /// the last Sunday of March to 01:00 UTC on the last Sunday of October, UTC otherwise: the
    /// rule in force since 1996. Instants are ISO 8601 text in UTC (`...Z`), which sorts and
    /// compares as time does.
    static func sqlite(_ base: BaseLayout) -> [String] {
        let start = base.time("start_time")
        return [
        """
        CREATE VIEW analytics_rides AS
        SELECT id AS ride_id, rider_id, bike_serial,
               \(liteInstant(start)) AS start_time,
               \(liteInstant(base.time("end_time"))) AS end_time,
               strftime('%Y-%m-%dT%H:%M:%S', local_s, 'unixepoch') || printf('.%03d', \(start) % 1000000 / 1000)
                   AS start_time_local,
               date(local_s, 'unixepoch') AS start_date_local,
               CAST(strftime('%H', local_s, 'unixepoch') AS INTEGER) AS start_hour_local,
               in_progress,
               lower(gender) AS gender,
               \(ageBand("age_at_start")) AS age_band,
               reading_count AS duration_s,
               reading_count,
               hr_sum * 1.0 / NULLIF(hr_count, 0) AS avg_heart_rate_bpm,
               hr_min AS min_heart_rate_bpm,
               hr_max AS max_heart_rate_bpm,
               power_sum * 1.0 / NULLIF(reading_count, 0) AS avg_power_w,
               power_max AS max_power_w,
               power_sum / 1000.0 AS total_energy_kj,
               rpm_sum * 1.0 / NULLIF(reading_count, 0) AS avg_rpm,
               resistance_sum * 1.0 / NULLIF(reading_count, 0) AS avg_resistance,
               alert_raised
        FROM (
            SELECT s.*, start_s + \(londonOffset("start_s")) AS local_s
            FROM (SELECT rides.*, \(start) / 1000000 AS start_s FROM rides) s
        )
        """,
        """
        CREATE VIEW analytics_riders AS
        SELECT r.id AS rider_id,
               lower(r.gender) AS gender,
               \(ageBand(liteAgeToday("r.date_of_birth"))) AS age_band,
               coalesce(t.ride_count, 0) AS ride_count,
               \(liteInstant("t." + base.time("first_start"))) AS first_ride_start_time,
               \(liteInstant("t." + base.time("last_start"))) AS last_ride_start_time,
               coalesce(t.reading_count, 0) AS total_duration_s,
               t.hr_sum * 1.0 / NULLIF(t.hr_count, 0) AS avg_heart_rate_bpm,
               t.hr_max AS max_heart_rate_bpm,
               t.power_sum * 1.0 / NULLIF(t.reading_count, 0) AS avg_power_w,
               t.power_max AS max_power_w,
               CAST(coalesce(t.power_sum, 0) AS DOUBLE PRECISION) / 1000 AS total_energy_kj,
               coalesce(t.alert_count, 0) AS alert_count
        FROM riders r
        LEFT JOIN (
            SELECT rider_id, count(*) AS ride_count, min(\(start)) AS \(base.time("first_start")),
                   max(\(start)) AS \(base.time("last_start")), sum(reading_count) AS reading_count,
                   sum(hr_sum) AS hr_sum, sum(hr_count) AS hr_count, max(hr_max) AS hr_max,
                   sum(power_sum) AS power_sum, max(power_max) AS power_max, sum(alert_raised) AS alert_count
            FROM rides GROUP BY rider_id
        ) t ON t.rider_id = r.id
        """,
        """
        CREATE VIEW analytics_daily AS
        WITH RECURSIVE ride_days AS MATERIALIZED (
            SELECT x.id, x.rider_id, lower(x.gender) AS gender, x.age_at_start, x.\(start), x.reading_count,
                   x.hr_sum, x.hr_count, x.power_sum, x.power_max, v.start_date_local AS day
            FROM rides x JOIN analytics_rides v ON v.ride_id = x.id
        ),
        bounds AS MATERIALIZED (
            SELECT min(day) AS first, max(day) AS last FROM ride_days
        ),
        calendar(day) AS (
            SELECT first FROM bounds WHERE first IS NOT NULL
            UNION ALL
            SELECT date(c.day, '+1 day') FROM calendar c, bounds b WHERE c.day < b.last
        ),
        \(dailyAggregates(alerts: "alerts", startTime: start))
        SELECT c.day AS date_local,
               \(dailyColumns)
        """,
        """
        CREATE VIEW analytics_readings AS
        SELECT r.ride_id, r.elapsed_s,
               \(liteInstant("r." + base.time("time"))) AS reading_time,
               r.heart_rate AS heart_rate_bpm, r.rpm, r.power_w, r.resistance,
               v.rider_id, v.bike_serial, v.gender, v.age_band,
               v.start_date_local AS ride_start_date_local
        FROM readings r JOIN analytics_rides v ON v.ride_id = r.ride_id
        """,
        ]
    }

    /// The views in the order that drops them.
    static let sqliteDrops = ["analytics_readings", "analytics_daily", "analytics_riders", "analytics_rides"].map { "DROP VIEW \($0)" }

    // MARK: - Shared pieces

    /// The day's totals, its riders (each counted once, by their first ride of the day, as
    /// `DailyStats` counts them) and its alerts, over `ride_days` (one row per ride with its `day`).
    static func dailyAggregates(alerts: String, startTime: String) -> String {
        """
        totals AS (
            SELECT day, count(*) AS ride_count, count(DISTINCT rider_id) AS rider_count,
                   sum(hr_sum) AS hr_sum, sum(hr_count) AS hr_count, sum(power_sum) AS power_sum,
                   sum(reading_count) AS reading_count, max(reading_count) AS longest, max(power_max) AS max_power
            FROM ride_days GROUP BY day
        ),
        first_rides AS (
            SELECT day, gender, age_at_start FROM (
                SELECT day, gender, age_at_start,
                       row_number() OVER (PARTITION BY day, rider_id ORDER BY \(startTime), id) AS nth
                FROM ride_days
            ) ranked WHERE nth = 1
        ),
        day_riders AS (
            SELECT day,
                   sum(CASE WHEN gender = 'female' THEN 1 ELSE 0 END) AS female,
                   sum(CASE WHEN gender = 'male' THEN 1 ELSE 0 END) AS male,
                   sum(CASE WHEN gender IN ('female', 'male') THEN 0 ELSE 1 END) AS other,
                   sum(CASE WHEN age_at_start < 25 THEN 1 ELSE 0 END) AS under_25,
                   sum(CASE WHEN age_at_start BETWEEN 25 AND 34 THEN 1 ELSE 0 END) AS a25_34,
                   sum(CASE WHEN age_at_start BETWEEN 35 AND 44 THEN 1 ELSE 0 END) AS a35_44,
                   sum(CASE WHEN age_at_start BETWEEN 45 AND 54 THEN 1 ELSE 0 END) AS a45_54,
                   sum(CASE WHEN age_at_start BETWEEN 55 AND 64 THEN 1 ELSE 0 END) AS a55_64,
                   sum(CASE WHEN age_at_start >= 65 THEN 1 ELSE 0 END) AS a65_plus
            FROM first_rides GROUP BY day
        ),
        day_alerts AS (
            SELECT d.day, count(*) AS alert_count FROM \(alerts) a JOIN ride_days d ON d.id = a.ride_id GROUP BY d.day
        )
        """
    }

    /// The daily view's columns over `calendar c` and the aggregates; days without rides give
    /// zero counts and null averages, as `DailyFigures.empty`.
    static let dailyColumns = """
        coalesce(t.ride_count, 0) AS ride_count,
               coalesce(t.rider_count, 0) AS rider_count,
               coalesce(g.female, 0) AS riders_female,
               coalesce(g.male, 0) AS riders_male,
               coalesce(g.other, 0) AS riders_other_gender,
               coalesce(g.under_25, 0) AS riders_under_25,
               coalesce(g.a25_34, 0) AS riders_25_34,
               coalesce(g.a35_44, 0) AS riders_35_44,
               coalesce(g.a45_54, 0) AS riders_45_54,
               coalesce(g.a55_64, 0) AS riders_55_64,
               coalesce(g.a65_plus, 0) AS riders_65_plus,
               CAST(t.hr_sum AS DOUBLE PRECISION) / NULLIF(t.hr_count, 0) AS avg_heart_rate_bpm,
               CAST(t.power_sum AS DOUBLE PRECISION) / NULLIF(t.reading_count, 0) AS avg_power_w,
               CAST(coalesce(t.power_sum, 0) AS DOUBLE PRECISION) / 1000 AS total_energy_kj,
               t.longest AS longest_ride_s,
               t.max_power AS max_power_w,
               coalesce(a.alert_count, 0) AS alert_count
        FROM calendar c
        LEFT JOIN totals t ON t.day = c.day
        LEFT JOIN day_riders g ON g.day = c.day
        LEFT JOIN day_alerts a ON a.day = c.day
        """

    static func ageBand(_ age: String) -> String {
        """
        CASE WHEN \(age) < 25 THEN '<25' WHEN \(age) < 35 THEN '25-34' WHEN \(age) < 45 THEN '35-44' \
        WHEN \(age) < 55 THEN '45-54' WHEN \(age) < 65 THEN '55-64' ELSE '65+' END
        """
    }

    // MARK: - PostgreSQL pieces

    /// Exact: integer microseconds times an interval, no floating-point seconds.
    static func pgInstant(_ micros: String) -> String {
        "(TIMESTAMPTZ 'epoch' + \(micros) * INTERVAL '1 microsecond')"
    }

    /// Wall-clock time in Europe/London of a `timestamptz`.
    static func pgLocal(_ instant: String) -> String {
        "(\(instant) AT TIME ZONE 'Europe/London')"
    }

    /// Whole years on today's date in Europe/London: one less until the birthday's month and day.
    static func pgAgeToday(_ dob: String) -> String {
        let today = "(now() AT TIME ZONE 'Europe/London')::date"
        return """
            (extract(year FROM \(today))::integer - extract(year FROM \(dob))::integer \
            - CASE WHEN to_char(\(today), 'MM-DD') < to_char(\(dob), 'MM-DD') THEN 1 ELSE 0 END)
            """
    }

    static func literal(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "''") + "'"
    }

    // MARK: - SQLite pieces

    /// `YYYY-MM-DDTHH:MM:SS.sssZ`, milliseconds cut as the API cuts them; null stays null.
    static func liteInstant(_ micros: String) -> String {
        """
        strftime('%Y-%m-%dT%H:%M:%S', \(micros) / 1000000, 'unixepoch') || printf('.%03dZ', \(micros) % 1000000 / 1000)
        """
    }

    /// Europe/London's offset in seconds at `seconds` since the epoch (UTC), by the EU rule.
    static func londonOffset(_ seconds: String) -> String {
        func lastSunday(_ monthsAfterJanuary: Int) -> String {
            "CAST(strftime('%s', date(\(seconds), 'unixepoch', 'start of year', '+\(monthsAfterJanuary) months', '+24 days', 'weekday 0')) AS INTEGER) + 3600"
        }
        return "(CASE WHEN \(seconds) >= \(lastSunday(2)) AND \(seconds) < \(lastSunday(9)) THEN 3600 ELSE 0 END)"
    }

    /// Whole years on today's date in Europe/London (dates are `YYYY-MM-DD` text).
    static func liteAgeToday(_ dob: String) -> String {
        let now = "CAST(strftime('%s', 'now') AS INTEGER)"
        let today = "date(\(now) + \(londonOffset(now)), 'unixepoch')"
        return """
            (CAST(substr(\(today), 1, 4) AS INTEGER) - CAST(substr(\(dob), 1, 4) AS INTEGER) \
            - CASE WHEN substr(\(today), 6, 5) < substr(\(dob), 6, 5) THEN 1 ELSE 0 END)
            """
    }
}
