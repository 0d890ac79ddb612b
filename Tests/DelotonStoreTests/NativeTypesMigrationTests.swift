import DelotonCore
@testable import DelotonStore
import DelotonTestSupport
import Foundation
import GRDB
import Logging
import Testing

// GRDB has an `SQL` of its own.
fileprivate typealias SQL = DelotonStore.SQL

/// PostgreSQL migration 6 turns times into `timestamptz` and flags into `boolean`, and SQLite
/// migration 7 gives its columns the same names. A warehouse the previous release filled must
/// come through with every row, and with analytics views its users cannot tell apart: the same
/// columns, types and rows before and after, and the same as a warehouse created afresh.
@Suite("native column types migration")
struct NativeTypesMigrationTests {
    typealias F = AnalyticsFixture

    /// Each renamed column's name before the migration.
    static let previousName = [
        "profile_as_of": "profile_as_of_us", "first_ride_at": "first_ride_us", "last_ride_at": "last_ride_us",
        "started_at": "started_at_us", "start_time": "start_time_us", "end_time": "end_time_us", "time": "time_us",
        "raised_at": "raised_at_us", "sent_at": "sent_at_us", "next_attempt_at": "next_attempt_us",
        "deleted_at": "deleted_at_us", "erased_at": "erased_at_us", "created_at": "created_at_us",
        "revoked_at": "revoked_at_us", "expires_at": "expires_at_us", "claimed_until": "until_us",
    ]

    /// Columns later migrations add: not there to copy into, and filled by those migrations (the
    /// comparison with the fresh warehouse then checks that they fill them as ingest would have).
    static let addedLater: Set<String> = ["hr_histogram", "power_histogram"]

    /// Every table with the key that orders it.
    static let tables: [(name: String, key: String)] = [
        ("riders", "id"), ("bikes", "serial"), ("rides", "id"), ("readings", "ride_id, elapsed_s"), ("alerts", "id"),
        ("source_positions", "source"), ("ride_tombstones", "rider_id, bike_serial"), ("rider_tombstones", "rider_id"),
        ("api_keys", "id"), ("reports_sent", "day"), ("report_claims", "day"), ("sessions", "token_hash"),
        ("quarantine", "source, position"),
    ]

    @Test("PostgreSQL: a warehouse from before migration 6 keeps its rows and its views, and equals a fresh one")
    func postgres() async throws {
        let fresh = try await F.postgres()
        try await fill(fresh.warehouse)

        let url = try await PostgresServer.freshDatabase()
        let settings = try PostgresSettings(url: url)
        let connection = try await PostgresConnector.connect(settings, logger: F.logger, id: 1)
        _ = try await PostgresSchema.migrate(connection, logger: F.logger, upTo: 5)
        try await connection.close()
        let old = try await Warehouses.open(url, migrate: false, logger: F.logger)
        let tables = Self.tables + [("staging.ride_profiles", "rider_id, bike_serial, started_at")]
        // The staging stamps were timestamptz already.
        try await copy(tables, from: fresh.warehouse, to: old, renaming: Self.previousName, instants: ["staged_at", "quarantined_at"])

        // An analyst role set up by the previous release reads the replaced views too.
        let analyst = PostgresServer.uniqueName("analyst")
        try await AnalystRole(name: analyst, password: "pw").apply(to: old)

        let before = try await views(old)
        #expect(try await old.migrate().first == "6-native-types")
        let after = try await views(old)
        let afresh = try await views(fresh.warehouse)
        let readable = try await old.sql.query("""
            SELECT count(*) AS n FROM information_schema.views
            WHERE table_schema = 'analytics' AND has_table_privilege(\(analyst), table_schema || '.' || table_name, 'SELECT')
            """)
        #expect(try readable.first?.decode("n", as: Int.self) == AnalyticsCatalog.all.count)
        #expect(before.rowCount > 1000)
        #expect(before == after, "\(before.difference(from: after) ?? "")")
        #expect(after.difference(from: afresh) == nil, "\(after.difference(from: afresh) ?? "")")
        let columns = """
            SELECT table_schema || '.' || table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable
                   || ' ' || coalesce(column_default, '') AS c
            FROM information_schema.columns WHERE table_schema IN ('analytics', 'production', 'staging')
                -- Readings partitions come as ride ids grow: the writer adds one ahead of them.
                AND table_name NOT LIKE 'readings\\_p%'
            ORDER BY table_schema, table_name, ordinal_position
            """
        let schema = try await old.sql.query("\(raw: columns)").map { try $0.decode("c", as: String.self) }
        #expect(schema == (try await fresh.warehouse.sql.query("\(raw: columns)").map { try $0.decode("c", as: String.self) }))
        #expect(schema.contains("production.readings.time timestamp with time zone NO "))
        #expect(schema.contains("production.rides.in_progress boolean NO "))
        #expect(!schema.contains { $0.contains("_us ") })
        // Every stored value came through: the instants exactly, the flags as they were.
        for (table, key) in tables {
            let query: SQL = "SELECT * FROM \(raw: table) ORDER BY \(raw: key)"
            #expect(try await rows(old, query) == (try await rows(fresh.warehouse, query)), "\(table)")
        }
        try await old.close()
        try await fresh.warehouse.close()
    }

