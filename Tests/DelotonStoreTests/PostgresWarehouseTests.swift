import DelotonCore
@testable import DelotonStore
import DelotonTestSupport
import Foundation
import Logging
import Testing

@Suite("PostgreSQL warehouse")
struct PostgresWarehouseTests {
    static let logger = Logger(label: "test")

    @Test("URL parsing keeps the password out of every message")
    func settings() throws {
        let s = try PostgresSettings(url: "postgres://ann:s%40cret@db.example.com:6543/warehouse?sslmode=require&connect_timeout=3")
        #expect(s.host == "db.example.com" && s.port == 6543 && s.user == "ann" && s.password == "s@cret")
        #expect(s.database == "warehouse" && s.tls == .require && s.connectTimeout == 3 && s.stagingRetentionDays == 7)
        #expect(!s.description.contains("cret"))
        for bad in ["postgres://ann:hunter2@db/x?sslmode=maybe", "postgres://ann:hunter2@/x", "postgres://ann:hunter2@db:99999/x",
                    "postgres://ann:hunter2@db/x?colour=blue"] {
            do {
                _ = try PostgresSettings(url: bad)
                Issue.record("accepted \(bad)")
            } catch let e as WarehouseError {
                #expect(e.kind == .configuration)
                #expect(!e.message.contains("hunter2"), "\(e.message)")
                #expect(!e.message.contains("\n"))
            }
        }
    }

    @Test("sslrootcert takes libpq's meaning: a readable CA file, or system")
    func rootCertificate() throws {
        let ca = FileManager.default.temporaryDirectory.appendingPathComponent("deloton-ca-\(UUID().uuidString).pem")
        try Data("-----BEGIN CERTIFICATE-----\n".utf8).write(to: ca)
        defer { try? FileManager.default.removeItem(at: ca) }
        let full = try PostgresSettings(url: "postgres://ann@db.example.com/w?sslmode=verify-full&sslrootcert=\(ca.path)")
        #expect(full.tls == .verifyFull && full.rootCertificatePath == ca.path)
        #expect(try PostgresSettings(url: "postgres://ann@db/w?sslmode=verify-full&sslrootcert=system").rootCertificatePath == nil)
        #expect(try PostgresSettings(url: "postgres://ann@db/w?sslmode=verify-full").rootCertificatePath == nil)
        #expect(throws: WarehouseError.self) { try PostgresSettings(url: "postgres://ann@db/w?sslmode=verify-full&sslrootcert=/nonexistent/ca.pem") }
    }

