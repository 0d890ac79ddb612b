import DelotonCore
import DelotonServer
import DelotonTestSupport
import Foundation
import Testing

/// The data routes behind the page: the live event stream, `/api/live`, `/api/recent`, Chart.js.
@Suite(.serialized)
struct DashboardFeedTests {
    static let carol = DashboardSimulation.Rider(id: 9101, name: "Ms Carol Spin", gender: "female", birthYear: 1990)
    static let dan = DashboardSimulation.Rider(id: 9102, name: "Mr Dan Gear", gender: "male", birthYear: 1955)

    @Test func eventStreamStartsWithTheBoardThenSendsOnlyBikesThatChanged() async throws {
        // Dan's bike stays on the board but sends nothing new: no update may mention it.
        let server = try await DashboardTestServer.start(.init(
            historyRides: 2, liveBikes: [("SN7301", Self.carol, nil), ("SN7302", Self.dan, 0)]))
        do {
            // Long enough for a few one-second updates even when the whole suite loads both cores.
            var text = try await Curl.read(server.base + "/events", seconds: 12)
            // The whole suite on two cores can starve the poller for longer than that: one more,
            // longer read before judging, which costs nothing when the first one was enough.
            if SSE.parse(text).filter({ $0.name == "update" }).count < 2 {
                text = try await Curl.read(server.base + "/events", seconds: 30)
            }
            let events = SSE.parse(text)
            #expect(text.hasPrefix("retry: "))
            #expect(events.first?.name == "snapshot")
            #expect(events.first?.data.contains("\"SN7301\"") == true)
            #expect(events.first?.data.contains("\"SN7302\"") == true)
            #expect(events.first?.data.contains("Ms Carol Spin") == true)
            let updates = events.dropFirst().filter { $0.name == "update" }
            #expect(updates.count >= 2, "about one update a second: \(events.map(\.name))")
            for u in updates {
                #expect(u.data.contains("\"SN7301\""))
                // Dan's bike sends no readings; it may appear only when its status changes (it turns
                // idle after its silence, which a loaded machine can reach inside this window).
                let bikes = (try? JSONSerialization.jsonObject(with: Data(u.data.utf8)) as? [String: Any])?["bikes"] as? [[String: Any]] ?? []
                for dan in bikes where dan["bike"] as? String == "SN7302" {
                    #expect((dan["r"] as? [Any])?.isEmpty == true, "an unchanged bike's readings were sent again: \(u.data)")
                }
                #expect(u.data.contains("\"full\":false"), "a known ride is sent as new readings only")
                #expect(!u.data.contains("Ms Carol Spin"), "rider details are sent once, in the snapshot")
            }

            // The finite feed ends by itself; the bound is only for a server that never ends it
            // (5 s was once too short with the whole suite running on two cores).
            let once = try await Curl.read(server.base + "/events?once=1", seconds: 30)
            #expect(once.hasPrefix("retry: 600000"))
            #expect(SSE.parse(once).map(\.name) == ["snapshot"], "the finite feed ends after the board")

            let live = try await server.get("/api/live")
            #expect(live.status == 200)
            let board = try JSONSerialization.jsonObject(with: Data(live.body.utf8)) as? [String: Any]
            let bikes = board?["bikes"] as? [[String: Any]] ?? []
            #expect(bikes.compactMap { $0["bike"] as? String } == ["SN7301", "SN7302"])
            let carol = bikes.first
            let safe = carol?["safe"] as? [String: Any]
            let range = SafeRange(age: ((carol?["rider"] as? [String: Any])?["age"] as? Int) ?? 0, gender: .female)
            #expect((safe?["max"] as? Double).map { abs($0 - range.maximum) < 0.05 } == true)
            #expect((safe?["min"] as? Double) == range.minimum)
        } catch {
            await server.stop()
            throw error
        }
        await server.stop()
    }

