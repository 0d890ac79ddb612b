import DelotonCore
import DelotonServer
import DelotonStore
import DelotonTestSupport
import Foundation
import Testing

/// The dashboard in a real browser: headless Chromium against a server started here, with
/// bikes riding in real time. Pages are loaded with `once=1` (a finite event stream), which
/// a headless browser with a virtual-time budget needs to ever finish.
@Suite(.serialized)
struct DashboardBrowserTests {
    static let alice = DashboardSimulation.Rider(id: 9001, name: "Mrs Alice Rider", gender: "female", birthYear: 1984)
    static let bob = DashboardSimulation.Rider(id: 9002, name: "Mr Bob Pedal", gender: "male", birthYear: 1968)

    @Test func pageShowsTheLiveRiderWithChangingNumbersAndDrawnCharts() async throws {
        let server = try await DashboardTestServer.start(.init(liveBikes: [("SN7001", Self.alice, nil), ("SN7002", Self.bob, nil)]))
        do {
            let first = try await Chromium.dumpDOM(server.base + "/?once=1")
            expectNoErrors(first)
            let dom = first.stdout
            #expect(dom.contains("data-live=\"ready\""), "the live panel never rendered")
            #expect(dom.contains("data-recent=\"ready\""), "the recent rides never rendered")
            #expect(dom.contains("Mrs Alice Rider"))
            #expect(dom.contains("Mr Bob Pedal"))
            let panel = DOM.panel(dom, bike: "SN7001")
            #expect(panel.contains("Female"))
            #expect(panel.contains("Riding"))
            #expect(!panel.contains("Bike not in use"))
            // The bike panel's <template> holds 3 more canvases that are never drawn.
            let canvases = DOM.count(dom, "<canvas") - 3
            #expect(canvases == 6 + 2 * 3, "6 recent charts and 3 per bike")
            #expect(DOM.count(dom, "data-drawn=\"1\"") == canvases, "every chart has pixels on its canvas")
            #expect(DOM.count(dom, "data-drawn=\"0\"") == 0)

            try await Task.sleep(for: .milliseconds(2500))
            let second = try await Chromium.dumpDOM(server.base + "/?once=1")
            expectNoErrors(second)
            let before = DOM.value(DOM.panel(dom, bike: "SN7001"), "data-k=\"elapsed\"")
            let after = DOM.value(DOM.panel(second.stdout, bike: "SN7001"), "data-k=\"elapsed\"")
            #expect(before != nil && after != nil && before != after, "elapsed time moved on: \(before ?? "-") → \(after ?? "-")")

            let desktop = Artifacts.directory.appendingPathComponent("dashboard-desktop.png").path
            let phone = Artifacts.directory.appendingPathComponent("dashboard-phone.png").path
            _ = try await Chromium.screenshot(server.base + "/?once=1", to: desktop, size: "1366,2000")
            _ = try await Chromium.screenshot(server.base + "/?once=1", to: phone, size: "390,2600")
            #expect(FileManager.default.fileExists(atPath: desktop))
            #expect(FileManager.default.fileExists(atPath: phone))
        } catch {
            await server.stop()
            throw error
        }
        await server.stop()
    }

    @Test func filtersChangeWhatEveryChartShows() async throws {
        let server = try await DashboardTestServer.start(.init(historyRides: 36, liveBikes: [("SN7101", Self.alice, nil)]))
        do {
            let all = try await Chromium.dumpDOM(server.base + "/?once=1")
            let female = try await Chromium.dumpDOM(server.base + "/?once=1&gender=female")
            let olderMen = try await Chromium.dumpDOM(server.base + "/?once=1&gender=male&min_age=40&max_age=70")
            for run in [all, female, olderMen] { expectNoErrors(run) }

            // History riders cycle female, male, other: 12 rides each, plus Alice riding now.
            #expect(DOM.value(all.stdout, "id=\"stat-rides\"") == "37")
            #expect(DOM.value(female.stdout, "id=\"stat-rides\"") == "13")
            #expect(female.stdout.contains("data-filter=\"female//\""))

            // The page's figures come from the charts' answer; the list of rides must agree.
            let api = try await server.get("/api/recent?hours=12&gender=male&min_age=40&max_age=70")
            #expect(api.status == 200)
            let json = try JSONSerialization.jsonObject(with: Data(api.body.utf8)) as? [String: Any]
            let expected = (json?["rides"] as? [Any])?.count ?? -1
            #expect(DOM.value(olderMen.stdout, "id=\"stat-rides\"") == String(expected))
            #expect(expected < 12)

            // Filtered pages list only matching rides.
            let rows = DOM.section(female.stdout, from: "id=\"rides-body\"", to: "</tbody>")
            #expect(!rows.contains("<td>Male</td>") && rows.contains("<td>Female</td>"))
            #expect(female.stdout.contains("<option value=\"female\" selected") || female.stdout.contains("data-filter=\"female//\""))
            let shot = Artifacts.directory.appendingPathComponent("dashboard-filtered-female.png").path
            _ = try await Chromium.screenshot(server.base + "/?once=1&gender=female", to: shot, size: "1366,2000")
        } catch {
            await server.stop()
            throw error
        }
        await server.stop()
    }

