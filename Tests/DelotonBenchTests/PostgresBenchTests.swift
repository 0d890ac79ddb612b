import DelotonBench
import DelotonTestSupport
import Logging
import Testing

/// `deloton bench postgres` at a small size on a real server: it runs to the end and reports rates.
@Suite struct PostgresBenchTests {
    @Test func benchRunsEndToEnd() async throws {
        let logger = Logger(label: "test.postgres-bench")
        let report = try await PostgresBench.run(url: try await PostgresServer.freshDatabase(), readings: 20_000, logger: logger)
        #expect(report.contains("readings/s"))
    }
}
