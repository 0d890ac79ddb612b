import DelotonCore
@testable import DelotonIngest
import DelotonStore
import DelotonTestSupport
import Foundation
import Logging
import Testing

/// A batch with one ride the database refuses still writes every other ride, in order, and its
/// source position; the refused ride is in quarantine with the database's message. The poison
/// is put straight into the batch: the parser no longer lets such values through.
@Suite(.serialized) struct BatchIsolationTests {
    let logger = Logger(label: "test")

    /// Three ended rides of three readings each, for riders 1, 2 and 3.
    static func batch() -> IngestBatch {
        var batch = IngestBatch()
        for rider in 1...3 {
            func at(_ second: Int) -> LocalDateTime {
                LocalDateTime(year: 2026, month: 5, day: 1, hour: 9 + rider, minute: 0, second: second)
            }
            let profile = RiderProfile(userID: rider, name: "Rider \(rider)", gender: "female", address: "1 A st,Town,AB1 2CD",
                                       dateOfBirthMs: 0, email: "r\(rider)@example.com", heightCm: 170, weightKg: 70,
                                       accountCreateDateMs: 0, bikeSerial: "SN-I", originalSource: "direct")
            var a = RideAssembler(stream: "test-\(rider)", zone: .utc)
            _ = a.consume(.system(at(0), profile))
            for d in 1...3 {
                _ = a.consume(.ride(at(2 * d), duration: d, resistance: 30))
                _ = a.consume(.telemetry(at(2 * d + 1), heartRate: 100, rpm: 60, power: 50))
            }
            a.endRide()
            a.drain(into: &batch)
        }
        batch.positions = ["file:/isolation": 99]
        return batch
    }

    func query(_ store: String, _ sql: String) async throws -> [String] {
        let r = store.hasPrefix("sqlite:")
            ? try await ChildProcess.run("/usr/bin/sqlite3", [String(store.dropFirst(7)), sql])
            : try await ChildProcess.run("/usr/bin/psql", [store, "-AtX", "-c", sql],
                                         environment: ["PGOPTIONS": "-c search_path=production,staging"])
        #expect(r.status == 0, "\(r.stderr)")
        return r.stdout.split(separator: "\n").map(String.init)
    }

    @Test func aRefusedRideIsQuarantinedAndTheRestCommits() async throws {
        // PostgreSQL checks elapsed_s >= 0. SQLite's columns are dynamically typed and carry no
        // such checks, so no value of a batch can make it refuse one: the split is the same code.
        for url in [try await PostgresServer.freshDatabase()] {
            let warehouse = try await Warehouses.open(url, logger: logger)
            var batch = Self.batch()
            batch.rides[1].readings[1].elapsed = -1
            let outcome = try await BatchIsolation.write(batch, to: warehouse, logger: logger)
            try await warehouse.close()
            #expect(outcome.endedRideIDs.count == 2, "\(url)")
            #expect(try await query(url, "SELECT rider_id, reading_count FROM rides ORDER BY 1") == ["1|3", "3|3"], "\(url)")
            #expect(try await query(url, "SELECT count(*) FROM readings") == ["6"], "\(url)")
            let quarantined = try await query(url, "SELECT source, reason FROM quarantine")
            #expect(quarantined.count == 1, "\(url)")
            #expect(quarantined.first?.hasPrefix("refused-ride:test-2|the warehouse refused this ride: ") == true, "\(url): \(quarantined)")
            #expect(try await query(url, "SELECT position FROM source_positions") == ["99"], "\(url)")
        }
    }

    @Test func halvesKeepTheOrderAndPutThePositionLast() {
        var batch = Self.batch()
        batch.quarantine = [QuarantinedLine(source: "s", position: 1, raw: "x", reason: "r")]
        let (first, second) = BatchIsolation.halves(of: batch)
        #expect(first.rides.map(\.snapshot.key.riderID) == [1])
        #expect(second.rides.map(\.snapshot.key.riderID) == [2, 3])
        #expect(first.positions.isEmpty && second.positions == batch.positions)
        #expect(first.quarantine.isEmpty && second.quarantine.count == 1)
    }
}
