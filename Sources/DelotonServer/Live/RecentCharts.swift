import DelotonCore
import DelotonStore

/// `/api/recent/charts`: what the page's recent-ride charts draw, added up by the warehouse
/// (`RecentSummary`), a few hundred numbers whatever the window holds. The table beside them
/// reads `/api/recent` a page at a time.
enum RecentCharts {
    /// The steps of the start-time charts: a dozen to a few dozen bars across the window.
    static func startStep(hours: Int) -> Int64 {
        let minute: Int64 = 60_000
        switch hours {
        case ...1: return 5 * minute
        case ...3: return 10 * minute
        case ...12: return 30 * minute
        case ...24: return 60 * minute
        case ...72: return 180 * minute
        default: return 360 * minute
        }
    }

    /// The effort chart's step: the first round step with at most 120 across the window.
    static func effortStep(spanMs: Int64) -> Int64 {
        let steps: [Int64] = [60, 120, 300, 600, 900, 1800, 3600, 7200, 10800].map { $0 * 1000 }
        return steps.first { spanMs <= 120 * $0 } ?? steps[steps.count - 1]
    }

    /// Steps of `size` from the one holding `fromMs` to the one holding `toMs`.
    static func steps(fromMs: Int64, toMs: Int64, size: Int64) -> RecentSummary.Steps {
        let origin = fromMs - ((fromMs % size) + size) % size
        let count = (toMs - origin + size - 1) / size
        return RecentSummary.Steps(originMs: origin, stepMs: size, count: Int(max(1, count)))
    }

    static func json(_ request: RecentRequest, warehouse: any Warehouse, now: Instant, zone: Zone) async throws -> String {
        let from = now.microseconds - Int64(request.hours) * 3_600_000_000
        let (fromMs, toMs) = (from / 1000, now.microseconds / 1000)
        let starts = steps(fromMs: fromMs, toMs: toMs, size: startStep(hours: request.hours))
        let effort = steps(fromMs: fromMs, toMs: toMs, size: effortStep(spanMs: toMs - fromMs))
        // A minute of slack for bikes whose clocks run a little ahead of the server's, as `/api/recent`.
        let s = try await RecentSummary.load(on: warehouse.sql, fromUs: from, toUs: now.microseconds + 60_000_000,
                                             filter: request.filter, starts: starts, effort: effort)
        var j = LiveBoard.writer(capacity: 4096)
        j.object { j in
            j.field("from", zone.iso8601(Instant(microseconds: from)))
            j.field("to", zone.iso8601(now))
            j.field("from_ms", fromMs)
            j.field("to_ms", toMs)
            j.field("hours", request.hours)
            j.field("zone", zone.identifier)
            j.key("totals")
            j.object { j in
                j.field("rides", s.all.rides)
                j.field("riders", s.all.riders)
                j.field("alerts", s.all.alerts)
                j.field("seconds", s.all.seconds)
                j.key("energy_kj"); j.double(s.all.powerSum / 1000, places: 2)
                j.key("avg_power_w"); j.double(s.all.averagePower, places: 1)
                j.key("avg_hr"); j.double(s.all.averageHeartRate, places: 1)
            }
            for (name, groups, figures) in [("genders", RecentSummary.genders, s.byGender), ("ages", RecentSummary.ageGroups, s.byAge)] {
                j.key(name)
                j.object { j in
                    j.key("names"); j.array { j in for g in groups { j.string(g) } }
                    j.key("rides"); j.array { j in for f in figures { j.int(f.rides) } }
                    j.key("riders"); j.array { j in for f in figures { j.int(f.riders) } }
                }
            }
            j.key("starts")
            j.object { j in
                j.field("origin_ms", starts.originMs)
                j.field("step_ms", starts.stepMs)
                j.key("seconds"); j.array { j in for f in s.byStart { j.int(f.seconds) } }
                j.key("energy_kj"); j.array { j in for f in s.byStart { j.double(f.powerSum / 1000, places: 3) } }
                j.key("resistance_sum"); j.array { j in for f in s.byStart { j.int(f.resistanceSum) } }
            }
            j.key("effort")
            j.object { j in
                j.field("origin_ms", effort.originMs)
                j.field("step_ms", effort.stepMs)
                j.key("avg_hr"); j.array { j in for e in s.effort { j.double(e.averageHeartRate, places: 1) } }
                j.key("avg_power_w"); j.array { j in for e in s.effort { j.double(e.averagePower, places: 1) } }
                j.key("min_hr"); j.array { j in for e in s.effort { j.int(e.lowestHeartRate) } }
                j.key("max_hr"); j.array { j in for e in s.effort { j.int(e.highestHeartRate) } }
            }
            j.key("heart_rate")
            j.object { j in
                j.field("from_bpm", RecentSummary.heartRateBands[0])
                j.field("step_bpm", 10)
                j.key("rides"); j.array { j in for n in s.heartRateRides { j.int(n) } }
            }
        }
        return j.text
    }
}
