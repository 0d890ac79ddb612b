import DelotonBench
@testable import DelotonServer
import DelotonStore
import DelotonTestSupport
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Testing

/// `deloton bench api` at a small size: the fill gives every route something to answer, and the
/// open-loop generator sends its whole schedule over keep-alive connections without errors.
@Suite struct APIBenchTests {
    @Test func openLoopLoadAnswersEveryRoute() async throws {
        let dir = TestPaths.scratch("api-bench")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        let warehouse = try await Warehouses.open("sqlite:" + dir + "/w.sqlite", logger: logger)
        #expect(try await APIBench.fill(warehouse, rides: 62, seconds: 30))
        #expect(try await !APIBench.fill(warehouse, rides: 62, seconds: 30), "a filled warehouse is used as it is")
        let routes = try await APIBench.routes(warehouse)
        // As `deloton bench api` runs it: public reads, since the load generator sends no credential.
        let app = buildApplication(config: try ServerConfig(host: "127.0.0.1", port: 0, publicReads: true), warehouse: warehouse,
                                   logger: logger, metrics: nil)
        try await app.test(.live) { client in
            let port = try #require(client.port)
            for route in routes {
                let result = try await onOwnThread {
                    OpenLoopLoad.run(port: port, rate: 200, seconds: 0.5, connections: 4, path: route.path)
                }
                #expect(result.requests == 100 && result.errors == 0, "\(route.name): \(result.summary)")
            }
        }
        try await warehouse.close()
    }
}
