import DelotonCore
import DelotonReport
import DelotonStore
import DelotonTestSupport
import Foundation
import Logging
import Testing

/// The same hand-computed day on PostgreSQL: the report's SQL is shared, so the figures must be
/// identical to the digit.
@Suite struct PostgresReportTests {
    static func warehouse() async throws -> any Warehouse {
        let url = try await PostgresServer.freshDatabase()
        return try await Warehouses.open(url, migrate: true, logger: Logger(label: "test"))
    }

    @Test func figuresOnPostgreSQL() async throws {
        let warehouse = try await Self.warehouse()
        try await ReportFixture.load(into: warehouse)
        let report = try await DailyReport.build(day: ReportFixture.day, warehouse: warehouse, zone: ReportFixture.london)
        DailyFiguresTests.expectHandComputed(report)

        // And the same as SQLite's, figure for figure.
        let (sqlite, dir) = try await ReportFixture.sqlite()
        defer { try? FileManager.default.removeItem(at: dir) }
        try await ReportFixture.load(into: sqlite)
        let reference = try await DailyReport.build(day: ReportFixture.day, warehouse: sqlite, zone: ReportFixture.london,
                                                    now: report.generatedAt)
        try await sqlite.close()
        #expect(report.figures == reference.figures)
        #expect(report.previous7Days == reference.previous7Days)
        #expect(report.powerBins == reference.powerBins && report.heartRateBins == reference.heartRateBins)
        #expect(report.alerts == reference.alerts && report.topRiders == reference.topRiders)
        #expect(try ReportJSON.data(report) == ReportJSON.data(reference))
        try await warehouse.close()
    }

    @Test func schedulerClaimsOnPostgreSQL() async throws {
        let warehouse = try await Self.warehouse()
        try await ReportSchedulerTests.expectTwoSchedulersSendOnce(warehouse)
        try await warehouse.close()
        let other = try await Self.warehouse()
        try await ReportSchedulerTests.expectClaimsExpireAndAreReleased(other)
        try await other.close()
    }

    @Test func ledgerOnPostgreSQL() async throws {
        let warehouse = try await Self.warehouse()
        let ledger = ReportLedger(warehouse.sql)
        #expect(try await !ledger.wasSent(ReportFixture.day))
        try await ledger.record(ReportFixture.day, sentAt: Instant(microseconds: 1), recipients: ["a@example.com"])
        try await ledger.record(ReportFixture.day, sentAt: Instant(microseconds: 2), recipients: ["b@example.com"])
        #expect(try await ledger.wasSent(ReportFixture.day))
        #expect(try await ledger.sentDays() == [ReportFixture.day])
        try await warehouse.close()
    }
}
