import DelotonCore
import DelotonReport
import DelotonStore
import DelotonTestSupport
import Foundation
import Logging
import Testing

/// The report's figures against values worked out by hand from `ReportFixture`.
@Suite struct DailyFiguresTests {
    @Test func figuresOnSQLite() async throws {
        let (warehouse, dir) = try await ReportFixture.sqlite()
        defer { try? FileManager.default.removeItem(at: dir) }
        try await ReportFixture.load(into: warehouse)
        let report = try await DailyReport.build(day: ReportFixture.day, warehouse: warehouse, zone: ReportFixture.london)
        try await warehouse.close()
        Self.expectHandComputed(report)
    }

    static func expectHandComputed(_ report: DailyReport) {
        let f = report.figures
        #expect(f.rideCount == 4)
        #expect(f.riderCount == 3)
        #expect(f.ridersByGender == ["male": 1, "female": 1, "nonbinary": 1])
        #expect(f.ridersByAgeGroup == ["<25": 1, "25-34": 1, "35-44": 0, "45-54": 0, "55-64": 1, "65+": 0])
        // hr > 0: 100 110 120 | 90 95 | 130×5 | 200 201 202 203 → 1971 / 14.
        #expect(f.avgHeartRate == 1971.0 / 14)
        // power: 500 + 200 + 930.5 + 40 over 15 readings.
        #expect(abs((f.avgPowerW ?? 0) - 1670.5 / 15) < 1e-9)
        #expect(abs(f.totalEnergyKJ - 1.6705) < 1e-12)
        #expect(f.longestRideS == 5)
        #expect(f.maxPowerW == 320)
        #expect(f.alertCount == 1)

        let d1 = report.previousDay
        #expect(d1.rideCount == 1 && d1.riderCount == 1)
        #expect(d1.ridersByGender == ["female": 1])
        #expect(d1.avgHeartRate == 100 && d1.avgPowerW == 100 && d1.longestRideS == 2 && d1.maxPowerW == 100)
        #expect(abs(d1.totalEnergyKJ - 0.2) < 1e-12)
        #expect(d1.alertCount == 0)

        // The 7 days before: the 24th (Beth, 2 readings at 100 W) and the 22nd (Dan, 1 at 60 W).
        let d7 = report.previous7Days
        #expect(abs(d7.rideCount - 2.0 / 7) < 1e-12)
        #expect(abs(d7.riderCount - 2.0 / 7) < 1e-12)
        #expect(abs(d7.totalEnergyKJ - 0.26 / 7) < 1e-12)
        #expect(d7.avgHeartRate == 85)
        #expect(d7.avgPowerW == 80)
        #expect(d7.longestRideS == 1.5)
        #expect(d7.maxPowerW == 80)
        #expect(abs((d7.ridersByAgeGroup["65+"] ?? 0) - 1.0 / 7) < 1e-12)

        // British Summer Time: 24 hours, labelled from midnight.
        #expect(report.hourLabels.count == 24 && report.hourLabels.first == "00" && report.hourLabels.last == "23")
        var perHour = Array(repeating: 0, count: 24)
        perHour[8] = 2; perHour[18] = 1; perHour[23] = 1
        #expect(report.ridesPerHour == perHour)

        #expect(report.heartRateBins == [ValueBin(lowerBound: 90, count: 2), ValueBin(lowerBound: 100, count: 1),
                                         ValueBin(lowerBound: 110, count: 1), ValueBin(lowerBound: 120, count: 1),
                                         ValueBin(lowerBound: 130, count: 5), ValueBin(lowerBound: 200, count: 4)])
        #expect(report.powerBins == [ValueBin(lowerBound: 0, count: 6), ValueBin(lowerBound: 50, count: 1),
                                     ValueBin(lowerBound: 75, count: 1), ValueBin(lowerBound: 100, count: 2),
                                     ValueBin(lowerBound: 150, count: 1), ValueBin(lowerBound: 200, count: 1),
                                     ValueBin(lowerBound: 300, count: 3)])

        #expect(report.topRiders.map(\.riderID) == [1, 2, 3])
        #expect(report.topRiders.map(\.rideCount) == [2, 1, 1])
        #expect(abs((report.topRiders.first?.value ?? 0) - 1.4305) < 1e-12)

        #expect(report.longestRide?.riderID == 1 && report.longestRide?.durationS == 5)
        #expect(report.mostPowerfulRide?.maxPowerW == 320 && report.mostPowerfulRide?.riderName == "Mr Alan Ash")
        #expect(report.alerts.count == 1)
        #expect(report.alerts.first?.riderID == 3)
        #expect(report.alerts.first?.heartRates == [200, 201, 202])
        #expect(report.trend.map(\.date.day) == Array(18...25))
        #expect(report.trend.map(\.figures.rideCount) == [0, 0, 0, 0, 1, 0, 1, 4])
    }

    @Test func emptyDayIsAReportNotAnError() async throws {
        let (warehouse, dir) = try await ReportFixture.sqlite()
        defer { try? FileManager.default.removeItem(at: dir) }
        let report = try await DailyReport.build(day: ReportFixture.day, warehouse: warehouse, zone: ReportFixture.london)
        try await warehouse.close()
        #expect(report.isEmpty)
        #expect(report.figures.avgHeartRate == nil && report.figures.longestRideS == nil)
        #expect(report.heartRateBins.isEmpty && report.topRiders.isEmpty && report.alerts.isEmpty)
    }

    @Test func hoursFollowTheClockChanges() async throws {
        let (warehouse, dir) = try await ReportFixture.sqlite()
        defer { try? FileManager.default.removeItem(at: dir) }
        let spring = try await DailyReport.build(day: CivilDate(year: 2024, month: 3, day: 31), warehouse: warehouse, zone: ReportFixture.london)
        let autumn = try await DailyReport.build(day: CivilDate(year: 2024, month: 10, day: 27), warehouse: warehouse, zone: ReportFixture.london)
        try await warehouse.close()
        #expect(spring.hourLabels.count == 23)
        #expect(Array(spring.hourLabels.prefix(3)) == ["00", "02", "03"])
        #expect(autumn.hourLabels.count == 25)
        #expect(Array(autumn.hourLabels.prefix(3)) == ["00", "01", "01"])
    }
}
