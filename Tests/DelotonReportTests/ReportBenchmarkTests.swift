import DelotonCore
import DelotonReport
import DelotonStore
import Foundation
import Logging
import Testing

/// The report for a busy day: 5,000 rides, 2.5 M readings. Opt-in (it loads the data first):
/// `DELOTON_REPORT_BENCH=1 swift test -c release --filter ReportBenchmark`.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["DELOTON_REPORT_BENCH"] != nil))
struct ReportBenchmarkTests {
    static let rides = Int(ProcessInfo.processInfo.environment["DELOTON_REPORT_BENCH_RIDES"] ?? "") ?? 5_000
    static let secondsPerRide = 500
    static let bikes = 250

    /// Rides of `secondsPerRide` readings, `rides / bikes` per bike spread over the day, built
    /// by the real assembler and written in ingest-sized batches.
    static func load(into warehouse: any Warehouse, day: CivilDate) async throws {
        let perBike = rides / bikes
        let spacing = Int64(86_000 / perBike) * 1_000_000
        var generator = SystemRandomNumberGenerator()
        for bike in 0..<bikes {
            var assembler = RideAssembler(stream: "bench:\(bike)", zone: ReportFixture.london)
            var batch = IngestBatch()
            for ride in 0..<perBike {
                let start = LocalDateTime(date: day, microsecondOfDay: Int64(ride) * spacing + Int64(bike) * 1_000_000)
                let rider = (bike * perBike + ride) % 2_000 + 1
                let profile = RiderProfile(
                    userID: rider, name: "Rider \(rider)", gender: rider % 3 == 0 ? "female" : "male",
                    address: "1 High Street,Leeds,LS1 1AA", dateOfBirthMs: -Int64(rider % 60) * 365 * 86_400_000,
                    email: "r\(rider)@example.com", heightCm: 175, weightKg: 70, accountCreateDateMs: 0,
                    bikeSerial: "SN\(bike)", originalSource: "bench")
                _ = assembler.consume(.beginningOfRide)
                _ = assembler.consume(.system(ReportFixture.at(start, plusMicros: -1_000_000), profile))
                for s in 0..<secondsPerRide {
                    let t = ReportFixture.at(start, plusMicros: Int64(s) * 1_000_000)
                    _ = assembler.consume(.ride(t, duration: s + 1, resistance: 40))
                    let hr = 80 + Int.random(in: 0..<100, using: &generator)
                    _ = assembler.consume(.telemetry(t, heartRate: hr, rpm: 60, power: Double.random(in: 0..<400, using: &generator)))
                }
                assembler.endRide()
                assembler.drain(into: &batch)
                if batch.readingCount >= 20_000 {
                    _ = try await warehouse.write(batch)
                    batch = IngestBatch()
                }
            }
            _ = try await warehouse.write(batch)
        }
    }

    @Test func busyDayOnSQLite() async throws {
        // DELOTON_REPORT_BENCH_DB=PATH keeps the loaded database for the next run.
        let kept = ProcessInfo.processInfo.environment["DELOTON_REPORT_BENCH_DB"]
        let dir = try ReportFixture.temporaryDirectory("deloton-report-bench")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = kept ?? dir.appendingPathComponent("bench.sqlite").path
        let fresh = !FileManager.default.fileExists(atPath: path)
        let warehouse = try SQLiteWarehouse(path: path, logger: Logger(label: "bench"))
        try await warehouse.migrate()
        let day = CivilDate(year: 2022, month: 7, day: 25)
        let loading = ContinuousClock.now
        if fresh { try await Self.load(into: warehouse, day: day) }
        let loaded = ContinuousClock.now - loading

        let clock = ContinuousClock()
        var report: DailyReport?
        let build = try await clock.measure {
            report = try await DailyReport.build(day: day, warehouse: warehouse, zone: ReportFixture.london)
        }
        let built = try #require(report)
        var documents: ReportDocuments?
        let render = try clock.measure { documents = try ReportRenderer.write(built, to: dir.appendingPathComponent("out")) }
        try await warehouse.close()

        let readings = built.heartRateBins.reduce(0) { $0 + $1.count }
        print("report benchmark (SQLite): \(Int(built.figures.rideCount)) rides, \(readings) readings; load \(loaded), "
              + "figures \(build), render \(render), total \(build + render), PDF \((documents?.pdf.count ?? 0) / 1024) KiB")
        #expect(Int(built.figures.rideCount) == Self.rides)
        #expect(readings == Self.rides * Self.secondsPerRide)
        #expect(build + render < .seconds(5))
    }
}
