import DelotonCore
import DelotonStore
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
@testable import DelotonServer

@Suite struct RideRouteTests {
    @Test(arguments: Backend.allCases) func rideShowsTheDocumentedFigures(_ backend: Backend) async throws {
        let fixture = try await Fixture.make(backend)
        defer { Task { await fixture.close() } }
        let calm = try #require(try await RideQueries(fixture.warehouse.sql).rides(riderID: Fixture.otherRiderID).first)
        try await fixture.test { client async throws in
            let answer = try await client.call("/ride/\(calm.id)")
            #expect(answer.status == .ok)
            #expect(answer.headers[.contentType]?.hasPrefix("application/json") == true)
            let ride = answer.object
            #expect(ride["id"] as? Int == Int(calm.id))
            #expect(ride["rider_id"] as? Int == 901)
            #expect(ride["bike_serial"] as? String == "SN0901")
            // First reading one second after the [SYSTEM] line, shown in London summer time.
            #expect(ride["start_time"] as? String == "2022-07-25T09:00:01.000+01:00")
            #expect(ride["end_time"] as? String == "2022-07-25T09:00:30.000+01:00")
            #expect(ride["in_progress"] as? Bool == false)
            #expect(ride["duration_s"] as? Int == 30)
            #expect(ride["reading_count"] as? Int == 30)
            // hr = 90 + s for s in 1...30: mean 105.5, min 91, max 120.
            #expect(ride["avg_heart_rate"] as? Double == 105.5)
            #expect(ride["min_heart_rate"] as? Int == 91)
            #expect(ride["max_heart_rate"] as? Int == 120)
            // power = s / 10: sum 46.5 W·s over 30 readings.
            #expect(abs((ride["avg_power_w"] as? Double ?? 0) - 1.55) < 1e-12)
            #expect(ride["max_power_w"] as? Double == 3)
            #expect(abs((ride["total_energy_kj"] as? Double ?? 0) - 0.0465) < 1e-12)
            #expect(ride["avg_rpm"] as? Double == 60)
            #expect(ride["avg_resistance"] as? Double == 40)
            #expect(ride["alert_sent"] as? Bool == false)
            #expect(ride["readings"] == nil)
        }
    }

    @Test(arguments: Backend.allCases) func expandedRideAddsReadingsAndAlertedRideSaysSo(_ backend: Backend) async throws {
        let fixture = try await Fixture.make(backend)
        defer { Task { await fixture.close() } }
        let alerted = try #require(try await RideQueries(fixture.warehouse.sql).rides(riderID: Fixture.alertRiderID).first)
        try await fixture.test { client async throws in
            let answer = try await client.call("/ride/\(alerted.id)?expanded=true")
            #expect(answer.status == .ok)
            #expect(answer.object["alert_sent"] as? Bool == true)
            let readings = try #require(answer.object["readings"] as? [[String: Any]])
            #expect(readings.count == 120)
            #expect(readings[0]["elapsed_s"] as? Int == 1)
            #expect(readings[0]["time"] as? String == "2022-07-25T16:12:33.000+01:00")
            #expect(readings[0]["heart_rate"] as? Int == 0)
            #expect(readings[0]["rpm"] as? Int == 60)
            #expect(readings[0]["power_w"] as? Double == 0.1)
            #expect(readings[0]["resistance"] as? Int == 40)
            // Heart rate 0 counts toward duration, never toward heart-rate figures.
            #expect(answer.object["avg_heart_rate"] as? Double == 205)
            #expect(answer.object["min_heart_rate"] as? Int == 205)

            let plain = try await client.call("/ride/\(alerted.id)?expanded=false&unknown=1")
            #expect(plain.status == .ok)
            #expect(plain.object["readings"] == nil)
        }
    }

    @Test(arguments: Backend.allCases) func displayZoneDecidesTheOffset(_ backend: Backend) async throws {
        let fixture = try await Fixture.make(backend)
        defer { Task { await fixture.close() } }
        let calm = try #require(try await RideQueries(fixture.warehouse.sql).rides(riderID: Fixture.otherRiderID).first)
        var config = fixture.config
        config.displayZone = Zone(identifier: "America/New_York")!
        try await fixture.test(config: config) { client async throws in
            let answer = try await client.call("/ride/\(calm.id)")
            #expect(answer.object["start_time"] as? String == "2022-07-25T04:00:01.000-04:00")
        }
    }

    @Test(arguments: ["/ride/abc", "/ride/0", "/ride/-1", "/ride/1.5", "/ride/99999999999999999999",
                      "/ride/9223372036854775808", "/ride/%20", "/ride/1?expanded=yes", "/ride/1?expanded="])
    func malformedInputIs400(_ uri: String) async throws {
        let fixture = try await Fixture.make()
        defer { Task { await fixture.close() } }
        try await fixture.test { client async throws in
            let answer = try await client.call(uri)
            #expect(answer.status == .badRequest, "\(uri)")
            #expect(answer.errorShape?.code == 400)
            #expect(answer.errorShape?.type == "bad_request")
        }
    }

