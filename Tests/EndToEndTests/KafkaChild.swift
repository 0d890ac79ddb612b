import DelotonTestSupport
import Foundation

/// A `deloton` child process that runs alongside the test and can be killed at any moment.
final class KafkaChild: @unchecked Sendable {
    let pid: pid_t
    let stdoutPath: String
    let stderrPath: String
    private var exitStatus: Int32?

    /// `executable` is the deloton binary unless another program is named (a path).
    init(_ arguments: [String], environment: [String: String] = [:], executable: String = TestPaths.delotonBinary) throws {
        let dir = TestPaths.scratch("kchild")
        stdoutPath = dir + "/out"
        stderrPath = dir + "/err"
        pid = try Spawn.start([executable] + arguments,
                              environment: environment.merging(["SWIFT_BACKTRACE": "enable=no"]) { mine, _ in mine },
                              stdin: "/dev/null", stdout: stdoutPath, stderr: stderrPath)
    }

    /// Runs to completion (with a time limit, after which it is killed).
    static func run(_ arguments: [String], environment: [String: String] = [:],
                    limit: Duration = .seconds(120)) async throws -> (status: Int32, stdout: String, stderr: String) {
        let child = try KafkaChild(arguments, environment: environment)
        let status = await child.wait(limit: limit)
        return (status, child.stdout, child.stderr)
    }

    var stdout: String { (try? String(contentsOfFile: stdoutPath, encoding: .utf8)) ?? "" }
    var stderr: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }

    /// The exit code (128 + signal when killed); kills the child once `limit` has passed.
    func wait(limit: Duration) async -> Int32 {
        let deadline = ContinuousClock.now + limit
        while true {
            if let status = reap(options: WNOHANG) { return status }
            if ContinuousClock.now >= deadline {
                kill(pid, SIGKILL)
                return reap(options: 0) ?? -1
            }
            try? await Task.sleep(for: .milliseconds(20))
        }
    }

    func signal(_ sig: Int32) { kill(pid, sig) }

    /// Not exited yet.
    var isRunning: Bool { reap(options: WNOHANG) == nil }

    /// Kills with SIGKILL and reaps: no handler runs, nothing is flushed or closed.
    func killHard() async -> Int32 {
        kill(pid, SIGKILL)
        return await wait(limit: .seconds(10))
    }

    /// Waits until stderr (or stdout) contains `text` (true) or the child exits or `limit` passes (false).
    func waitForLog(_ text: String, inStdout: Bool = false, limit: Duration = .seconds(30)) async -> Bool {
        let deadline = ContinuousClock.now + limit
        func seen() -> Bool { (inStdout ? stdout : stderr).contains(text) }
        while ContinuousClock.now < deadline {
            if seen() { return true }
            if exitStatus != nil || reap(options: WNOHANG) != nil { return seen() }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return false
    }

    private func reap(options: Int32) -> Int32? {
        if let exitStatus { return exitStatus }
        var status: Int32 = 0
        var result: pid_t
        repeat { result = waitpid(pid, &status, options) } while result < 0 && errno == EINTR
        guard result == pid else { return nil }
        let code = Spawn.exitCode(status)
        exitStatus = code
        return code
    }
}

/// Reads a SQLite warehouse with the sqlite3 command (the end-to-end target links no database code).
enum KafkaWarehouseDump {
    /// Rides, readings and alerts by ride identity (rider, bike, start), leaving out what
    /// legitimately differs between sources: row ids and stream names.
    static func canonical(_ db: String) async throws -> (rides: [String], readings: [String], alerts: [String]) {
        let ride = "r.rider_id, r.bike_serial, r.started_at"
        let rides = try await query(db, """
            SELECT \(ride), r.start_time, r.end_time, r.in_progress, r.reading_count, r.hr_count, r.hr_sum,
                   r.power_sum, r.rpm_sum, r.resistance_sum, r.alert_raised, r.email FROM rides r ORDER BY 1, 2, 3
            """)
        let readings = try await query(db, """
            SELECT \(ride), g.elapsed_s, g.time, g.heart_rate, g.rpm, g.power_w, g.resistance
            FROM readings g JOIN rides r ON r.id = g.ride_id ORDER BY 1, 2, 3, 4
            """)
        let alerts = try await query(db, """
            SELECT \(ride), a.recipient, a.safe_min, a.safe_max,
                   (SELECT group_concat(json_extract(value, '$.elapsed') || ':' || json_extract(value, '$.heartRate')
                                        || ':' || json_extract(value, '$.time'), ',') FROM json_each(a.samples))
            FROM alerts a JOIN rides r ON r.id = a.ride_id ORDER BY 1, 2, 3
            """)
        return (rides, readings, alerts)
    }

    static func query(_ db: String, _ sql: String) async throws -> [String] {
        let result = try await ChildProcess.run("/usr/bin/sqlite3", ["-readonly", db, sql])
        guard result.status == 0 else {
            throw POSIXError(.EIO, userInfo: [NSLocalizedDescriptionKey: "sqlite3 failed: \(result.stderr)"])
        }
        return result.stdout.split(separator: "\n").map(String.init)
    }
}
