@testable import DelotonStore
import DelotonCore
import DelotonTestSupport
import GRDB
import Logging
import Testing

/// Migration 4 lets descriptive rider fields be unknown, and turns the unreadable dates an
/// earlier version stored into unknown ones, so the API reads every rider.
@Suite struct UnknownProfileFieldsTests {
    @Test func aWarehouseFromBeforeMigration4ReadsEveryRider() async throws {
        let path = TestPaths.scratch("migration4") + "/w.sqlite"
        let queue = try DatabaseQueue(path: path)
        try SQLiteSchema.migrator.migrate(queue, upTo: "3-report-claims")
        // What an earlier version stored for date_of_birth = Int64.max, and a good rider.
        try await queue.write { db in
            for (id, dob) in [(1, "292278994-08-17"), (2, "1980-02-03")] {
                try db.execute(sql: """
                    INSERT INTO riders VALUES (?, 'Name', NULL, 'Name', '', 'female', ?, 'a@example.com', '', 'Town',
                                               'AB1 2CD', 1, 170, 70, '2022-01-01', 'direct', 0)
                    """, arguments: [id, dob])
            }
        }
        try queue.close()

        let warehouse = try SQLiteWarehouse(path: path, logger: Logger(label: "test"))
        try await warehouse.migrate()
        let queries = RiderQueries(warehouse.sql)
        #expect(try await queries.rider(id: 1)?.rider.dateOfBirth == nil)
        #expect(try await queries.rider(id: 2)?.rider.dateOfBirth == CivilDate(year: 1980, month: 2, day: 3))
        let page = try await queries.riders(RiderFilter(), today: CivilDate(year: 2026, month: 12, day: 3), limit: 10)
        #expect(page.items.count == 2)
        try await warehouse.close()
    }

    @Test func unknownFieldsAreStoredAsNull() async throws {
        for url in ["sqlite:" + TestPaths.scratch("unknown") + "/w.sqlite", try await PostgresServer.freshDatabase()] {
            let warehouse = try await Warehouses.open(url, logger: Logger(label: "test"))
            let profile = RiderProfile(userID: 5, name: "", gender: "", address: "", dateOfBirthMs: nil, email: "",
                                       heightCm: nil, weightKg: nil, accountCreateDateMs: nil, bikeSerial: "SN1", originalSource: "")
            var a = RideAssembler(stream: "s", zone: .utc)
            let t = LocalDateTime(year: 2026, month: 5, day: 1, hour: 10, minute: 0, second: 0)
            _ = a.consume(.system(t, profile))
            _ = a.consume(.ride(t, duration: 1, resistance: 30))
            _ = a.consume(.telemetry(t, heartRate: 100, rpm: 60, power: 50))
            a.endRide()
            var batch = IngestBatch()
            a.drain(into: &batch)
            _ = try await warehouse.write(batch)
            let rider = try await RiderQueries(warehouse.sql).rider(id: 5)?.rider
            #expect(rider?.dateOfBirth == nil && rider?.heightCm == nil && rider?.weightKg == nil && rider?.accountCreated == nil, "\(url)")
            try await warehouse.close()
        }
    }
}