    @Test("shared SQL: typed binds, dates as text, numeric as int or double")
    func sharedSQL() async throws {
        let w = try await Warehouses.open(try await PostgresServer.freshDatabase(), logger: Self.logger)
        defer { Task { try? await w.close() } }
        let leapDay = CivilDate(year: 2024, month: 2, day: 29)
        try await w.sql.execute("INSERT INTO reports_sent (day, sent_at, recipients) VALUES (\(leapDay), \(Instant(microseconds: 5)), \("a@b.c"))")
        // substr takes int4 lengths: an Int binds as int8, so the portable CAST says so.
        let rows = try await w.sql.query("""
            SELECT day, sent_at, SUM(\(Int64(5))) AS total, AVG(\(Int64(5))) AS mean,
                   substr(recipients, 1, CAST(\(2) AS INTEGER)) AS head,
                   \(41) + 1 AS next, true AS yes, CAST(1.5 AS DOUBLE PRECISION) AS half, \(Optional<String>.none) AS nothing
            FROM reports_sent WHERE day = \(leapDay) GROUP BY day, sent_at, recipients
            """)
        #expect(rows.count == 1)
        let r = try #require(rows.first)
        #expect(try r.value("day") == .text("2024-02-29"))
        #expect(try r.value("sent_at") == .int(5) && r.decode("sent_at", as: Instant.self) == Instant(microseconds: 5) && r.value("total") == .int(5) && r.value("mean") == .double(5))
        #expect(try r.value("head") == .text("a@") && r.value("next") == .int(42) && r.value("yes") == .int(1)
                && r.value("half") == .double(1.5) && r.value("nothing") == .null)
        #expect(try r.decode("day", as: CivilDate.self) == leapDay && r.decode("yes", as: Bool.self))
        let results = try await w.sql.transaction([
            "INSERT INTO api_keys (name, scope, key_hash, created_at) VALUES ('k', 'read', 'h', \(Instant(microseconds: 1))) RETURNING id",
            "SELECT count(*) AS n FROM api_keys",
        ])
        #expect(try results[0].first?.value("id") == .int(1))
        #expect(try results[1].first?.value("n") == .int(1))
    }

    @Test("every column type reads back exactly, at the ends of its range (read from its bytes, not decoded)")
    func columnTypesAtTheirLimits() async throws {
        let w = try await Warehouses.open(try await PostgresServer.freshDatabase(), logger: Self.logger)
        defer { Task { try? await w.close() } }
        let rows = try await w.sql.query("""
            SELECT CAST(-32768 AS SMALLINT) AS s0, CAST(32767 AS SMALLINT) AS s1, CAST(-2147483648 AS INTEGER) AS i0,
                   CAST(2147483647 AS INTEGER) AS i1, CAST(-9223372036854775808 AS BIGINT) AS b0, CAST(9223372036854775807 AS BIGINT) AS b1,
                   CAST('-0' AS DOUBLE PRECISION) AS d0, CAST('1.7976931348623157e308' AS DOUBLE PRECISION) AS d1,
                   CAST('5e-324' AS DOUBLE PRECISION) AS d2, CAST(0.1 AS REAL) AS f0, false AS no, true AS yes,
                   CAST('Zoë ☃' AS VARCHAR(20)) AS v, CAST('' AS TEXT) AS empty, CAST(NULL AS INTEGER) AS nothing
            """)
        let r = try #require(rows.first)
        #expect(try r.value("s0") == .int(-32768) && r.value("s1") == .int(32767))
        #expect(try r.value("i0") == .int(-2_147_483_648) && r.value("i1") == .int(2_147_483_647))
        #expect(try r.value("b0") == .int(.min) && r.value("b1") == .int(.max))
        #expect(try r.decode("d0", as: Double.self).sign == .minus && r.value("d1") == .double(.greatestFiniteMagnitude))
        #expect(try r.value("d2") == .double(.leastNonzeroMagnitude) && r.value("f0") == .double(Double(Float(0.1))))
        #expect(try r.value("no") == .int(0) && r.value("yes") == .int(1))
        #expect(try r.value("v") == .text("Zoë ☃") && r.value("empty") == .text("") && r.value("nothing") == .null)
    }

    @Test("arrays come back element by element, NULLs and empty ones included, typed as their elements")
    func arraysOfEveryPlainType() async throws {
        let w = try await Warehouses.open(try await PostgresServer.freshDatabase(), logger: Self.logger)
        defer { Task { try? await w.close() } }
        let rows = try await w.sql.query("""
            SELECT ARRAY[-32768, NULL, 32767]::SMALLINT[] AS s, ARRAY[-2147483648, 2147483647]::INTEGER[] AS i,
                   ARRAY[-9223372036854775808, 9223372036854775807]::BIGINT[] AS b, ARRAY[0.5, NULL]::DOUBLE PRECISION[] AS d,
                   ARRAY[true, false]::BOOLEAN[] AS f, ARRAY['Zoë ☃', '', NULL]::TEXT[] AS t,
                   ARRAY[TIMESTAMPTZ '1970-01-01 00:00:01.000002+00', TIMESTAMPTZ '2026-12-05 10:00:00+00'] AS at,
                   '{}'::BIGINT[] AS none, (SELECT array_agg(x) FROM generate_series(1, 0) x) AS nothing
            """)
        let r = try #require(rows.first)
        #expect(try r.decode("s", as: [Int?].self) == [-32768, nil, 32767])
        #expect(try r.decode("i", as: [Int64].self) == [-2_147_483_648, 2_147_483_647])
        #expect(try r.decode("b", as: [Int64].self) == [.min, .max])
        #expect(try r.decode("d", as: [Double?].self) == [0.5, nil])
        #expect(try r.decode("f", as: [Bool].self) == [true, false])
        #expect(try r.decode("t", as: [String?].self) == ["Zoë ☃", "", nil])
        #expect(try r.decode("at", as: [Int64].self) == [1_000_002, 1_796_464_800_000_000])
        #expect(try r.decode("none", as: [Int64].self) == [] && r.value("nothing") == .null)
        #expect(throws: WarehouseError.self) { try r.decode("s", as: [Int].self) }  // a NULL element needs an optional
    }

    @Test("an instant beyond PostgreSQL's years filters and pages as it would, never as an error")
    func instantsBeyondTheServersRange() async throws {
        let w = try await Warehouses.open(try await PostgresServer.freshDatabase(), logger: Self.logger)
        defer { Task { try? await w.close() } }
        for batch in try StreamFixture.batches(lines: StreamFixture.handMade, source: "file:hand", every: 50) { _ = try await w.write(batch) }
        let rides = RideQueries(w.sql)
        let all = try await rides.rides(RideFilter(), limit: 1000).items
        #expect(!all.isEmpty)
        var wide = RideFilter()
        wide.since = Instant(microseconds: -493_250_031_480_055_705)  // 13,660 BC, as a fuzzer sent it
        wide.until = Instant(microseconds: Int64.max)
        #expect(try await rides.rides(wide, limit: 1000).items == all)
        #expect(try await rides.rides(RideFilter(), after: RideCursor(startTime: Instant(microseconds: Int64.min), id: 0), limit: 1000).items == all)
        var none = RideFilter()
        none.until = Instant(microseconds: Int64.min)
        #expect(try await rides.rides(none, limit: 1000).items.isEmpty)
    }

    @Test("a batch large enough for binary COPY stores every reading exactly as SQLite does")
    func copiedReadingsMatchSQLite() async throws {
        // 700 readings in one batch: above the writer's COPY threshold (512).
        var lines = [StreamFixture.system(0, user: 4200, name: "Ann Copy")]
        for second in 1...700 {
            lines += StreamFixture.reading(second, duration: second, hr: 40 + second % 150, rpm: second % 120,
                                           power: Double(second) * 1.125 + 0.000_1, resistance: second % 100)
        }
        let batch = StreamFixture.batches(lines: lines, source: "file:copy", every: 10_000)
        let dir = TestPaths.scratch("copy-binary")
        var stored: [[Reading]] = []
        for url in [try await PostgresServer.freshDatabase(), "sqlite:" + dir + "/w.sqlite"] {
            let w = try await Warehouses.open(url, logger: Self.logger)
            for b in batch { _ = try await w.write(b) }
            let rides = try await RideQueries(w.sql).rides(RideFilter(), limit: 10).items
            stored.append(try await RideQueries(w.sql).readings(rideID: try #require(rides.first).id))
            try await w.close()
        }
        #expect(stored[0].count == 700)
        #expect(stored[0] == stored[1])
    }

    @Test("two processes migrating at once apply each migration once, and each says which it applied")
    func concurrentMigrate() async throws {
        let url = try await PostgresServer.freshDatabase()
        let a = try await Warehouses.open(url, migrate: false, logger: Self.logger)
        let b = try await Warehouses.open(url, migrate: false, logger: Self.logger)
        async let x = a.migrate()
        async let y = b.migrate()
        let (appliedByA, appliedByB) = try await (x, y)
        let all = PostgresSchema.migrations.map { "\($0.version)-\($0.name)" }
        #expect((appliedByA + appliedByB).sorted() == all.sorted())
        #expect(try await a.migrate().isEmpty)
        let versions = try await a.sql.query("SELECT version FROM schema_migrations ORDER BY version")
        #expect(try versions.map { try $0.decode("version", as: Int.self) } == PostgresSchema.migrations.map(\.version))
        try await a.close()
        try await b.close()
    }

    @Test("a wrong password fails within seconds, naming the user and never the password")
    func wrongPassword() async throws {
        let server = try await PostgresServer.privateServer()
        defer { server.destroy() }
        _ = try await server.psql("CREATE ROLE deloton_pw LOGIN PASSWORD 'right-one'")
        let hba = server.directory + "/data/pg_hba.conf"
        let rules = try String(contentsOfFile: hba, encoding: .utf8)
        try ("host all deloton_pw 127.0.0.1/32 scram-sha-256\n" + rules).write(toFile: hba, atomically: true, encoding: .utf8)
        _ = try await server.psql("SELECT pg_reload_conf()")
        let url = "postgres://deloton_pw:wrong-one@127.0.0.1:\(server.port)/postgres"
        let started = ContinuousClock.now
        do {
            _ = try await Warehouses.open(url, logger: Self.logger)
            Issue.record("a wrong password was accepted")
        } catch let e as WarehouseError {
            #expect(e.kind == .configuration)
            #expect(e.message.contains("refused the credentials for user deloton_pw"), "\(e.message)")
            #expect(!e.message.contains("wrong-one"))
        }
        // Not retried as an outage would be (that goes on for the 30 s operation timeout); the
        // bound leaves room for SCRAM's key stretching on a loaded machine (6.7 s was seen).
        #expect(ContinuousClock.now - started < .seconds(15))
        let right = try await Warehouses.open("postgres://deloton_pw:right-one@127.0.0.1:\(server.port)/postgres", migrate: false,
                                              logger: Self.logger)
        try await right.close()
    }

    @Test("nobody listening: unavailable within seconds")
    func unreachable() async throws {
        let started = ContinuousClock.now
        do {
            _ = try await Warehouses.open("postgres://u:secret@127.0.0.1:1/db?connect_timeout=2", logger: Self.logger)
            Issue.record("connected to nothing")
        } catch let e as WarehouseError {
            #expect(e.kind == .unavailable, "\(e.message)")
            #expect(!e.message.contains("secret"))
        }
        // Seconds, not the minute a pool would keep retrying; generous because the whole suite
        // shares two cores with this test.
        #expect(ContinuousClock.now - started < .seconds(30))
    }

    @Test("the server stops mid-ingest: the write fails as unavailable, the retry after restart loses and duplicates nothing")
    func outage() async throws {
        let server = try await PostgresServer.privateServer()
        defer { server.destroy() }
        let lines = try StreamFixture.realSample + StreamFixture.handMade
        let batches = StreamFixture.batches(lines: lines, source: "file:o", every: 60)
        let clean = try await Warehouses.open(try await PostgresServer.freshDatabase(), logger: Self.logger)
        _ = try await WarehouseParityTests.write(batches, to: clean)
        let expected = try await WarehouseDump.read(clean)
        try await clean.close()

        // Default settings: a write cut off by the stop must give up in seconds without
        // operation_timeout's help.
        let w = try await Warehouses.open(server.url, logger: Self.logger)
        let half = batches.count / 2
        _ = try await WarehouseParityTests.write(Array(batches[..<half]), to: w)
        // Stopped while a large batch (everything, COPY path) is being written: its outcome is unknown.
        let everything = StreamFixture.batches(lines: lines, source: "file:o", every: 1_000_000)
        let inFlight = Task { try await w.write(everything[0]) }
        try await server.stop()
        let stopped = ContinuousClock.now
        _ = try? await inFlight.value
        #expect(ContinuousClock.now - stopped < .seconds(5))
        let started = ContinuousClock.now
        do {
            _ = try await w.write(batches[half])
            Issue.record("wrote to a stopped server")
        } catch let e as WarehouseError {
            #expect(e.kind == .unavailable, "\(e.message)")
        }
        #expect(ContinuousClock.now - started < .seconds(15))
        // The outage lasts 20 s, as long as an RDS failover can.
        try await Task.sleep(for: .seconds(20) - (ContinuousClock.now - started))
        try await server.start()
        _ = try await WarehouseParityTests.write(Array(batches[half...]), to: w)
        let after = try await WarehouseDump.read(w)
        #expect(after.difference(from: expected) == nil, "\(after.difference(from: expected) ?? "")")
        try await w.close()
    }

    /// PostgresNIO 1.33 can lose a COPY's pending write when the server goes away (see
    /// `PostgresIngestLane.withDeadline`): the body below hangs as that write does, ignoring
    /// cancellation, and the backend is terminated under it.
    @Test("an operation hung on a connection the server closed fails as unavailable within seconds, not at operation_timeout")
    func closedConnectionEndsAHungOperation() async throws {
        let url = try await PostgresServer.freshDatabase()
        let settings = try PostgresSettings(url: url)
        let c = try await PostgresConnector.connect(settings, logger: Self.logger, id: 1)
        let terminate = Task {
            try await Task.sleep(for: .milliseconds(300))
            // The only other session on this fresh database is the connection under test.
            let r = try await ChildProcess.run("/usr/bin/psql", [url, "-AtX", "-c", """
                SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()
                """])
            #expect(r.status == 0, "\(r.stderr)")
        }
        let started = ContinuousClock.now
        do {
            _ = try await PostgresIngestLane.withDeadline(.milliseconds(Int64(settings.operationTimeout * 1000)), on: c, doing: "hang") {
                // Deaf to cancellation, as the lost write is; bounded only so the test process does not keep it.
                while ContinuousClock.now - started < .seconds(20) { try? await Task.sleep(for: .milliseconds(100)) }
                return 0
            }
            Issue.record("the hung operation returned")
        } catch let e as WarehouseError {
            #expect(e.kind == .unavailable, "\(e.message)")
        }
        try await terminate.value
        // Below operation_timeout (30 s) and the hung body's own 20 s, with room for a test suite that
        // loads both cores (20 s was seen with four suites side by side).
        #expect(ContinuousClock.now - started < .seconds(19))
        #expect(settings.operationTimeout <= 60, "operation_timeout is a last resort, far below the old 300 s")
    }

    @Test("reprocess re-cleans staged profiles; purge honours retention")
    func reprocessAndPurge() async throws {
        let url = try await PostgresServer.freshDatabase()
        let w = try await PostgresWarehouse(settings: try PostgresSettings(url: url), logger: Self.logger)
        try await w.migrate()
        _ = try await WarehouseParityTests.write(StreamFixture.batches(lines: StreamFixture.handMade, source: "file:r", every: 9), to: w)
        let before = try await WarehouseDump.read(w)
        // Simulate an older cleaning rule having stored a wrong first name.
        try await w.sql.execute("UPDATE riders SET first_name = 'WRONG' WHERE id = 900")
        let summary = try await w.reprocess()
        #expect(summary.ridersChanged == 1)
        #expect(summary.profilesRead > 0)
        #expect(try await WarehouseDump.read(w) == before)
        #expect(try await w.purgeStaging() == 0)
        #expect(try await w.purgeStaging(olderThanDays: -1) == summary.profilesRead)
        try await w.close()
    }
}
