import DelotonCore
import DelotonReport
import DelotonStore
import Foundation

/// The report of a busy day, timed: `deloton bench report`.
///
/// The day has `rides` rides of `secondsPerRide` readings on 250 bikes, built by the real
/// assembler and written in ingest-sized batches; then the report is built (figures, trend,
/// distributions, highlights, alerts) and rendered (PNG charts, HTML, PDF, JSON) as `deloton
/// report` does.
public enum ReportBench {
    public struct Result: Sendable {
        public var rides: Int
        public var readings: Int
        /// Zero when the warehouse already held the day.
        public var load: Duration
        public var figures: Duration
        public var render: Duration
        public var pdfBytes: Int
    }

    public static let day = CivilDate(year: 2022, month: 7, day: 25)
    static let bikes = 250
    static let london = Zone(identifier: "Europe/London")!

    /// Loads the day unless the warehouse already has rides on it, then times the report.
    public static func run(warehouse: any Warehouse, rides: Int, secondsPerRide: Int = 500,
                           output: URL) async throws -> Result {
        let clock = ContinuousClock()
        let hours = london.interval(of: day)
        let loaded = try await warehouse.sql.query("""
            SELECT count(*) AS n FROM rides WHERE start_time >= \(hours.lowerBound) AND start_time < \(hours.upperBound)
            """)
        let load = try (loaded.first?.decode("n", as: Int64.self) ?? 0) > 0 ? .zero : try await clock.measure {
            try await self.load(into: warehouse, rides: rides, secondsPerRide: secondsPerRide)
        }
        let building = clock.now
        let report = try await DailyReport.build(day: day, warehouse: warehouse, zone: london)
        let rendering = clock.now
        let documents = try ReportRenderer.write(report, to: output)
        return Result(rides: Int(report.figures.rideCount), readings: report.heartRateBins.reduce(0) { $0 + $1.count },
                      load: load, figures: rendering - building, render: clock.now - rendering, pdfBytes: documents.pdf.count)
    }

    /// `rides / bikes` rides per bike spread over the day, random heart rate and power.
    static func load(into warehouse: any Warehouse, rides: Int, secondsPerRide: Int) async throws {
        let perBike = max(1, rides / bikes)
        let spacing = Int64(86_000 / perBike) * 1_000_000
        var generator = SystemRandomNumberGenerator()
        for bike in 0..<bikes {
            var assembler = RideAssembler(stream: "bench:\(bike)", zone: london)
            var batches = BenchBatches(warehouse)
            for ride in 0..<perBike {
                let start = Int64(ride) * spacing + Int64(bike) * 1_000_000
                let rider = (bike * perBike + ride) % 2_000 + 1
                let profile = RiderProfile(
                    userID: rider, name: "Rider \(rider)", gender: rider % 3 == 0 ? "female" : "male",
                    address: "1 High Street,Leeds,LS1 1AA", dateOfBirthMs: -Int64(rider % 60) * 365 * 86_400_000,
                    email: "r\(rider)@example.com", heightCm: 175, weightKg: 70, accountCreateDateMs: 0,
                    bikeSerial: "SN\(bike)", originalSource: "bench")
                _ = assembler.consume(.beginningOfRide)
                _ = assembler.consume(.system(time(start - 1_000_000), profile))
                for s in 0..<secondsPerRide {
                    let t = time(start + Int64(s) * 1_000_000)
                    _ = assembler.consume(.ride(t, duration: s + 1, resistance: 40))
                    _ = assembler.consume(.telemetry(t, heartRate: 80 + Int.random(in: 0..<100, using: &generator), rpm: 60,
                                                     power: Double.random(in: 0..<400, using: &generator)))
                }
                assembler.endRide()
                try await batches.take(from: &assembler)
            }
            try await batches.flush()
        }
    }

    /// The bench day's local time `micros` after midnight (may run into the next day).
    static func time(_ micros: Int64) -> LocalDateTime {
        let dayMicros: Int64 = 86_400_000_000
        let naive = LocalDateTime(date: day, microsecondOfDay: 0).naiveMicroseconds + micros
        return LocalDateTime(date: CivilDate(daysSinceEpoch: Int(naive / dayMicros)), microsecondOfDay: naive % dayMicros)
    }
}
