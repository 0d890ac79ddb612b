import DelotonCore
import DelotonServer
import DelotonStore
import Foundation

/// The data and the routes of `deloton bench api`.
public enum APIBench {
    /// A route under load: a request path per request number.
    public struct Route: Sendable {
        public var name: String
        public var path: @Sendable (Int) -> String
    }

    /// Fills an empty warehouse with `rides` rides of `seconds` readings through the real
    /// assembler: 100 riders on 50 bikes over July 2022 (about 32 rides a day). Returns false when
    /// the warehouse already had rides (they are used as they are).
    public static func fill(_ warehouse: any Warehouse, rides: Int, seconds: Int) async throws -> Bool {
        let existing = try await warehouse.sql.query("SELECT count(*) AS n FROM rides")
        guard try existing.first?.decode("n", as: Int64.self) == 0 else { return false }
        let zone = Zone(identifier: "Europe/London")!
        var batches = BenchBatches(warehouse)
        for n in 0..<rides {
            let rider = n % 100 + 1
            let profile = RiderProfile(
                userID: rider, name: "Rider \(rider) Bench", gender: rider % 2 == 0 ? "female" : "male",
                address: "\(rider) High Street,London,EC1A 1AA", dateOfBirthMs: Int64(-10 + rider) * 31_557_600_000,
                email: "r\(rider)@example.com", heightCm: 170, weightKg: 70, accountCreateDateMs: 1_640_995_200_000,
                bikeSerial: "SN\(n % 50)", originalSource: "bench")
            let day = CivilDate(year: 2022, month: 7, day: 1 + n % 31)
            let first = Int64(6 * 3600 + (n / 31) * (seconds + 200)) * 1_000_000
            func at(_ s: Int) -> LocalDateTime {
                let micros = first + Int64(s) * 1_000_000
                return LocalDateTime(date: day.adding(days: Int(micros / 86_400_000_000)), microsecondOfDay: micros % 86_400_000_000)
            }
            var assembler = RideAssembler(stream: "bench-\(n)", zone: zone)
            _ = assembler.consume(.system(at(0), profile))
            for s in 1...seconds {
                _ = assembler.consume(.ride(at(s), duration: s, resistance: 30 + s % 20))
                _ = assembler.consume(.telemetry(at(s), heartRate: s % 97 == 0 ? 0 : 90 + (s * 7 + n) % 70, rpm: 50 + s % 30,
                                                 power: Double(s % 300) * 0.37))
            }
            assembler.endRide()
            try await batches.take(from: &assembler)
        }
        try await batches.flush()
        return true
    }

    /// `/ride/{id}`, `/rider/{id}` and `/daily?date=` over what the warehouse holds, ids and days
    /// drawn at random (the same sequence every run).
    public static func routes(_ warehouse: any Warehouse) async throws -> [Route] {
        let rows = try await warehouse.sql.query("""
            SELECT min(id) AS lo, max(id) AS hi, min(rider_id) AS rlo, max(rider_id) AS rhi FROM rides
            """)
        guard let row = rows.first, let lo = try row.decode("lo", as: Int64?.self), let hi = try row.decode("hi", as: Int64?.self),
              let rlo = try row.decode("rlo", as: Int64?.self), let rhi = try row.decode("rhi", as: Int64?.self) else {
            throw BenchError(description: "the warehouse has no rides to query")
        }
        return [
            Route(name: "GET /ride/{id}") { "/ride/\(Self.pick($0, lo, hi))" },
            Route(name: "GET /rider/{id}") { "/rider/\(Self.pick($0, rlo, rhi))" },
            Route(name: "GET /daily?date=") { "/daily?date=\(String(format: "%02d", Self.pick($0, 1, 31)))-07-2022" },
        ]
    }

    /// An id in `lo...hi` for request `i`: a fixed mix of the request number, so runs are
    /// comparable and the connections share no random state.
    static func pick(_ i: Int, _ lo: Int64, _ hi: Int64) -> Int64 {
        lo + Int64(truncatingIfNeeded: UInt64(truncatingIfNeeded: i &* 2_654_435_761) % UInt64(hi - lo + 1))
    }

    public struct BenchError: Error, CustomStringConvertible {
        public let description: String
        public init(description: String) { self.description = description }
    }
}