    /// The table holds the newest page of the window; the figures count all of it.
    @Test func theTableShowsTheNewestPageWhileTheFiguresCountTheWholeWindow() async throws {
        let server = try await DashboardTestServer.start(.init(historyRides: 64, liveBikes: [("SN7201", Self.alice, nil)]))
        do {
            let run = try await Chromium.dumpDOM(server.base + "/?once=1")
            expectNoErrors(run)
            let dom = run.stdout
            #expect(DOM.value(dom, "id=\"stat-rides\"") == "65")
            #expect(DOM.count(DOM.section(dom, from: "id=\"rides-body\"", to: "</tbody>"), "<tr") == 50)
            #expect(DOM.value(dom, "id=\"table-note\"") == "newest 50 of 65")
            let more = DOM.section(dom, from: "id=\"more-rides\"", to: ">")
            #expect(!more.isEmpty && !more.contains("hidden"), "the button for more rides shows: \(more)")
        } catch {
            await server.stop()
            throw error
        }
        await server.stop()
    }

    @Test func bikeShowsNotInUseAfterSilence() async throws {
        // Bob's bike stops sending after 2 s; "not in use" after 3 s of silence (30 s in production).
        let server = try await DashboardTestServer.start(.init(
            historyRides: 4, liveBikes: [("SN7201", Self.alice, nil), ("SN7202", Self.bob, 2)], notInUseAfter: 3))
        do {
            try await Task.sleep(for: .milliseconds(6500))
            let run = try await Chromium.dumpDOM(server.base + "/?once=1")
            expectNoErrors(run)
            let silent = DOM.panel(run.stdout, bike: "SN7202")
            let riding = DOM.panel(run.stdout, bike: "SN7201")
            #expect(silent.contains("Bike not in use"))
            #expect(silent.contains("class=\"bike idle"))
            #expect(!riding.contains("Bike not in use"))
            #expect(run.stdout.contains("1 riding · 1 not in use"))
            let shot = Artifacts.directory.appendingPathComponent("dashboard-not-in-use.png").path
            _ = try await Chromium.screenshot(server.base + "/?once=1", to: shot, size: "1366,1100")
        } catch {
            await server.stop()
            throw error
        }
        await server.stop()
    }

    @Test func signInLinkOpensTheDashboardOnceAndNothingShowsWithoutIt() async throws {
        var setup = DashboardTestServer.Setup(historyRides: 4, liveBikes: [("SN7301", Self.alice, nil)])
        setup.publicReads = false
        let server = try await DashboardTestServer.start(setup)
        do {
            // No session: the sign-in form, and not a rider's name anywhere in the page.
            let anonymous = try await Chromium.dumpDOM(server.base + "/?once=1")
            expectNoErrors(anonymous)
            #expect(!anonymous.stdout.contains("Mrs Alice Rider"))
            #expect(!anonymous.stdout.contains("Test Rider"))
            #expect(DOM.openingTag(anonymous.stdout, id: "signin").map { !$0.contains("hidden") } == true, "the sign-in form shows")
            #expect(DOM.openingTag(anonymous.stdout, id: "main").map { $0.contains("hidden") } == true, "the data stays hidden")

            // The link printed at start: one click, signed in, live data on the page.
            let config = try ServerConfig(host: "127.0.0.1", port: server.port)
            let link = try await SignInLink.make(config: config, warehouse: server.warehouse)
            #expect(link.hasPrefix(server.base + "/signin?token="))
            let signedIn = try await Chromium.dumpDOM(link + "&next=%2F%3Fonce%3D1")
            expectNoErrors(signedIn)
            #expect(signedIn.stdout.contains("data-live=\"ready\""), "the live panel never rendered")
            #expect(signedIn.stdout.contains("Mrs Alice Rider"))
            #expect(DOM.openingTag(signedIn.stdout, id: "sign-out").map { !$0.contains("hidden") } == true, "sign-out is offered")
            #expect(DOM.openingTag(signedIn.stdout, id: "signin").map { $0.contains("hidden") } == true)

            // The link works once: a second browser gets no session from it.
            let again = try await Chromium.dumpDOM(link + "&next=%2F%3Fonce%3D1")
            #expect(!again.stdout.contains("Mrs Alice Rider"))
            #expect(try await server.get(String(link.dropFirst(server.base.count))).status == 401)
        } catch {
            await server.stop()
            throw error
        }
        await server.stop()
    }

