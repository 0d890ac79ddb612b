import DelotonCore
import DelotonStore
import DelotonTestSupport
import Logging
import Testing

/// The dashboard's window (`DashboardQueries.recentRides`) chooses its rides before joining the
/// riders' names and puts them in order itself: newest start first, the higher id first between
/// rides that started together, and a limit keeps the newest. Pinned on both warehouses.
@Suite struct RecentRidesOrderTests {
    let logger = Logger(label: "test")

    @Test(arguments: ["sqlite", "postgresql"]) func newestFirstAndTheLimitKeepsTheNewest(_ kind: String) async throws {
        let warehouse = try await SimulatedWarehouse.ingested(kind, name: "recent-order", readings: 12_000, seed: 5, logger: logger)
        defer { Task { try? await warehouse.close() } }

        // Half the rides start at the same moment, so the order between them is the ids'.
        try await warehouse.sql.execute("""
            UPDATE rides SET start_time = (SELECT min(start_time) FROM rides) WHERE id % 2 = 0
            """)
        let expected = try await warehouse.sql.query("SELECT id FROM rides ORDER BY start_time DESC, id DESC")
            .map { try $0.decode("id", as: Int64.self) }
        #expect(expected.count > 10)
        let all = try await DashboardQueries.recentRides(on: warehouse.sql, fromUs: 0, toUs: .max)
        #expect(all.map(\.rideID) == expected)
        #expect(all.allSatisfy { !$0.riderName.isEmpty }, "every ride has its rider's name")
        let newest = try await DashboardQueries.recentRides(on: warehouse.sql, fromUs: 0, toUs: .max, limit: 5)
        #expect(newest.map(\.rideID) == Array(expected.prefix(5)))
        let tied = try await DashboardQueries.recentRides(on: warehouse.sql, fromUs: 0, toUs: .max, limit: expected.count - 2)
        #expect(tied.map(\.rideID) == Array(expected.prefix(expected.count - 2)), "a limit inside the tie keeps the higher ids")
    }
}