    @Test(arguments: Backend.allCases) func unknownRideIs404WithTheErrorShape(_ backend: Backend) async throws {
        let fixture = try await Fixture.make(backend)
        defer { Task { await fixture.close() } }
        try await fixture.test { client async throws in
            let answer = try await client.call("/ride/9223372036854775807")
            #expect(answer.status == .notFound)
            #expect(answer.errorShape?.code == 404)
            #expect(answer.errorShape?.type == "not_found")
            #expect(answer.errorShape?.message == "No ride with id 9223372036854775807")
        }
    }

    @Test(arguments: Backend.allCases) func dailyListsTheLocalDayOldestFirstInBothDateForms(_ backend: Backend) async throws {
        let fixture = try await Fixture.make(backend)
        defer { Task { await fixture.close() } }
        try await fixture.test { client async throws in
            let dayFirst = try await client.call("/daily?date=25-07-2022")
            #expect(dayFirst.status == .ok)
            let riders = dayFirst.array.map { $0["rider_id"] as? Int }
            #expect(riders == [901, 900, 900])
            let iso = try await client.call("/daily?date=2022-07-25")
            #expect(iso.body == dayFirst.body)
            // The real sample rode late on 6 July 2022 (London).
            let sample = try await client.call("/daily?date=06-07-2022")
            #expect(sample.array.count >= 1)
            #expect(sample.array.allSatisfy { ($0["start_time"] as? String)?.hasPrefix("2022-07-06T") == true })
            // Default: today in the display zone (pinned: 2026-01-15), which has no rides.
            let today = try await client.call("/daily")
            #expect(today.status == .ok)
            #expect(today.array.isEmpty)
            for bad in ["32-13-2022", "31-02-2022", "2022-02-30", "25/07/2022", "yesterday", "", "2022-7-25"] {
                let answer = try await client.call("/daily?date=\(bad)")
                #expect(answer.status == .badRequest, "\(bad)")
                #expect(answer.errorShape?.type == "bad_request")
            }
        }
    }

    @Test(arguments: Backend.allCases) func ridesListFiltersAndPagesWithANextLink(_ backend: Backend) async throws {
        let fixture = try await Fixture.make(backend)
        defer { Task { await fixture.close() } }
        try await fixture.test { client async throws in
            let all = try await client.call("/rides?limit=1000")
            #expect(all.status == .ok)
            let everything = try #require(all.object["rides"] as? [[String: Any]])
            #expect(everything.count >= 4)
            #expect(all.object["next"] is NSNull)

            var seen: [Int] = []
            var uri: String? = "/rides?limit=2"
            while let next = uri {
                let page = try await client.call(next)
                #expect(page.status == .ok)
                seen += (page.object["rides"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? Int }
                uri = page.object["next"] as? String
                if let uri { #expect(page.headers[Responses.link] == "<\(uri)>; rel=\"next\"") }
            }
            #expect(seen == everything.compactMap { $0["id"] as? Int })

            let filtered = try await client.call("/rides?since=2022-07-25&until=2022-07-25&gender=FEMALE&min_age=30&max_age=40&bike=SN0900")
            #expect((filtered.object["rides"] as? [[String: Any]])?.count == 2)
            let byRider = try await client.call("/rides?rider=901")
            #expect((byRider.object["rides"] as? [[String: Any]])?.map { $0["rider_id"] as? Int } == [901])
            let byInstant = try await client.call("/rides?since=2022-07-25T19:00:00Z&until=2022-07-25T20:00:01.5%2B01:00")
            #expect((byInstant.object["rides"] as? [[String: Any]])?.count == 1)
            let old = try await client.call("/rides?min_age=70")
            #expect((old.object["rides"] as? [[String: Any]])?.map { $0["rider_id"] as? Int } == [901])

            for bad in ["limit=0", "limit=1001", "limit=abc", "limit=99999999999999999999999", "cursor=abc",
                        "cursor=1_2_3", "since=2022-13-01", "until=nope", "rider=0", "min_age=-1", "max_age=201",
                        "bike=%00"] {
                let answer = try await client.call("/rides?\(bad)")
                #expect(answer.status == .badRequest, "\(bad)")
                #expect(answer.errorShape?.code == 400)
            }
        }
    }

    @Test(arguments: Backend.allCases) func listsAnswerCSVWhenAsked(_ backend: Backend) async throws {
        let fixture = try await Fixture.make(backend)
        defer { Task { await fixture.close() } }
        try await fixture.test { client async throws in
            let csv: HTTPFields = [.accept: "text/csv"]
            for uri in ["/rides", "/riders", "/daily?date=2022-07-25", "/rider/900/rides", "/leaderboard"] {
                let answer = try await client.call(uri, headers: csv)
                #expect(answer.status == .ok, "\(uri)")
                #expect(answer.headers[.contentType]?.hasPrefix("text/csv") == true, "\(uri)")
                #expect(answer.body.split(separator: "\r\n").count >= 2, "\(uri)")
            }
            let daily = try await client.call("/daily?date=2022-07-25", headers: csv)
            let lines = daily.body.split(separator: "\r\n")
            #expect(lines[0].hasPrefix("id,rider_id,bike_serial,start_time,end_time"))
            #expect(lines.count == 4)
        }
    }
}
