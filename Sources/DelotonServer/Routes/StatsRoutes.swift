import DelotonCore
import DelotonStore
import Hummingbird

/// `/stats/daily` (the daily report's figures) and `/leaderboard`.
struct StatsRoutes: Sendable {
    let env: APIEnvironment

    func add(to router: Router<APIRequestContext>) {
        router.get("/stats/daily", use: daily)
        router.get("/leaderboard", use: leaderboard)
    }

    /// `date` as `/daily` takes it: `DD-MM-YYYY` or `YYYY-MM-DD`, default today in the display zone.
    static func day(_ q: QueryParameters, default today: CivilDate) throws -> CivilDate {
        guard let raw = q["date"] else { return today }
        guard let day = DayParser.day(raw, allowDayFirst: true) else {
            throw APIError.badRequest("query parameter 'date' must be a day that exists, as DD-MM-YYYY or YYYY-MM-DD (got '\(QueryParameters.clip(raw))')")
        }
        return day
    }

    @Sendable func daily(_ request: Request, context: APIRequestContext) async throws -> Response {
        let day = try Self.day(QueryParameters(request), default: env.today)
        let report = try await DailyStats(env.reads).report(for: day, zone: env.zone)
        var w = JSONWriter(capacity: 2048)
        w.object { w in
            w.field("date", report.date.description)
            Self.figures(report.figures, into: &w)
            w.key("previous_day")
            w.object { w in Self.figures(report.previousDay, into: &w) }
            w.key("previous_7_days")
            w.object { w in Self.figures(report.previous7Days, into: &w) }
        }
        return Responses.json(w)
    }

    static func figures(_ f: DailyFigures, into w: inout JSONWriter) {
        w.field("ride_count", f.rideCount)
        w.field("rider_count", f.riderCount)
        w.key("riders_by_gender")
        w.object { w in for key in f.ridersByGender.keys.sorted() { w.field(key, f.ridersByGender[key]) } }
        w.key("riders_by_age_group")
        w.object { w in for key in AgeGroup.labels { w.field(key, f.ridersByAgeGroup[key] ?? 0) } }
        w.field("avg_heart_rate", f.avgHeartRate)
        w.field("avg_power_w", f.avgPowerW)
        w.field("total_energy_kj", f.totalEnergyKJ)
        w.field("longest_ride_s", f.longestRideS)
        w.field("max_power_w", f.maxPowerW)
        w.field("alert_count", f.alertCount)
    }

    static let periods = ["day", "week", "month", "year", "all"]

    /// `GET /leaderboard?metric=energy|power|duration&period=day|week|month|year|all&limit=`.
    /// A period ends with today (display zone) and spans 1, 7, 30 or 365 local days.
    @Sendable func leaderboard(_ request: Request, context: APIRequestContext) async throws -> Response {
        let q = QueryParameters(request)
        let metric = LeaderboardMetric(rawValue: try q.oneOf("metric", LeaderboardMetric.allCases.map(\.rawValue)) ?? "energy") ?? .energy
        let period = try q.oneOf("period", Self.periods) ?? "all"
        let limit = Int(try q.integer("limit", in: 1...100) ?? 10)
        let today = env.today
        let days: Int? = ["day": 1, "week": 7, "month": 30, "year": 365][period]
        let range = days.map { env.zone.interval(of: today.adding(days: 1 - $0)).lowerBound..<env.zone.interval(of: today).upperBound }
        let entries = try await Leaderboard(env.reads).top(metric, period: range, limit: limit)
        if Responses.wantsCSV(request) {
            return Responses.csv(CSV.document(header: ["rank", "rider_id", "name", "value", "ride_count"], rows: entries.map {
                [String($0.rank), String($0.riderID), $0.name, JSONWriter.number($0.value), String($0.rideCount)]
            }))
        }
        var w = JSONWriter(capacity: 128 * entries.count + 128)
        w.object { w in
            w.field("metric", metric.rawValue)
            w.field("unit", ["energy": "kJ", "power": "W", "duration": "s"][metric.rawValue])
            w.field("period", period)
            w.field("since", range.map { env.zone.iso8601($0.lowerBound) })
            w.field("until", range.map { env.zone.iso8601($0.upperBound) })
            w.key("entries")
            w.array { w in
                for e in entries {
                    w.object { w in
                        w.field("rank", e.rank)
                        w.field("rider_id", e.riderID)
                        w.field("name", e.name)
                        w.field("value", e.value)
                        w.field("ride_count", e.rideCount)
                    }
                }
            }
        }
        return Responses.json(w)
    }
}
