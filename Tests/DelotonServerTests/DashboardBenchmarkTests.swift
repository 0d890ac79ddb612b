import DelotonCore
import DelotonServer
import DelotonTestSupport
import Foundation
import Testing

/// Dashboard figures for Benchmarks/RESULTS.md. Off unless asked for, being slow:
/// `DELOTON_DASHBOARD_BENCH=1 swift test --filter DashboardBenchmark`
@Suite(.serialized, .enabled(if: ProcessInfo.processInfo.environment["DELOTON_DASHBOARD_BENCH"] == "1"))
struct DashboardBenchmarkTests {
    static let liveBikes = (0..<10).map { i in
        (serial: "BN\(100 + i)",
         rider: DashboardSimulation.Rider(id: 7000 + i, name: "Bench Rider \(i)", gender: i % 2 == 0 ? "female" : "male",
                                          birthYear: 1960 + 3 * i),
         stopAfter: Int?.none)
    }

    @Test func firstRenderWithTenThousandRides() async throws {
        let empty = try await DashboardTestServer.start(.init(historyRides: 0, liveBikes: Array(Self.liveBikes.prefix(2))))
        let full = try await DashboardTestServer.start(.init(historyRides: 10_000, liveBikes: Array(Self.liveBikes.prefix(2)),
                                                             historyHours: 11.5, historyReadings: 5))
        defer { Task { await empty.stop(); await full.stop() } }

        for path in ["/api/recent/charts?hours=12", "/api/recent?hours=12&limit=50", "/api/recent?hours=12"] {
            let api = try await Curl.timings(full.base + path, runs: 5)
            let bytes = try await full.get(path).body.utf8.count
            print("bench dashboard: \(path) 10000 rides: first \(ms(api[0])) ms, median of rest \(ms(median(Array(api.dropFirst())))) ms, body \(bytes / 1024) KiB")
        }

        var base: [Double] = [], loaded: [Double] = [], inPage: [String] = []
        for _ in 0..<5 {
            base.append(try await wallTime { _ = try await Chromium.dumpDOM(empty.base + "/?once=1") })
            var dom = ""
            loaded.append(try await wallTime { dom = try await Chromium.dumpDOM(full.base + "/?once=1").stdout })
            #expect(dom.contains("data-recent=\"ready\"") && DOM.value(dom, "id=\"stat-rides\"") == "10,002")
            inPage.append(DOM.attribute(dom, "data-render-ms") ?? "?")
        }
        print("bench dashboard: chromium load+render, 0 rides: median \(ms(median(base))) ms; 10000 rides: median \(ms(median(loaded))) ms; extra \(ms(median(loaded) - median(base))) ms; in-page (virtual clock) \(inPage)")
    }

    @Test func serverCPUWithHundredEventStreamClients() async throws {
        let server = try await DashboardTestServer.start(.init(historyRides: 100, liveBikes: Self.liveBikes))
        defer { Task { await server.stop() } }
        let window = 20.0
        let idle = try await cpu(seconds: window)
        let clients = (0..<100).map { _ in Task { try await Curl.read(server.base + "/events", seconds: window + 4) } }
        try await Task.sleep(for: .seconds(2))
        let loaded = try await cpu(seconds: window)
        var received = 0
        for c in clients { received += try await c.value.utf8.count }
        print("bench dashboard: server process CPU (feeder + SQLite writes + poller) without clients \(pct(idle)) %, with 100 SSE clients \(pct(loaded)) % of one core; \(received / 1024) KiB sent to the clients in \(Int(window + 2)) s")
        #expect(received > 100 * 1000)
    }

    private func cpu(seconds: Double) async throws -> Double {
        let start = usage(), wall = Date()
        try await Task.sleep(for: .seconds(seconds))
        return (usage() - start) / Date().timeIntervalSince(wall)
    }

    private func usage() -> Double {
        var u = rusage()
        getrusage(Int32(RUSAGE_SELF.rawValue), &u)
        return Double(u.ru_utime.tv_sec) + Double(u.ru_utime.tv_usec) / 1e6 + Double(u.ru_stime.tv_sec) + Double(u.ru_stime.tv_usec) / 1e6
    }

    private func wallTime(_ body: () async throws -> Void) async throws -> Double {
        let t = Date()
        try await body()
        return Date().timeIntervalSince(t)
    }

    private func median(_ v: [Double]) -> Double { v.sorted()[v.count / 2] }
    private func ms(_ s: Double) -> Int { Int((s * 1000).rounded()) }
    private func pct(_ f: Double) -> String { String(Int((f * 1000).rounded()) / 10) + "." + String(Int((f * 1000).rounded()) % 10) }
}

extension Curl {
    /// Total request times, in seconds.
    static func timings(_ url: String, runs: Int) async throws -> [Double] {
        var out: [Double] = []
        for _ in 0..<runs {
            let t = Date()
            _ = try await read(url, seconds: 30)
            out.append(Date().timeIntervalSince(t))
        }
        return out
    }
}
