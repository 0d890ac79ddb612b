import DelotonCore
@testable import DelotonStore
import DelotonTestSupport
import Foundation
import Testing

/// On PostgreSQL, the analyst role reads every view and nothing else.
@Suite("Analyst role")
struct AnalystRoleTests {
    typealias F = AnalyticsFixture

    static func url(_ base: String, user: String, password: String) -> String {
        guard var parts = URLComponents(string: base) else { return base }
        parts.user = user
        parts.password = password
        return parts.string ?? base
    }

    /// Fails as the role's sessions start (read-only by default), and in a read-write transaction,
    /// where only its privileges stand in the way.
    static func fails(_ warehouse: any Warehouse, _ sql: String) async -> Bool {
        do {
            _ = try await warehouse.sql.query("\(raw: sql)")
            return false
        } catch {}
        do {
            _ = try await warehouse.sql.transaction(["SET TRANSACTION READ WRITE", "\(raw: sql)"])
            return false
        } catch {
            return true
        }
    }

    @Test("reads every view; reading base tables or personal data, and writing anything, fail")
    func readOnly() async throws {
        let owner = try await F.postgres()
        for batch in try F.batches { _ = try await owner.warehouse.write(batch) }
        let name = PostgresServer.uniqueName("analyst")
        let role = try AnalystRole(name: name, password: "first 'secret'")
        try await role.apply(to: owner.warehouse)
        // Idempotent: a second run (a new password) changes nothing else.
        try await AnalystRole(name: name, password: "second-secret").apply(to: owner.warehouse)

        let analyst = try await Warehouses.open(Self.url(owner.url, user: name, password: "second-secret"), migrate: false,
                                                logger: F.logger)
        for view in AnalyticsCatalog.all {
            let rows = try await analyst.sql.query("SELECT count(*) AS n FROM analytics.\(raw: view.name)")
            #expect(try (rows.first?.decode("n", as: Int64.self) ?? 0) > 0, "analyst cannot read analytics.\(view.name)")
        }
        // What the analyst sees through the export is what the owner sees.
        let viaAnalyst = try await F.table(AnalyticsCatalog.rides, in: analyst)
        #expect(viaAnalyst == (try await F.table(AnalyticsCatalog.rides, in: owner.warehouse)))

        let forbidden = [
            "SELECT * FROM production.riders",
            "SELECT email FROM production.riders",
            "SELECT email FROM production.rides",
            "SELECT recipient FROM production.alerts",
            "SELECT * FROM production.readings LIMIT 1",
            "SELECT * FROM production.api_keys",
            "SELECT * FROM production.sessions",
            "SELECT * FROM staging.quarantine",
            "SELECT * FROM staging.ride_profiles",
            "SELECT * FROM riders",
            "INSERT INTO analytics.rides (ride_id) VALUES (1)",
            "UPDATE analytics.rides SET bike_serial = 'x'",
            "DELETE FROM analytics.readings",
            "TRUNCATE production.readings",
            "DELETE FROM production.rides",
            "UPDATE production.riders SET email = 'x'",
            "CREATE TABLE analytics.mine (x int)",
            "CREATE TABLE public.mine (x int)",
            "CREATE TABLE mine (x int)",
            "CREATE VIEW analytics.mine AS SELECT 1",
            "CREATE SCHEMA mine",
            "DROP VIEW analytics.rides",
            "ALTER VIEW analytics.rides RENAME TO gone",
            "CREATE ROLE other LOGIN",
        ]
        for sql in forbidden {
            #expect(await Self.fails(analyst, sql), "the analyst could run: \(sql)")
        }
        // The owner's later views are readable at once (default privileges).
        try await owner.warehouse.sql.execute("CREATE VIEW analytics.later AS SELECT ride_id FROM analytics.rides")
        #expect(!(await Self.fails(analyst, "SELECT count(*) FROM analytics.later")))
        // The role holds no column of personal data, and views hold none either.
        let columns = try await analyst.sql.query("""
            SELECT table_name::text AS t, column_name::text AS c FROM information_schema.columns WHERE table_schema = 'analytics'
            """).map { try $0.decode("c", as: String.self) }
        #expect(!columns.isEmpty)
        #expect(!columns.contains { ["email", "name", "address_lines", "postcode", "date_of_birth"].contains($0) })
        try await analyst.close()
        try await owner.warehouse.close()
    }