    @Test func theDashboardSignsInFromTheLinkShowsLiveDataAndRefusesAfterSignOut() async throws {
        var setup = DashboardTestServer.Setup(historyRides: 4, liveBikes: [("SN7401", Self.bob, nil)])
        setup.publicReads = false
        let server = try await DashboardTestServer.start(setup)
        do {
            let link = try await SignInLink.make(config: try ServerConfig(host: "127.0.0.1", port: server.port),
                                                 warehouse: server.warehouse)
            // One browser, driven over the DevTools protocol: open the link, see the live rider,
            // click "Sign out", then ask for the data with that browser's own cookies.
            var script = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
            for _ in 0..<3 { script.deleteLastPathComponent() }
            script.appendPathComponent("scripts/testing/dashboard_signout.py")
            let run = try await ChildProcess.run("/usr/bin/env", ["python3", script.path, link, "Mr Bob Pedal"], timeout: .seconds(120))
            #expect(run.status == 0, "\(run.stderr.suffix(2000))")
            let result = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any] ?? [:]
            #expect(result["shown"] as? Bool == true, "the live rider never showed: \(run.stdout)")
            let after = result["after"] as? [String: Any] ?? [:]
            #expect(after["live"] as? Int == 401, "\(run.stdout)")
            #expect(after["events"] as? Int == 401, "\(run.stdout)")
            #expect(result["signin_form"] as? Bool == true)
            #expect(result["text_after"] as? Bool == false, "the rider is still on the page after sign-out")
            let revoked = try await server.warehouse.sql.query(
                "SELECT count(*) AS n FROM sessions WHERE kind = 'session' AND revoked_at IS NOT NULL")
            #expect(try revoked.first?.decode("n", as: Int64.self) == 1, "sign-out revoked the session in the warehouse")
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

/// Just enough reading of a dumped DOM for the assertions above.
enum DOM {
    static func count(_ s: String, _ needle: String) -> Int {
        s.components(separatedBy: needle).count - 1
    }

    static func section(_ s: String, from start: String, to end: String) -> String {
        guard let a = s.range(of: start) else { return "" }
        guard let b = s.range(of: end, range: a.upperBound..<s.endIndex) else { return String(s[a.lowerBound...]) }
        return String(s[a.lowerBound..<b.upperBound])
    }

    /// A bike's panel, from its `<article>` to the end of it.
    static func panel(_ dom: String, bike: String) -> String {
        guard let mark = dom.range(of: "data-bike=\"\(bike)\""),
              let open = dom.range(of: "<article", options: .backwards, range: dom.startIndex..<mark.lowerBound),
              let close = dom.range(of: "</article>", range: mark.upperBound..<dom.endIndex) else { return "" }
        return String(dom[open.lowerBound..<close.upperBound])
    }

    /// The opening tag of the element with this id, attributes and all.
    static func openingTag(_ s: String, id: String) -> String? {
        guard let mark = s.range(of: "id=\"\(id)\""),
              let open = s.range(of: "<", options: .backwards, range: s.startIndex..<mark.lowerBound),
              let close = s.range(of: ">", range: mark.upperBound..<s.endIndex) else { return nil }
        return String(s[open.lowerBound..<close.upperBound])
    }

    static func attribute(_ s: String, _ name: String) -> String? {
        guard let a = s.range(of: name + "=\"") else { return nil }
        return String(s[a.upperBound...].prefix { $0 != "\"" })
    }

    /// The text inside the element whose opening tag contains `attribute`.
    static func value(_ s: String, _ attribute: String) -> String? {
        guard let a = s.range(of: attribute), let gt = s.range(of: ">", range: a.upperBound..<s.endIndex),
              let lt = s.range(of: "<", range: gt.upperBound..<s.endIndex) else { return nil }
        return String(s[gt.upperBound..<lt.lowerBound])
    }
}
