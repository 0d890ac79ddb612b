import DelotonServer
import DelotonTestSupport
import Foundation
import Testing

/// What the dashboard's charts draw, read in headless Chromium: each chart writes its state on
/// its canvas (points per series, y range, x labels and whether any two overlap, measured in
/// the font they are drawn in), and every view is saved as a screenshot under artifacts/.
@Suite(.serialized)
struct DashboardChartsBrowserTests {
    static let alice = DashboardBrowserTests.alice
    static let bob = DashboardBrowserTests.bob
    /// The window charts of the recent rides, each with a time axis.
    static let timeCharts = ["chart-effort", "chart-average", "chart-cumulative"]

    @Test func heartRateAndPowerOverTheWindowWithLabelsThatNeverOverlap() async throws {
        // Two rides an hour for a week, and one bike riding now.
        let server = try await DashboardTestServer.start(.init(historyRides: 336, liveBikes: [("SN7601", Self.alice, nil)],
                                                               historyHours: 168, historyReadings: 120))
        do {
            for (hours, name) in [(1, "1h"), (12, "12h"), (168, "7d")] {
                let url = server.base + "/?once=1&hours=\(hours)"
                for size in ["1366,1800", "390,2600", "820,1800"] {
                    let run = try await Chromium.dumpDOM(url, size: size)
                    expectNoErrors(run)
                    let dom = run.stdout
                    #expect(dom.contains("data-recent=\"ready\""), "\(name) at \(size): the recent rides never rendered")
                    let effort = ChartCanvas(dom, id: "chart-effort")
                    // Highest, lowest, average heart rate, average power.
                    #expect(effort.points.count == 4, "\(name) at \(size): \(effort.tag)")
                    #expect(effort.points.dropFirst(2).allSatisfy { $0 >= (hours == 1 ? 1 : 10) },
                            "\(name) at \(size): heart rate and power drawn over the window: \(effort.points)")
                    #expect(effort.yMin.map { $0 >= 50 } == true, "\(name): the heart-rate axis is fitted to the data, not from 0: \(effort.tag)")
                    for id in Self.timeCharts {
                        let chart = ChartCanvas(dom, id: id)
                        #expect(chart.labels.count >= 2, "\(name) at \(size), \(id): \(chart.tag)")
                        #expect(chart.overlap == false, "\(name) at \(size), \(id): labels overlap: \(chart.labels)")
                    }
                    let live = ChartCanvas(tagIn: DOM.panel(dom, bike: "SN7601"), marking: "class=\"c-hr\"")
                    #expect(live.overlap == false && !live.labels.isEmpty, "\(size): live chart labels \(live.labels)")
                    if hours == 168 {
                        #expect(effort.labels.contains { $0.contains(where: \.isLetter) },
                                "a week's labels name days: \(effort.labels)")
                    }
                }
                let shot = Artifacts.directory.appendingPathComponent("dashboard-window-\(name).png").path
                _ = try await Chromium.screenshot(url, to: shot, size: "1366,2000")
                #expect(FileManager.default.fileExists(atPath: shot))
            }
        } catch {
            await server.stop()
            throw error
        }
        await server.stop()
    }

    @Test func anEmptyWindowSaysSoInsteadOfDrawingBareAxes() async throws {
        let server = try await DashboardTestServer.start(.init(historyRides: 0))
        do {
            let run = try await Chromium.dumpDOM(server.base + "/?once=1")
            expectNoErrors(run)
            let dom = run.stdout
            #expect(dom.contains("data-recent=\"ready\""))
            #expect(DOM.openingTag(dom, id: "no-bikes").map { !$0.contains("hidden") } == true, "the live section says no bike is riding")
            #expect(DOM.count(dom, "data-empty=\"1\"") == 6, "every window chart is marked empty")
            #expect(DOM.count(dom, "<p class=\"chart-empty\">No rides in this window yet</p>") == 6, "and says so, visibly")
            let shot = Artifacts.directory.appendingPathComponent("dashboard-empty.png").path
            _ = try await Chromium.screenshot(server.base + "/?once=1", to: shot, size: "1366,1600")
            #expect(FileManager.default.fileExists(atPath: shot))
        } catch {
            await server.stop()
            throw error
        }
        await server.stop()
    }

    @Test func lowAndHighAlertsStayOnTheHeartRateAxes() async throws {
        // Alice (42, safe from 52 bpm) at 35 bpm; Bob (58, safe to 167 bpm) at 195 bpm.
        var setup = DashboardTestServer.Setup(historyRides: 12, liveBikes: [("SN7701", Self.alice, nil), ("SN7702", Self.bob, nil)])
        setup.heartRates = ["SN7701": 35, "SN7702": 195]
        let server = try await DashboardTestServer.start(setup)
        do {
            let run = try await Chromium.dumpDOM(server.base + "/?once=1")
            expectNoErrors(run)
            let dom = run.stdout
            let low = DOM.panel(dom, bike: "SN7701"), high = DOM.panel(dom, bike: "SN7702")
            #expect(low.contains("below the safe minimum") && low.contains("alert raised"), "\(low.prefix(1500))")
            #expect(high.contains("above the safe maximum") && high.contains("alert raised"), "\(high.prefix(1500))")
            let lowChart = ChartCanvas(tagIn: low, marking: "class=\"c-hr\"")
            let highChart = ChartCanvas(tagIn: high, marking: "class=\"c-hr\"")
            #expect(lowChart.yMin.map { $0 < 35 } == true, "35 bpm is above the axis's bottom: \(lowChart.tag)")
            #expect(highChart.yMax.map { $0 > 195 } == true, "195 bpm is below the axis's top: \(highChart.tag)")
            #expect(lowChart.points.last.map { $0 >= 20 } == true, "the heart-rate line is drawn: \(lowChart.tag)")
            // The window's heart-rate band reaches both alerts too.
            let effort = ChartCanvas(dom, id: "chart-effort")
            #expect(effort.yMin.map { $0 < 35 } == true && effort.yMax.map { $0 > 195 } == true, "\(effort.tag)")
            #expect(DOM.value(dom, "id=\"stat-alerts\"") == "2")
            let shot = Artifacts.directory.appendingPathComponent("dashboard-alerts.png").path
            _ = try await Chromium.screenshot(server.base + "/?once=1", to: shot, size: "1366,2200")
            #expect(FileManager.default.fileExists(atPath: shot))
        } catch {
            await server.stop()
            throw error
        }
        await server.stop()
    }

    @Test func rideLinksOpenAPageWithTheRideCharted() async throws {
        // Ten-minute rides: 600 readings each.
        let server = try await DashboardTestServer.start(.init(historyRides: 3, liveBikes: [("SN7801", Self.alice, nil)],
                                                               historyReadings: 600))
        do {
            let dashboard = try await Chromium.dumpDOM(server.base + "/?once=1")
            expectNoErrors(dashboard)
            let rows = DOM.section(dashboard.stdout, from: "id=\"rides-body\"", to: "</tbody>")
            let links = rows.components(separatedBy: "href=\"").dropFirst().map { String($0.prefix { $0 != "\"" }) }
            #expect(links.count == 4 && links.allSatisfy { $0.hasPrefix("/dashboard/ride.html?id=") }, "\(links)")
            #expect(DOM.panel(dashboard.stdout, bike: "SN7801").contains("href=\"/dashboard/ride.html?id="))

            // Rows are newest first: the last is a finished history ride of 600 readings.
            let id = links.last.flatMap { $0.split(separator: "=").last.map(String.init) } ?? ""
            let api = try await server.get("/ride/\(id)")
            #expect(api.status == 200 && api.body.contains("\"reading_count\":600"), "\(api.body.prefix(300))")
            let url = server.base + "/dashboard/ride.html?id=\(id)"
            for size in ["1366,1400", "390,2000"] {
                let run = try await Chromium.dumpDOM(url, size: size)
                expectNoErrors(run)
                let dom = run.stdout
                #expect(dom.contains("data-ride=\"ready\""), "\(dom.suffix(1500))")
                #expect(dom.contains("Test Rider"), "the rider is named")
                #expect(DOM.value(dom, "id=\"stat-duration\"") == "10:00")
                for (canvas, points) in [("chart-hr", [600]), ("chart-power", [600]), ("chart-rpm", [600, 600])] {
                    let chart = ChartCanvas(dom, id: canvas)
                    #expect(chart.points == points, "\(canvas) at \(size): \(chart.tag)")
                    #expect(chart.labels.count >= 3 && chart.overlap == false, "\(canvas) at \(size): \(chart.labels)")
                    #expect(chart.drawn, "\(canvas) has pixels")
                }
                let hr = ChartCanvas(dom, id: "chart-hr")
                #expect(hr.yMin.map { $0 >= 50 } == true, "heart rate fitted to the ride: \(hr.tag)")
            }
            let shot = Artifacts.directory.appendingPathComponent("ride-page.png").path
            _ = try await Chromium.screenshot(url, to: shot, size: "1366,1200")
            _ = try await Chromium.screenshot(url, to: Artifacts.directory.appendingPathComponent("ride-page-phone.png").path,
                                              size: "390,1900")
            #expect(FileManager.default.fileExists(atPath: shot))

            let missing = try await Chromium.dumpDOM(server.base + "/dashboard/ride.html?id=999999")
            expectNoErrors(missing)
            #expect(missing.stdout.contains("There is no ride #999999."))
        } catch {
            await server.stop()
            throw error
        }
        await server.stop()
    }

    @Test func theRidePageNeedsTheDashboardSignIn() async throws {
        var setup = DashboardTestServer.Setup(historyRides: 2, liveBikes: [("SN7901", Self.bob, nil)])
        setup.publicReads = false
        let server = try await DashboardTestServer.start(setup)
        do {
            let page = "/dashboard/ride.html?id=1"
            let anonymous = try await Chromium.dumpDOM(server.base + page)
            expectNoErrors(anonymous)
            #expect(anonymous.stdout.contains("This ride needs a sign-in."))
            #expect(!anonymous.stdout.contains("Test Rider") && !anonymous.stdout.contains("data-ride=\"ready\""))
            #expect(DOM.openingTag(anonymous.stdout, id: "main").map { $0.contains("hidden") } == true)

            let link = try await SignInLink.make(config: try ServerConfig(host: "127.0.0.1", port: server.port),
                                                 warehouse: server.warehouse)
            let signedIn = try await Chromium.dumpDOM(link + "&next=" + (page.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""))
            expectNoErrors(signedIn)
            #expect(signedIn.stdout.contains("data-ride=\"ready\""), "\(signedIn.stdout.suffix(1500))")
            #expect(signedIn.stdout.contains("Test Rider"))
        } catch {
            await server.stop()
            throw error
        }
        await server.stop()
    }

    private func expectNoErrors(_ run: Chromium.Run, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(run.stdout.contains("data-errors=\"0\""), "page errors: \(DOM.section(run.stdout, from: "id=\"errors\"", to: "</pre>"))",
                sourceLocation: sourceLocation)
        #expect(Chromium.consoleErrors(run.stderr).isEmpty, "console: \(Chromium.consoleErrors(run.stderr))",
                sourceLocation: sourceLocation)
    }
}

