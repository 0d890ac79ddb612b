import DelotonStore
import DelotonTestSupport
import Foundation
import Logging
import Testing

/// Staged profiles are a PostgreSQL feature reached through `Warehouse.staging`, never by asking
/// which class a warehouse is: SQLite says plainly that it keeps none.
@Suite struct ProfileStagingTests {
    @Test("SQLite keeps no staged profiles and answers reprocess and purge with StagingUnsupported")
    func sqliteHasNoStaging() async throws {
        let dir = TestPaths.scratch("staging-sqlite")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let warehouse = try await Warehouses.open("sqlite:" + dir + "/w.sqlite", logger: Logger(label: "test"))
        #expect(warehouse.kind == .sqlite)
        #expect("\(warehouse.kind)" == "sqlite")
        #expect(!warehouse.staging.keepsProfiles)
        await #expect(throws: StagingUnsupported.self) { _ = try await warehouse.staging.reprocess() }
        await #expect(throws: StagingUnsupported.self) { _ = try await warehouse.staging.purgeStaging(olderThanDays: 1) }
        try await warehouse.close()
    }

    @Test("PostgreSQL keeps staged profiles and prints its kind as before")
    func postgresStages() async throws {
        let warehouse = try await Warehouses.open(try await PostgresServer.freshDatabase(), logger: Logger(label: "test"))
        #expect(warehouse.kind == .postgresql)
        #expect("\(warehouse.kind)" == "postgresql")
        #expect(warehouse.staging.keepsProfiles)
        #expect(try await warehouse.staging.purgeStaging(olderThanDays: nil) == 0)
        let summary = try await warehouse.staging.reprocess()
        #expect(summary.profilesRead == 0 && summary.ridersChanged == 0)
        try await warehouse.close()
    }
}