    @Test("SQLite: a file from before migration 7 keeps its rows and its views, and equals a fresh one")
    func sqlite() async throws {
        let fresh = try await F.sqlite()
        defer { fresh.cleanup() }
        try await fill(fresh.warehouse)

        let dir = TestPaths.scratch("native-names")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let queue = try DatabaseQueue(path: dir + "/w.sqlite")
        try SQLiteSchema.migrator.migrate(queue, upTo: "6-quarantine-age")
        try queue.close()
        let old = try await Warehouses.open("sqlite:" + dir + "/w.sqlite", migrate: false, logger: F.logger)
        var renaming = Self.previousName
        renaming["quarantined_at"] = "quarantined_at_us"
        try await copy(Self.tables, from: fresh.warehouse, to: old, renaming: renaming, instants: [])

        let before = try await views(old)
        #expect(try await old.migrate().first == "7-native-names")
        let after = try await views(old)
        #expect(before.rowCount > 1000)
        #expect(before == after, "\(before.difference(from: after) ?? "")")
        let afresh = try await views(fresh.warehouse)
        #expect(after.difference(from: afresh) == nil, "\(after.difference(from: afresh) ?? "")")
        for (table, key) in Self.tables {
            let query: SQL = "SELECT * FROM \(raw: table) ORDER BY \(raw: key)"
            let (migrated, created) = (try await rows(old, query), try await rows(fresh.warehouse, query))
            #expect(migrated == created, "\(table): \(migrated.count) vs \(created.count) rows, first difference \(zip(migrated, created).first { $0 != $1 }.map { "\($0)" } ?? "")")
        }
        // The quarantine trigger follows its column's new name.
        try await old.sql.execute("INSERT INTO quarantine (source, position, raw, reason) VALUES ('file:new', 1, 'x', 'test')")
        #expect(try await old.sql.query("SELECT quarantined_at FROM quarantine WHERE source = 'file:new'").first?
            .decode("quarantined_at", as: Instant.self) != nil)
        try await old.close()
        try await fresh.warehouse.close()
    }

    // MARK: -

    /// The analytics fixture, a rider erased and a ride deleted, and a key, a session and a report.
    func fill(_ warehouse: any Warehouse) async throws {
        let at = Instant(microseconds: 1_700_000_000_123_456)
        try await warehouse.sql.transaction(StreamFixture.tombstones(startOf: StreamFixture.instant(ofSecond: 90)) + [
            "INSERT INTO api_keys (name, scope, key_hash, created_at, revoked_at) VALUES ('a', 'read', 'h1', \(at), NULL)",
            "INSERT INTO api_keys (name, scope, key_hash, created_at, revoked_at) VALUES ('b', 'write', 'h2', \(at), \(at))",
            """
            INSERT INTO sessions (token_hash, kind, key_name, created_at, expires_at, revoked_at)
            VALUES ('t', 'session', 'a', \(at), \(at.adding(seconds: 3600)), NULL)
            """,
            "INSERT INTO reports_sent (day, sent_at, recipients) VALUES (\(CivilDate(year: 2023, month: 11, day: 14)), \(at), 'a@b.c')",
            "INSERT INTO report_claims (day, owner, claimed_until) VALUES (\(CivilDate(year: 2023, month: 11, day: 14)), 'me', \(at))",
        ])
        for batch in try F.batches { _ = try await warehouse.write(batch) }
    }

    /// Copies every row under each column's previous name: the old columns hold microseconds
    /// and 0/1, which is how the SQL layer reads the new ones back. Numbers with a fraction are
    /// bound (SQLite's parser may miss a decimal's nearest double by a bit), the rest written out;
    /// `instants` name the columns that were `timestamptz` before too.
    func copy(_ tables: [(name: String, key: String)], from source: any Warehouse, to target: any Warehouse,
              renaming: [String: String], instants: Set<String>) async throws {
        func value(_ value: SQLValue, instant: Bool) -> SQL {
            switch value {
            case .null: return "NULL"
            case .int(let i): return instant ? "TIMESTAMPTZ 'epoch' + \(raw: String(i)) * INTERVAL '1 microsecond'" : "\(raw: String(i))"
            case .double(let d): return "\(d)"
            case .text(let t): return "\(raw: "'" + t.replacingOccurrences(of: "'", with: "''") + "'")"
            case .array: Issue.record("no table of the warehouse has an array column"); return "NULL"
            }
        }
        for (table, key) in tables {
            let rows = try await source.sql.query("SELECT * FROM \(raw: table) ORDER BY \(raw: key)")
            guard let columns = rows.first?.columns else { continue }
            let kept = columns.indices.filter { !Self.addedLater.contains(columns[$0]) }
            let names = kept.map { renaming[columns[$0]] ?? columns[$0] }.joined(separator: ", ")
            for chunk in stride(from: 0, to: rows.count, by: 500) {
                let values = rows[chunk..<min(chunk + 500, rows.count)].map { row -> SQL in
                    "(\(SQL.joined(kept.map { value(row.values[$0], instant: instants.contains(columns[$0])) }, separator: ", ")))"
                }
                try await target.sql.execute("INSERT INTO \(raw: table) (\(raw: names)) VALUES \(SQL.joined(values, separator: ",\n"))")
            }
        }
    }

    struct Views: Equatable {
        var rows: [String: [[SQLValue]]] = [:]
        var columns: [String: [String]] = [:]
        var rowCount: Int { rows.values.reduce(0) { $0 + $1.count } }

        func difference(from other: Views) -> String? {
            for name in rows.keys.sorted() {
                if columns[name] != other.columns[name] { return "\(name): \(columns[name] ?? []) vs \(other.columns[name] ?? [])" }
                let a = rows[name] ?? [], b = other.rows[name] ?? []
                if a.count != b.count { return "\(name): \(a.count) rows vs \(b.count)" }
                for (i, (x, y)) in zip(a, b).enumerated() where !Self.same(x, y) { return "\(name) row \(i):\n  \(x)\n  \(y)" }
            }
            return nil
        }

        /// Equal, but for the last bits of sums of doubles: a migration that rewrites rows
        /// changes the order a view adds them up in.
        static func same(_ x: [SQLValue], _ y: [SQLValue]) -> Bool {
            x.count == y.count && zip(x, y).allSatisfy { a, b in
                if case .double(let p) = a, case .double(let q) = b { return abs(p - q) <= 1e-9 * max(1, abs(p), abs(q)) }
                return a == b
            }
        }
    }

    /// Every view's rows in key order, and its columns with their types.
    func views(_ warehouse: any Warehouse) async throws -> Views {
        var out = Views()
        for view in AnalyticsCatalog.all {
            let name = view.qualifiedName(forWarehouseKind: warehouse.kind)
            out.rows[view.name] = try await rows(warehouse, "SELECT * FROM \(raw: name) ORDER BY \(raw: view.key.joined(separator: ", "))")
            let types: SQL = warehouse.kind == .postgresql
                ? """
                  SELECT column_name || ' ' || data_type AS c FROM information_schema.columns
                  WHERE table_schema = 'analytics' AND table_name = \(view.name) ORDER BY ordinal_position
                  """
                : "SELECT name || ' ' || type AS c FROM pragma_table_info(\(name)) ORDER BY cid"
            out.columns[view.name] = try await warehouse.sql.query(types).map { try $0.decode("c", as: String.self) }
        }
        return out
    }

    fileprivate func rows(_ warehouse: any Warehouse, _ query: SQL) async throws -> [[SQLValue]] {
        try await warehouse.sql.query(query).map(\.values)
    }
}
