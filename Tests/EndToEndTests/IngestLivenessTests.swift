import DelotonTestSupport
import Foundation
import Testing

/// Ingest's liveness means the pipeline advances: the real binary writing to a real PostgreSQL
/// whose tables another session locks, so the write neither returns nor fails.
@Suite(.serialized, .timeLimit(.minutes(5)))
struct IngestLivenessTests {
    func metric(_ port: Int, _ name: String) async throws -> Double? {
        let r = try await ChildProcess.run("/usr/bin/curl", ["-s", "--max-time", "5", "http://127.0.0.1:\(port)/metrics"])
        for line in r.stdout.split(separator: "\n") where line.hasPrefix(name + " ") {
            return line.split(separator: " ").last.flatMap { Double($0) }
        }
        return nil
    }

    func modified(_ path: String) -> Date? {
        (try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date
    }

    @Test("a write that hangs stops the liveness file and sets deloton_ingest_stalled; it recovers when the write goes through")
    func stalledIngestFailsLiveness() async throws {
        let database = try await PostgresServer.freshDatabase()
        let dir = TestPaths.scratch("liveness"), alive = dir + "/alive"
        let port = try SpawnedServer.freePort()
        let ingest = try KafkaChild(["ingest", "--source", "simulator", "--speed", "20", "--bikes", "3", "--database", database,
                                     "--no-notify", "--stall-timeout", "4", "--metrics-port", String(port)],
                                    environment: ["DELOTON_LIVENESS_FILE": alive])
        defer { ingest.signal(SIGKILL) }
        #expect(try await eventually { (try await metric(port, "deloton_ingest_readings_total") ?? 0) > 0 }, "\(ingest.stderr)")
        #expect(try await eventually { modified(alive) != nil })
        #expect(try await eventually { try await metric(port, "deloton_ingest_stalled") == 0 })

        // Another session holds the readings table until the test ends that session: the next
        // batch's write waits on the lock however slowly the machine gets to each check.
        let locker = try KafkaChild([database, "-v", "ON_ERROR_STOP=1", "-c",
            "BEGIN; LOCK TABLE production.readings IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(600); COMMIT;"],
                                    environment: ["PGAPPNAME": "liveness-locker"], executable: "/usr/bin/psql")
        defer { locker.signal(SIGKILL) }
        #expect(try await eventually { try await metric(port, "deloton_ingest_stalled") == 1 }, "\(ingest.stderr)")
        #expect(await ingest.waitForLog("ingest has not advanced"), "\(ingest.stderr)")
        let stalledAt = modified(alive)
        try await Task.sleep(for: .seconds(4))
        #expect(modified(alive) == stalledAt, "the liveness file must not be touched while stalled")

        // The lock goes with the locker's session: the write completes, ingest advances and is live again.
        let ended = try await ChildProcess.run("/usr/bin/psql", [database, "-Atc",
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = 'liveness-locker'"])
        #expect(ended.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "1", "\(ended.stderr)")
        // psql exits 2 when its server connection goes: proof the session, and with it the lock, is gone.
        #expect(await locker.wait(limit: .seconds(30)) == 2, "\(locker.stderr)")
        #expect(try await eventually { try await metric(port, "deloton_ingest_stalled") == 0 }, "\(ingest.stderr)")
        #expect(try await eventually { (modified(alive) ?? .distantPast) > (stalledAt ?? .distantPast) })
        #expect(await ingest.waitForLog("liveness restored"))
        ingest.signal(SIGTERM)
        #expect(await ingest.wait(limit: .seconds(30)) == 0, "\(ingest.stderr)")
    }

    @Test("a warehouse that is down and retried is alive: the liveness file keeps being touched")
    func retryingIngestIsAlive() async throws {
        let server = try await PostgresServer.privateServer()
        defer { server.destroy() }
        let dir = TestPaths.scratch("liveness-retry"), alive = dir + "/alive"
        let port = try SpawnedServer.freePort()
        let ingest = try KafkaChild(["ingest", "--source", "simulator", "--speed", "20", "--bikes", "3", "--database", server.url,
                                     "--no-notify", "--stall-timeout", "4", "--metrics-port", String(port)],
                                    environment: ["DELOTON_LIVENESS_FILE": alive])
        defer { ingest.signal(SIGKILL) }
        #expect(try await eventually { (try await metric(port, "deloton_ingest_readings_total") ?? 0) > 0 }, "\(ingest.stderr)")
        try await server.stop()
        // A write in flight fails and is retried; one waiting for a connection waits on the pool.
        // Either way the process stays live, well past the stall limit.
        let stopped = ContinuousClock.now
        var touchedLate = false
        while ContinuousClock.now - stopped < .seconds(16) {
            #expect(try await metric(port, "deloton_ingest_stalled") == 0, "\(ingest.stderr)")
            if let m = modified(alive), m.timeIntervalSinceNow > -3, ContinuousClock.now - stopped > .seconds(10) { touchedLate = true }
            try await Task.sleep(for: .seconds(1))
        }
        #expect(touchedLate, "the liveness file is still touched while the warehouse is down")
        // How soon the connection pool notices the server is back is PostgresNIO's backoff, not
        // this test's subject; the child is killed by the deferred SIGKILL.
        try await server.start()
    }
}
