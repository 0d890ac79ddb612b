import DelotonCore
import DelotonStore
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
@testable import DelotonServer

@Suite struct RiderRouteTests {
    @Test(arguments: Backend.allCases) func riderShowsTheLatestProfileAgeTodayAndFiguresOverAllRides(_ backend: Backend) async throws {
        let fixture = try await Fixture.make(backend)
        defer { Task { await fixture.close() } }
        try await fixture.test { client async throws in
            let answer = try await client.call("/rider/900")
            #expect(answer.status == .ok)
            let r = answer.object
            #expect(r["id"] as? Int == 900)
            #expect(r["name"] as? String == "Dr Ada M. Byron-King")
            #expect(r["title"] as? String == "Dr")
            #expect(r["first_name"] as? String == "Ada")
            #expect(r["last_name"] as? String == "Byron-King")
            #expect(r["gender"] as? String == "female")
            #expect(r["date_of_birth"] as? String == "1990-05-20")
            #expect(r["age"] as? Int == 35)  // on the pinned today, 2026-01-15
            #expect(r["email"] as? String == "ada.new@example.com")  // the later ride's address
            let address = try #require(r["address"] as? [String: Any])
            #expect(address["lines"] as? [String] == ["1 High Street", "Flat 2"])
            #expect(address["city"] as? String == "London")
            #expect(address["postcode"] as? String == "EC1A 1AA")
            #expect(address["postcode_valid"] as? Bool == true)
            #expect(r["height_cm"] as? Int == 180)
            #expect(r["weight_kg"] as? Int == 80)
            #expect(r["account_created"] as? String == "2022-01-01")
            #expect(r["original_source"] as? String == "offline")
            #expect(r["ride_count"] as? Int == 2)
            // 111 readings at 205 and 60 at 110 (hr = 0 readings left out).
            #expect(r["avg_heart_rate"] as? Double == Double(111 * 205 + 60 * 110) / 171)
        }
    }

    @Test(arguments: Backend.allCases) func riderRidesOldestFirstAndErrors(_ backend: Backend) async throws {
        let fixture = try await Fixture.make(backend)
        defer { Task { await fixture.close() } }
        try await fixture.test { client async throws in
            let rides = try await client.call("/rider/900/rides")
            #expect(rides.status == .ok)
            let starts = rides.array.compactMap { $0["start_time"] as? String }
            #expect(starts.count == 2)
            #expect(starts == starts.sorted())
            #expect(try await client.call("/rider/424242/rides").status == .notFound)
            #expect(try await client.call("/rider/424242").errorShape?.message == "No rider with id 424242")
            for bad in ["/rider/x", "/rider/0", "/rider/18446744073709551616", "/rider/x/rides"] {
                let answer = try await client.call(bad)
                #expect(answer.status == .badRequest, "\(bad)")
                #expect(answer.errorShape?.type == "bad_request")
            }
        }
    }

    @Test(arguments: Backend.allCases) func ridersListFiltersAndPages(_ backend: Backend) async throws {
        let fixture = try await Fixture.make(backend)
        defer { Task { await fixture.close() } }
        try await fixture.test { client async throws in
            let all = try await client.call("/riders")
            let ids = (all.object["riders"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? Int }
            #expect(ids == ids.sorted())
            #expect(ids.contains(900) && ids.contains(901))
            var paged: [Int] = []
            var uri: String? = "/riders?limit=1"
            while let next = uri {
                let page = try await client.call(next)
                paged += (page.object["riders"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? Int }
                uri = page.object["next"] as? String
            }
            #expect(paged == ids)
            let female = try await client.call("/riders?gender=female")
            #expect((female.object["riders"] as? [[String: Any]])?.compactMap { $0["id"] as? Int } == [900])
            // Age today (2026-01-15): rider 900 is 35, rider 901 is 76.
            let aged = try await client.call("/riders?min_age=35&max_age=35")
            #expect((aged.object["riders"] as? [[String: Any]])?.compactMap { $0["id"] as? Int } == [900])
            let onDay = try await client.call("/riders?since=2022-07-25&until=2022-07-25&bike=SN0901")
            #expect((onDay.object["riders"] as? [[String: Any]])?.compactMap { $0["id"] as? Int } == [901])
            let one = try await client.call("/riders?rider=901")
            #expect((one.object["riders"] as? [[String: Any]])?.compactMap { $0["id"] as? Int } == [901])
            for bad in ["cursor=-1", "cursor=1_2", "limit=0", "since=31-12-2022"] {
                #expect(try await client.call("/riders?\(bad)").status == .badRequest, "\(bad)")
            }
        }
    }
}