    @Test("the password is required and checked; names are validated; SQLite has no roles")
    func settings() async throws {
        #expect(throws: WarehouseError.self) { try AnalystRole(name: "Analyst", password: "x") }
        #expect(throws: WarehouseError.self) { try AnalystRole(name: "a; DROP TABLE x", password: "x") }
        #expect(throws: WarehouseError.self) { try AnalystRole(name: "postgres", password: "x") }
        #expect(throws: WarehouseError.self) { try AnalystRole(name: "pg_monitor", password: "x") }
        #expect(throws: WarehouseError.self) { try AnalystRole(name: "analyst", password: "") }
        let lite = try await F.sqlite()
        defer { lite.cleanup() }
        await #expect(throws: WarehouseError.self) { try await AnalystRole(name: "analyst", password: "x").apply(to: lite.warehouse) }
        try await lite.warehouse.close()

        // A server of its own that asks TCP clients for passwords.
        let server = try await PostgresServer.privateServer()
        defer { server.destroy() }
        let owner = try await Warehouses.open(server.url, logger: F.logger)
        let name = PostgresServer.uniqueName("analyst")
        let role = try AnalystRole(name: name, password: "right horse battery", statementTimeoutSeconds: 120, connectionLimit: 3)
        // Only a SCRAM verifier goes to the server, never the password.
        #expect(!role.statements.flatMap { $0.rendered(for: .postgres).binds }.contains { if case .text(let s?) = $0 { s.contains("horse") } else { false } })
        #expect(!role.statements.contains { $0.rendered(for: .postgres).text.contains("horse") })
        try await role.apply(to: owner)
        let stored = try await owner.sql.query(
            """
            SELECT a.rolpassword, r.rolconnlimit, array_to_string(r.rolconfig, ',') AS config
            FROM pg_authid a JOIN pg_roles r ON r.oid = a.oid WHERE a.rolname = \(name)
            """)
        #expect(try stored.first?.decode("rolpassword", as: String.self).hasPrefix("SCRAM-SHA-256$4096:") == true)
        #expect(try stored.first?.decode("rolconnlimit", as: Int64.self) == 3)
        let config = try stored.first?.decode("config", as: String.self) ?? ""
        #expect(config.contains("statement_timeout=120s") || config.contains("statement_timeout=2min"), "\(config)")
        try await owner.close()
        let hba = server.directory + "/data/pg_hba.conf"
        try "local all all trust\nhost all postgres 127.0.0.1/32 trust\nhost all all 127.0.0.1/32 scram-sha-256\n"
            .write(toFile: hba, atomically: false, encoding: .utf8)
        _ = try await server.psql("SELECT pg_reload_conf()")
        let good = try await Warehouses.open(Self.url(server.url, user: name, password: "right horse battery"), migrate: false,
                                             logger: F.logger)
        #expect(try await good.sql.query("SELECT count(*) AS n FROM analytics.rides").count == 1)
        try await good.close()
        do {
            let bad = try await Warehouses.open(Self.url(server.url, user: name, password: "wrong"), migrate: false, logger: F.logger)
            try? await bad.close()
            Issue.record("a wrong password was accepted")
        } catch let error as WarehouseError {
            #expect(!error.message.contains("wrong"), "the password appears in: \(error.message)")
        }
    }

    @Test("an existing role with powers is refused, and the owner cannot name itself")
    func refusals() async throws {
        let owner = try await F.postgres()
        let name = PostgresServer.uniqueName("powerful")
        try await owner.warehouse.sql.execute("CREATE ROLE \(raw: name) LOGIN CREATEDB")
        do {
            try await AnalystRole(name: name, password: "p4ss-word").apply(to: owner.warehouse)
            Issue.record("a role with CREATEDB was accepted")
        } catch let error as WarehouseError {
            #expect(error.message.contains("powers"), "\(error.message)")
            #expect(!error.message.contains("p4ss-word"))
        }
        // A role that reaches base tables through a group is refused too, and nothing is left half-done.
        let group = PostgresServer.uniqueName("readers")
        let member = PostgresServer.uniqueName("member")
        try await owner.warehouse.sql.execute("CREATE ROLE \(raw: group)")
        try await owner.warehouse.sql.execute("GRANT USAGE ON SCHEMA production TO \(raw: group)")
        try await owner.warehouse.sql.execute("GRANT SELECT ON production.riders TO \(raw: group)")
        try await owner.warehouse.sql.execute("CREATE ROLE \(raw: member) LOGIN IN ROLE \(raw: group)")
        do {
            try await AnalystRole(name: member, password: "p4ss-word").apply(to: owner.warehouse)
            Issue.record("a role that reads production.riders through a group was accepted")
        } catch let error as WarehouseError {
            #expect(error.message.contains("production.riders"), "\(error.message)")
        }
        let granted = try await owner.warehouse.sql.query("SELECT has_schema_privilege(\(member), 'analytics', 'USAGE') AS g")
        #expect(try granted.first?.decode("g", as: Bool.self) == false, "a refused role kept its grants")
        try await owner.warehouse.close()
    }
}