/// What a chart's canvas says it drew (charts.js `describe`).
struct ChartCanvas {
    let tag: String

    init(_ dom: String, id: String) { tag = DOM.openingTag(dom, id: id) ?? "" }

    /// The canvas whose opening tag holds `marking`, within `html`.
    init(tagIn html: String, marking: String) {
        guard let mark = html.range(of: marking),
              let open = html.range(of: "<", options: .backwards, range: html.startIndex..<mark.lowerBound),
              let close = html.range(of: ">", range: mark.upperBound..<html.endIndex) else { tag = ""; return }
        tag = String(html[open.lowerBound..<close.upperBound])
    }

    var points: [Int] { (DOM.attribute(tag, "data-points") ?? "").split(separator: ",").compactMap { Int($0) } }
    var yMin: Double? { DOM.attribute(tag, "data-y-min").flatMap(Double.init) }
    var yMax: Double? { DOM.attribute(tag, "data-y-max").flatMap(Double.init) }
    var labels: [String] { (DOM.attribute(tag, "data-x-labels") ?? "").split(separator: "|").map(String.init) }
    var overlap: Bool? { DOM.attribute(tag, "data-x-overlap").map { $0 == "1" } }
    var drawn: Bool { DOM.attribute(tag, "data-drawn") == "1" }
}
