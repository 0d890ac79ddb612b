import DelotonCore
import DelotonStore
import Foundation

/// Everything the daily report shows for one local day (domain.md, Daily report), gathered from
/// the warehouse by aggregate queries. A plain value: HTML, PDF, JSON and the email are all
/// rendered from it, so they cannot disagree.
public struct DailyReport: Sendable {
    /// One day of the 7-day trend.
    public struct TrendDay: Sendable, Equatable {
        public var date: CivilDate
        public var figures: DailyFigures
    }

    public var date: CivilDate
    /// The zone that decided which rides belong to the day, and in which its times are shown.
    public var zone: Zone
    /// The zone's name, e.g. `Europe/London`.
    public var zoneIdentifier: String { zone.identifier }
    public var figures: DailyFigures
    public var previousDay: DailyFigures
    /// The per-day mean of the 7 days before `date`.
    public var previous7Days: DailyFigures
    /// The 7 days before `date` and `date` itself, oldest first.
    public var trend: [TrendDay]
    /// Local clock hour ("00"..."23") of each entry of `ridesPerHour`; a day on which the clocks
    /// change has 23 or 25 of them.
    public var hourLabels: [String]
    public var ridesPerHour: [Int]
    public var heartRateBinWidth: Int
    public var heartRateBins: [ValueBin]
    public var powerBinWidth: Int
    public var powerBins: [ValueBin]
    /// Riders ranked by total energy over the day's rides.
    public var topRiders: [LeaderboardEntry]
    public var longestRide: RideHighlight?
    public var mostPowerfulRide: RideHighlight?
    public var alerts: [DayAlert]
    public var generatedAt: Instant

    /// No ride started on the day: the report says so instead of failing.
    public var isEmpty: Bool { figures.rideCount == 0 }

    /// Reads the figures of `day` (a local day in `zone`) with their comparisons.
    public static func build(day: CivilDate, warehouse: any Warehouse, zone: Zone, topRiderCount: Int = 10,
                             now: Instant = Instant(seconds: Date().timeIntervalSince1970)) async throws -> DailyReport {
        try await build(day: day, sql: warehouse.sql, zone: zone, topRiderCount: topRiderCount, now: now)
    }

    public static func build(day: CivilDate, sql: any SQLExecutor, zone: Zone, topRiderCount: Int = 10,
                             now: Instant = Instant(seconds: Date().timeIntervalSince1970)) async throws -> DailyReport {
        let interval = zone.interval(of: day)
        let breakdown = DailyBreakdown(sql)
        let hrWidth = RideHistogram.heartRateWidth, powerWidth = RideHistogram.powerWidth
        async let heartRates = breakdown.heartRateDistribution(day: interval)
        async let powers = breakdown.powerDistribution(day: interval)

        let stats = DailyStats(sql)
        var trend: [TrendDay] = []
        for back in stride(from: 7, through: 0, by: -1) {
            let date = day.adding(days: -back)
            trend.append(TrendDay(date: date, figures: try await stats.figures(startingIn: zone.interval(of: date))))
        }
        let before = trend.dropLast().reversed().map(\.figures)
        let perHour = try await breakdown.ridesPerHour(day: interval)
        let report = DailyReport(
            date: day, zone: zone,
            figures: trend[trend.count - 1].figures,
            previousDay: before.first ?? .empty,
            previous7Days: DailyFigures.mean(of: Array(before)),
            trend: trend,
            hourLabels: hourLabels(count: perHour.count, from: interval.lowerBound, zone: zone),
            ridesPerHour: perHour,
            heartRateBinWidth: hrWidth, heartRateBins: try await heartRates,
            powerBinWidth: powerWidth, powerBins: try await powers,
            topRiders: try await Leaderboard(sql).top(.energy, period: interval, limit: topRiderCount),
            longestRide: try await breakdown.longestRide(day: interval),
            mostPowerfulRide: try await breakdown.mostPowerfulRide(day: interval),
            alerts: try await breakdown.alerts(day: interval),
            generatedAt: now)
        return report
    }

    /// The local clock hour at the start of each elapsed hour of the day.
    static func hourLabels(count: Int, from start: Instant, zone: Zone) -> [String] {
        (0..<count).map { hour in
            let instant = Instant(microseconds: start.microseconds + Int64(hour) * 3_600_000_000)
            return ReportFormat.clock(instant, zone: zone, withMinutes: false)
        }
    }
}
