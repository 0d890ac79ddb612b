import DelotonCore
import DelotonStore
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
@testable import DelotonServer

@Suite struct StatsRouteTests {
    @Test(arguments: Backend.allCases) func dailyStatsAreTheReportFigures(_ backend: Backend) async throws {
        let fixture = try await Fixture.make(backend)
        defer { Task { await fixture.close() } }
        try await fixture.test { client async throws in
            let answer = try await client.call("/stats/daily?date=25-07-2022")
            #expect(answer.status == .ok)
            let s = answer.object
            #expect(s["date"] as? String == "2022-07-25")
            #expect(s["ride_count"] as? Double == 3)
            #expect(s["rider_count"] as? Double == 2)
            #expect(s["riders_by_gender"] as? [String: Double] == ["female": 1, "male": 1])
            #expect(s["riders_by_age_group"] as? [String: Double] == ["<25": 0, "25-34": 1, "35-44": 0, "45-54": 0, "55-64": 0, "65+": 1])
            let hrSum = 111 * 205 + 60 * 110 + (91...120).reduce(0, +)
            #expect(s["avg_heart_rate"] as? Double == Double(hrSum) / Double(111 + 60 + 30))
            #expect(s["longest_ride_s"] as? Double == 120)
            #expect(s["max_power_w"] as? Double == 12)
            #expect(s["alert_count"] as? Double == 1)
            let previous = try #require(s["previous_day"] as? [String: Any])
            #expect(previous["ride_count"] as? Double == 0)
            #expect(previous["avg_heart_rate"] is NSNull)
            #expect(s["previous_7_days"] is [String: Any])
            #expect(try await client.call("/stats/daily?date=2022-02-29").status == .badRequest)
        }
    }

    @Test(arguments: Backend.allCases) func leaderboardRanksRiders(_ backend: Backend) async throws {
        let fixture = try await Fixture.make(backend)
        defer { Task { await fixture.close() } }
        try await fixture.test { client async throws in
            let duration = try await client.call("/leaderboard?metric=duration&period=all")
            #expect(duration.status == .ok)
            let entries = try #require(duration.object["entries"] as? [[String: Any]])
            let values = entries.compactMap { $0["value"] as? Double }
            #expect(values == values.sorted(by: >))
            #expect(entries.first { $0["rider_id"] as? Int == 900 }?["value"] as? Double == 180)
            #expect(entries.first?["rank"] as? Int == 1)
            let power = try await client.call("/leaderboard?metric=power&limit=1")
            #expect((power.object["entries"] as? [[String: Any]])?.count == 1)
            // Nothing was ridden in the week before the pinned today.
            let week = try await client.call("/leaderboard?period=week")
            #expect((week.object["entries"] as? [[String: Any]])?.isEmpty == true)
            for bad in ["metric=speed", "period=decade", "limit=101"] {
                #expect(try await client.call("/leaderboard?\(bad)").status == .badRequest, "\(bad)")
            }
        }
    }
}
