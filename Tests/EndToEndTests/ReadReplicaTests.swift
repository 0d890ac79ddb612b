import DelotonTestSupport
import Foundation
import Testing

/// `--read-database` against a real streaming replica (a hot standby made by pg_basebackup from a
/// throwaway primary). Replay on the replica is paused to tell the two apart: what a command
/// answers while the primary has moved on shows which one it read.
@Suite(.serialized, .timeLimit(.minutes(5)))
struct ReadReplicaTests {
    @Test("serve, report and export read the replica; keys, deletions and migrations stay on the primary")
    func readsGoToTheReplica() async throws {
        let primary = try await PostgresServer.privateServer()
        defer { primary.destroy() }
        let replica = try await primary.replica()
        defer { replica.destroy() }
        try await deloton(["migrate", "--database", primary.url])
        try await deloton(["ingest", "--source", "file:" + TestPaths.realSample, "--no-notify", "--database", primary.url])
        let rides = try await primary.psql("SELECT count(*) FROM production.rides")
        #expect(Int(rides) ?? 0 >= 1)
        #expect(try await eventually { try await replica.psql("SELECT count(*) FROM production.rides") == rides })
        let day = try await primary.psql("SELECT to_char(min(start_time) AT TIME ZONE 'Europe/London', 'YYYY-MM-DD') FROM production.rides")
        let rideID = try await primary.psql("SELECT min(id) FROM production.rides")

        // From here the replica stands still: keys created now exist on the primary alone.
        _ = try await replica.psql("SELECT pg_wal_replay_pause()")
        let readKey = try await deloton(["keys", "create", "--name", "reader", "--scope", "read", "--database", primary.url])
        let writeKey = try await deloton(["keys", "create", "--name", "writer", "--scope", "write", "--database", primary.url])

        let port = try SpawnedServer.freePort()
        let serve = try KafkaChild(["serve", "--database", primary.url, "--read-database", replica.url, "--port", String(port),
                                    "--no-sign-in-link"])
        defer { serve.signal(SIGKILL) }
        #expect(try await eventually { try await http("GET", port, "/ready").status == 200 }, "\(serve.stderr)")
        // Keys are checked on the primary, so a key the replica has not seen yet works at once.
        #expect(try await http("GET", port, "/ride/\(rideID)", key: readKey).status == 200)
        #expect(try await http("DELETE", port, "/ride/\(rideID)", key: writeKey).status == 204)
        #expect(try await primary.psql("SELECT count(*) FROM production.rides WHERE id = \(rideID)") == "0")
        // The record is read from the replica, which has not replayed the deletion yet.
        #expect(try await http("GET", port, "/ride/\(rideID)", key: readKey).status == 200)
        #expect(try await http("GET", port, "/rides", key: readKey).body.contains("\"id\":\(rideID),"))

        // The report's figures and an export come from the replica too.
        let dir = TestPaths.scratch("read-replica")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        func rideCount(_ extra: [String]) async throws -> Int? {
            let out = dir + "/report-\(extra.count)"
            try await deloton(["report", "--database", primary.url, "--date", day, "--out", out] + extra)
            let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/report.json"))) as? [String: Any]
            return (json?["ride_count"] as? NSNumber)?.intValue
        }
        let fromPrimary = try await rideCount([]), fromReplica = try await rideCount(["--read-database", replica.url])
        #expect(fromPrimary.map { $0 + 1 } == fromReplica, "primary \(String(describing: fromPrimary)), replica \(String(describing: fromReplica))")
        let export = ["export", "--view", "rides", "--format", "csv", "--database", primary.url]
        let exported = (replica: try await deloton(export + ["--read-database", replica.url]), primary: try await deloton(export))
        #expect(exported.replica.split(whereSeparator: \.isNewline).count == exported.primary.split(whereSeparator: \.isNewline).count + 1, "\(exported)")

        // Replayed, the replica agrees with the primary.
        _ = try await replica.psql("SELECT pg_wal_replay_resume()")
        #expect(try await eventually { try await http("GET", port, "/ride/\(rideID)", key: readKey).status == 404 })
        serve.signal(SIGTERM)
        #expect(await serve.wait(limit: .seconds(15)) == 0, "\(serve.stderr)")
    }

    @Test("--read-database is checked before any work: it must name PostgreSQL, beside a PostgreSQL --database")
    func misuseIsAUsageError() async throws {
        let postgres = "postgresql://postgres@127.0.0.1:1/deloton"
        for (arguments, says) in [
            (["export", "--view", "rides", "--database", postgres, "--read-database", "sqlite:copy.sqlite"], "must be a PostgreSQL URL"),
            (["report", "--database", "sqlite:x.sqlite", "--read-database", postgres], "needs --database on PostgreSQL"),
            (["serve", "--database", postgres, "--read-database", "postgresql://u:secret@db/x?sslmode=bogus"], "must be a PostgreSQL URL"),
        ] {
            let r = try await KafkaChild.run(arguments)
            #expect(r.status == 2, "\(arguments): \(r.stderr)")
            #expect(r.stderr.contains(says), "\(arguments): \(r.stderr)")
            #expect(!r.stderr.contains("secret"), "the password was shown: \(r.stderr)")
        }
    }

    // MARK: - Helpers

    /// Runs deloton to its end, expecting success; returns its standard output, trimmed.
    @discardableResult
    func deloton(_ arguments: [String]) async throws -> String {
        let r = try await KafkaChild.run(arguments)
        #expect(r.status == 0, "deloton \(arguments.first ?? ""): \(r.stderr)")
        return r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func http(_ method: String, _ port: Int, _ path: String, key: String? = nil) async throws -> (status: Int, body: String) {
        let auth = key.map { ["-H", "Authorization: Bearer \($0)"] } ?? []
        let r = try await ChildProcess.run("/usr/bin/curl", ["-s", "--max-time", "5", "-X", method, "-w", "\n%{http_code}"] + auth
                                           + ["http://127.0.0.1:\(port)\(path)"])
        let lines = r.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        return (Int(lines.last ?? "") ?? 0, lines.dropLast().joined(separator: "\n"))
    }
}
