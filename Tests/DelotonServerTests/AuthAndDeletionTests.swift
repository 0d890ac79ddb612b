import DelotonCore
import DelotonStore
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
@testable import DelotonServer

@Suite struct AuthAndDeletionTests {
    @Test(arguments: Backend.allCases) func keysAreCreatedOnceStoredHashedListedAndRevoked(_ backend: Backend) async throws {
        let fixture = try await Fixture.make(backend)
        defer { Task { await fixture.close() } }
        let keys = APIKeyStore(warehouse: fixture.warehouse, now: { Fixture.now })
        let secret = try await keys.create(name: "ops", scope: .write)
        #expect(secret.hasPrefix("dlt_"))
        #expect(try await keys.verify(key: secret) == APIKeyIdentity(name: "ops", scope: .write))
        let stored = try await fixture.warehouse.sql.query("SELECT key_hash FROM api_keys WHERE name = 'ops'")
        #expect(try stored.first?.decode("key_hash", as: String.self) == APIKeyHash.sha256Hex(secret))
        #expect(try stored.first?.decode("key_hash", as: String.self) != secret)
        let taken = await #expect(throws: APIKeyError.self) { _ = try await keys.create(name: "ops", scope: .read) }
        #expect(taken?.setting == .keyName)
        await #expect(throws: APIKeyError.self) { _ = try await keys.create(name: "  ", scope: .read) }
        #expect(try await keys.list().map(\.name) == ["fixture-reader", "ops"])
        #expect(try await keys.revoke(name: "ops"))
        #expect(try await keys.revoke(name: "ops") == false)
        #expect(try await keys.verify(key: secret) == nil)
        #expect(try await keys.list().first { $0.name == "ops" }?.revokedAt == Fixture.now)
        #expect(try await keys.verify(key: "dlt_guess") == nil)
    }

    @Test(arguments: Backend.allCases) func deleteRideNeedsAWriteKeyAndLeavesATombstoneThatReplayRespects(_ backend: Backend) async throws {
        let fixture = try await Fixture.make(backend)
        defer { Task { await fixture.close() } }
        let keys = APIKeyStore(warehouse: fixture.warehouse, now: { Fixture.now })
        let writer = try await keys.create(name: "cleanup-bot", scope: .write)
        let reader = try await keys.create(name: "analyst", scope: .read)
        let rides = RideQueries(fixture.warehouse.sql)
        let alerted = try #require(try await rides.rides(riderID: Fixture.alertRiderID).first)
        try await fixture.app().test(.router) { client async throws in
            let uri = "/ride/\(alerted.id)"
            let anonymous = try await client.call(uri, method: .delete)
            #expect(anonymous.status == .unauthorized)
            #expect(anonymous.errorShape?.type == "unauthorized")
            #expect(try await client.call(uri, method: .delete, headers: [.authorization: "Bearer dlt_wrong"]).status == .unauthorized)
            let readOnly = try await client.call(uri, method: .delete, headers: [.authorization: "Bearer \(reader)"])
            #expect(readOnly.status == .forbidden)
            #expect(readOnly.errorShape?.type == "forbidden")
            let deleted = try await client.call(uri, method: .delete, headers: [Authenticator.apiKeyHeader: writer])
            #expect(deleted.status == .noContent)
            #expect(try await client.call(uri, headers: [.authorization: "Bearer \(reader)"]).status == .notFound)
            #expect(try await client.call(uri, method: .delete, headers: [.authorization: "Bearer \(writer)"]).status == .notFound)
            #expect(try await client.call("/ride/\(alerted.id)x", method: .delete, headers: [.authorization: "Bearer \(writer)"]).status == .badRequest)
        }
        let sql = fixture.warehouse.sql
        #expect(try await sql.query("SELECT count(*) AS n FROM readings WHERE ride_id = \(alerted.id)").first?.decode("n", as: Int64.self) == 0)
        #expect(try await sql.query("SELECT count(*) AS n FROM alerts WHERE ride_id = \(alerted.id)").first?.decode("n", as: Int64.self) == 0)
        let tombstone = try await sql.query("SELECT deleted_by, deleted_at FROM ride_tombstones").first
        #expect(try tombstone?.decode("deleted_by", as: String.self) == "cleanup-bot")
        #expect(try tombstone?.decode("deleted_at", as: Int64.self) == Fixture.now.microseconds)

        // Replaying the stream brings neither the ride nor its alert back.
        let outcome = try await fixture.ingest(Fixture.syntheticLines(), stream: "file:synthetic")
        #expect(outcome.tombstonedRides == 1)
        #expect(outcome.newAlertIDs.isEmpty)
        #expect(try await rides.rides(riderID: Fixture.alertRiderID).count == 1)
        #expect(try await sql.query("SELECT count(*) AS n FROM alerts").first?.decode("n", as: Int64.self) == 0)
    }

