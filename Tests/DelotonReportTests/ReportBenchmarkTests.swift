import DelotonBench
import DelotonCore
import DelotonReport
import DelotonStore
import Foundation
import Testing

/// `deloton bench report` at a small size: it loads the day once, and its report counts every
/// ride and reading it loaded (the figures themselves are in Benchmarks/RESULTS.md).
@Suite struct ReportBenchmarkTests {
    @Test func benchLoadsTheDayOnceAndReportsAllOfIt() async throws {
        let (warehouse, dir) = try await ReportFixture.sqlite()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("out")
        let first = try await ReportBench.run(warehouse: warehouse, rides: 250, secondsPerRide: 20, output: out)
        #expect(first.rides == 250 && first.readings == 250 * 20)
        #expect(first.load > .zero && first.pdfBytes > 0)
        let second = try await ReportBench.run(warehouse: warehouse, rides: 250, secondsPerRide: 20, output: out)
        #expect(second.load == .zero && second.rides == 250)
        try await warehouse.close()
    }
}