    @Test func recentRidesAndTheirChartsRejectMalformedParametersAndServeChartJS() async throws {
        let server = try await DashboardTestServer.start(.init(historyRides: 6))
        do {
            let bad = try await server.get("/api/recent?hours=abc")
            #expect(bad.status == 400)
            #expect(bad.body.contains("\"type\":\"bad_request\"") && bad.body.contains("hours must be"))
            // An empty age range is no rides, as on /rides, not an error.
            let ages = try await server.get("/api/recent?hours=24&min_age=50&max_age=20")
            #expect(ages.status == 200 && ages.body.contains("\"rides\":[]"))
            let control = try await server.get("/api/recent?gender=%01")
            #expect(control.status == 400)
            let ok = try await server.get("/api/recent?hours=24&gender=all&unknown=1")
            #expect(ok.status == 200)
            let json = try JSONSerialization.jsonObject(with: Data(ok.body.utf8)) as? [String: Any]
            #expect((json?["rides"] as? [Any])?.count == 6)
            #expect((json?["hours"] as? Int) == 24)

            // The table's pages: the newest first, `truncated` while the window holds more.
            for bad in ["limit=0", "limit=20001", "limit=x"] {
                let refused = try await server.get("/api/recent?" + bad)
                #expect(refused.status == 400 && refused.body.contains("limit must be"), "\(bad)")
            }
            let page = try await server.get("/api/recent?hours=24&limit=4")
            let pageJSON = try JSONSerialization.jsonObject(with: Data(page.body.utf8)) as? [String: Any]
            let ids = { (rides: Any?) in ((rides as? [[Any]]) ?? []).map { $0.first as? Int ?? -1 } }
            #expect(ids(pageJSON?["rides"]) == Array(ids(json?["rides"]).prefix(4)))
            #expect(pageJSON?["truncated"] as? Bool == true && json?["truncated"] as? Bool == false)

            // The charts' answer: the same parameters, the same checks, the same rides.
            #expect(try await server.get("/api/recent/charts?hours=abc").status == 400)
            #expect(try await server.get("/api/recent/charts?gender=%01").status == 400)
            let charts = try await server.get("/api/recent/charts?hours=24&gender=all")
            #expect(charts.status == 200)
            let summary = try JSONSerialization.jsonObject(with: Data(charts.body.utf8)) as? [String: Any]
            let totals = summary?["totals"] as? [String: Any]
            #expect(totals?["rides"] as? Int == 6)
            let genders = summary?["genders"] as? [String: Any]
            #expect((genders?["rides"] as? [Int])?.reduce(0, +) == 6)
            let empty = try await server.get("/api/recent/charts?hours=24&min_age=50&max_age=20")
            #expect(empty.status == 200 && empty.body.contains("\"rides\":0"))

            let chart = try await server.get("/chart.js")
            #expect(chart.status == 200 && chart.body.contains("Chart"))
            let html = try await server.get("/")
            #expect(html.status == 200 && html.body.contains("src=\"/chart.js\""))
            #expect(!html.body.contains("http://") && !html.body.contains("https://"), "nothing loads from the network")
            let missing = try await server.get("/dashboard/..%2Fetc%2Fpasswd")
            #expect(missing.status == 404)
        } catch {
            await server.stop()
            throw error
        }
        await server.stop()
    }
}

enum Curl {
    /// What a plain HTTP client receives in `seconds` (an event stream never ends by itself).
    static func read(_ url: String, seconds: Double, extra: [String] = []) async throws -> String {
        let child = try await ChildProcess.run("/usr/bin/curl", ["-sN", "--max-time", String(seconds)] + extra + [url],
                                               timeout: .seconds(seconds + 30))
        return child.stdout
    }
}

enum SSE {
    struct Event { var name: String; var data: String }

    static func parse(_ text: String) -> [Event] {
        text.components(separatedBy: "\n\n").compactMap { block in
            var name = "message", data: [String] = [], sawData = false
            for line in block.split(separator: "\n") {
                if line.hasPrefix("event: ") { name = String(line.dropFirst(7)) }
                if line.hasPrefix("data: ") { data.append(String(line.dropFirst(6))); sawData = true }
            }
            return sawData ? Event(name: name, data: data.joined(separator: "\n")) : nil
        }
    }
}
