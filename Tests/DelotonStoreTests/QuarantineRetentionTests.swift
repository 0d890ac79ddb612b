import DelotonCore
import DelotonStore
import DelotonTestSupport
import Foundation
import Logging
import Testing

/// Quarantined lines, which may carry personal data, are kept for their retention and no longer.
@Suite struct QuarantineRetentionTests {
    @Test(arguments: ["sqlite", "postgresql"]) func linesPastRetentionArePurgedAndNewOnesKept(_ kind: String) async throws {
        let dir = TestPaths.scratch("quarantine-age")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let url = kind == "sqlite" ? "sqlite:" + dir + "/w.sqlite" : try await PostgresServer.freshDatabase()
        let warehouse = try await Warehouses.open(url, logger: Logger(label: "test"))
        for position in 0..<3 {
            try await warehouse.sql.execute(
                "INSERT INTO quarantine (source, position, raw, reason) VALUES ('file:q', \(position), \("line \(position)"), 'test')")
        }
        // Line 0 came 31 days ago; the others just now (stamped by the database itself).
        try await warehouse.sql.execute("""
            UPDATE quarantine SET \(sqlite: "quarantined_at = quarantined_at - 31 * 86400000000",
                                    postgres: "quarantined_at = quarantined_at - interval '31 days'") WHERE position = 0
            """)
        let now = Instant(seconds: Date().timeIntervalSince1970)
        #expect(try await QuarantineRetention.purge(warehouse, now: now) == 1)
        let left = try await warehouse.sql.query("SELECT position FROM quarantine ORDER BY position").map { try $0.decode("position", as: Int64.self) }
        #expect(left == [1, 2])
        #expect(try await QuarantineRetention.purge(warehouse, olderThanDays: 30, now: now.adding(seconds: 31 * 86_400)) == 2)
        try await warehouse.close()
    }
}