    @Test(arguments: Backend.allCases) func eraseRiderRemovesEverythingAboutThem(_ backend: Backend) async throws {
        let fixture = try await Fixture.make(backend)
        defer { Task { await fixture.close() } }
        let writer = try await APIKeyStore(warehouse: fixture.warehouse, now: { Fixture.now }).create(name: "dpo", scope: .write)
        try await fixture.app().test(.router) { client async throws in
            let auth: HTTPFields = [.authorization: "Bearer \(writer)"]
            #expect(try await client.call("/rider/900", method: .delete).status == .unauthorized)
            #expect(try await client.call("/rider/900", method: .delete, headers: auth).status == .noContent)
            #expect(try await client.call("/rider/900", headers: auth).status == .notFound)
            #expect(try await client.call("/rider/900/rides", headers: auth).status == .notFound)
            #expect(try await client.call("/rider/900", method: .delete, headers: auth).status == .notFound)
            #expect(try await client.call("/rider/901", headers: auth).status == .ok)
        }
        let sql = fixture.warehouse.sql
        for table in ["rides WHERE rider_id = 900", "alerts WHERE rider_id = 900",
                      "readings WHERE ride_id NOT IN (SELECT id FROM rides)", "riders WHERE id = 900"] {
            #expect(try await sql.query("SELECT count(*) AS n FROM \(raw: table)").first?.decode("n", as: Int64.self) == 0, "\(table)")
        }
        #expect(try await sql.query("SELECT erased_by FROM rider_tombstones WHERE rider_id = 900").first?.decode("erased_by", as: String.self) == "dpo")
        let outcome = try await fixture.ingest(Fixture.syntheticLines(), stream: "file:synthetic")
        #expect(outcome.tombstonedRides == 2)
        #expect(try await RiderQueries(sql).rider(id: 900) == nil)
    }

    @Test(arguments: Backend.allCases) func readsNeedACredentialByDefaultButHealthAndTheDescription(_ backend: Backend) async throws {
        let fixture = try await Fixture.make(backend)
        defer { Task { await fixture.close() } }
        try await fixture.app().test(.router) { client async throws in
            #expect(try await client.call("/health").status == .ok)
            #expect(try await client.call("/openapi.json").status == .ok)
            for uri in ["/rider/901", "/daily", "/rides", "/riders", "/stats/daily", "/leaderboard", "/metrics",
                        "/api/live", "/api/recent", "/events?once=1"] {
                let answer = try await client.call(uri)
                #expect(answer.status == .unauthorized, "\(uri)")
                #expect(answer.errorShape?.type == "unauthorized", "\(uri)")
                #expect(!answer.body.contains("Smith"), "\(uri)")
                #expect(try await client.call(uri, headers: [.authorization: "Bearer \(fixture.readKey)"]).status == .ok, "\(uri)")
            }
            let readOnlyDelete = try await client.call("/ride/1", method: .delete, headers: [.authorization: "Bearer \(fixture.readKey)"])
            #expect(readOnlyDelete.status == .forbidden)
        }
    }

    @Test(arguments: Backend.allCases) func publicReadsOpensReadsButNotMetricsOrWrites(_ backend: Backend) async throws {
        let fixture = try await Fixture.make(backend, publicReads: true)
        defer { Task { await fixture.close() } }
        try await fixture.app().test(.router) { client async throws in
            for uri in ["/rider/901", "/daily", "/rides", "/api/live", "/events?once=1"] {
                #expect(try await client.call(uri).status == .ok, "\(uri)")
            }
            #expect(try await client.call("/metrics").status == .unauthorized)
            #expect(try await client.call("/ride/1", method: .delete).status == .unauthorized)
        }
    }
}
