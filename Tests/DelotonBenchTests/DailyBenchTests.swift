@testable import DelotonBench
@testable import DelotonServer
import DelotonCore
import DelotonStore
import DelotonTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Testing

/// `deloton bench daily` at a small size: the fill makes one full day, and the page paths the
/// load walks are the day's pages, each ride once, in order.
@Suite struct DailyBenchTests {
    @Test func pagePathsCoverTheFilledDay() async throws {
        let dir = TestPaths.scratch("daily-bench")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        let warehouse = try await Warehouses.open("sqlite:" + dir + "/w.sqlite", logger: logger)
        var options = DailyBench.Options()
        options.rides = 50
        options.readingsPerRide = 3
        let zone = try #require(Zone(identifier: "Europe/London"))
        try await DailyBench.fill(warehouse, options: options, zone: zone)
        let queries = RideQueries(warehouse.sql)
        let interval = zone.interval(of: options.day)
        #expect(try await queries.dayVersion(of: interval).rides == 50)
        let day = options.day
        let paths = try await DailyBench.pagePaths(queries, interval: interval, day: options.day, limits: [7, 50])
        #expect(paths.count == 8 + 1)
        let app = buildApplication(config: try ServerConfig(host: "127.0.0.1", port: 0, publicReads: true), warehouse: warehouse,
                                   logger: logger, metrics: nil)
        try await app.test(.router) { client in
            let whole = try await client.execute(uri: "/daily?date=\(day)", method: .get) { response in
                try JSONSerialization.jsonObject(with: Data(String(buffer: response.body).utf8)) as? [[String: Any]] ?? []
            }.compactMap { $0["id"] as? Int }
            #expect(whole.count == 50)
            for (limit, range) in [(7, 0..<8), (50, 8..<9)] {
                var seen: [Int] = []
                for path in paths[range] {
                    #expect(path.contains("limit=\(limit)"))
                    seen += try await client.execute(uri: path, method: .get) { response in
                        #expect(response.status == .ok)
                        let page = try JSONSerialization.jsonObject(with: Data(String(buffer: response.body).utf8)) as? [String: Any]
                        return (page?["rides"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? Int }
                    }
                }
                #expect(seen == whole, "limit \(limit)")
            }
        }
        try await warehouse.close()
    }
}
