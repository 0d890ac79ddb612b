import Foundation

/// PostgreSQL for tests: the server named by `DELOTON_TEST_POSTGRES_URL`, or one throwaway server
/// (scripts/pg-throwaway.sh) started once per test process and stopped at exit. Each test takes a
/// database of its own from `freshDatabase()`; tests that stop the server take a private one.
public enum PostgresServer {
    public struct StartError: Error, CustomStringConvertible {
        public let description: String
    }

    /// A server of one's own, for tests that stop it or change its authentication.
    public struct Instance: Sendable {
        /// `postgresql://postgres@127.0.0.1:PORT/postgres`.
        public let url: String
        public let directory: String
        public let port: Int

        public func stop() async throws {
            try await script("stop")
        }

        public func start() async throws {
            try await script("start")
        }

        /// Stops it as a crash would (`pg_ctl stop -m immediate`): backends die without a word
        /// and the next `start()` runs crash recovery.
        public func kill() async throws {
            try await script("kill")
        }

        private func script(_ command: String) async throws {
            let directory = self.directory
            let (status, output) = try await onOwnThread { PostgresServer.run(try PostgresServer.script(), [command, directory]) }
            guard status == 0 else { throw StartError(description: "pg-throwaway.sh \(command) failed: \(output)") }
        }

        /// Runs SQL as the superuser over the unix socket (works whatever pg_hba.conf says for TCP).
        public func psql(_ sql: String, database: String = "postgres") async throws -> String {
            let connection = ["-h", directory, "-p", String(port), "-U", "postgres", "-d", database]
            return try await onOwnThread { try PostgresServer.psql(connection, sql) }
        }

        /// A hot standby of this server, streaming its WAL (`pg-throwaway.sh replica`): it refuses
        /// writes and shows the primary's commits a moment later. `destroy()` it like a server.
        public func replica() async throws -> Instance {
            let primary = directory
            return try await onOwnThread {
                try PostgresServer.lock.withLock { () throws(StartError) -> Instance in
                    try PostgresServer.startThrowaway(tag: "r", command: ["replica", "", primary])
                }
            }
        }

        /// Stops the server and deletes its files, without waiting (so it fits a `defer`).
        public func destroy() {
            let directory = self.directory
            Thread.detachNewThread {
                if let script = try? PostgresServer.script() { _ = PostgresServer.run(script, ["stop", directory]) }
                try? FileManager.default.removeItem(atPath: directory)
            }
        }
    }

    private static let lock = NSLock()
    nonisolated(unsafe) private static var started: Result<String, StartError>?
    nonisolated(unsafe) private static var counter = 0
    nonisolated(unsafe) private static var directories: [String] = []

    /// The base URL of the shared server (database `postgres`).
    public static func shared() async throws -> String {
        try await onOwnThread { try sharedHere() }
    }

    /// A new, empty database on the shared server; returns its URL.
    public static func freshDatabase() async throws -> String {
        try await onOwnThread {
            let base = try sharedHere()
            let name = uniqueName("t")
            _ = try psql(["-d", base], "CREATE DATABASE \(name)")
            return replacingDatabase(in: base, with: name)
        }
    }

    /// A private throwaway server (stopped and deleted when the test process ends, or by `destroy()`).
    public static func privateServer() async throws -> Instance {
        try await onOwnThread { try lock.withLock { () throws(StartError) -> Instance in try startThrowaway(tag: "p") } }
    }

    /// The first caller starts the server; the others wait for it (all on threads of their own).
    private static func sharedHere() throws -> String {
        if let configured = ProcessInfo.processInfo.environment["DELOTON_TEST_POSTGRES_URL"], !configured.isEmpty {
            return configured
        }
        return try lock.withLock {
            if let started { return try started.get() }
            let result = Result { () throws(StartError) -> String in try startThrowaway(tag: "s").url }
            started = result
            return try result.get()
        }
    }

    /// A name no other test in this or another process uses.
    public static func uniqueName(_ prefix: String) -> String {
        let n = lock.withLock {
            counter += 1
            return counter
        }
        return "\(prefix)_\(getpid())_\(n)_\(String(UInt32.random(in: 0...UInt32.max), radix: 36))"
    }

    public static func replacingDatabase(in url: String, with name: String) -> String {
        guard var parts = URLComponents(string: url) else { return url }
        parts.path = "/" + name
        return parts.string ?? url
    }

    // MARK: - throwaway servers

    /// Called with `lock` held.
    /// `command` is the script's, with "" where the new server's folder goes.
    private static func startThrowaway(tag: String, command: [String] = ["start", ""]) throws(StartError) -> Instance {
        let script = try script()
        // Short: the unix socket path DIR/.s.PGSQL.PORT must fit in 107 bytes.
        let directory = "/tmp/dlpg-\(getpid())-\(tag)\(directories.count)"
        try? FileManager.default.removeItem(atPath: directory)
        let (status, output) = run(script, command.map { $0.isEmpty ? directory : $0 })
        guard status == 0, let url = output.split(separator: "\n").last.map(String.init), url.hasPrefix("postgresql://"),
              let port = URLComponents(string: url)?.port else {
            throw StartError(description: "could not start PostgreSQL with \(script): \(output) (or set DELOTON_TEST_POSTGRES_URL)")
        }
        // A watchdog stops the server once this process is gone, however it ends (atexit handlers
        // do not run when the test runner crashes or is killed).
        let watchdog = "while kill -0 \(getpid()) 2>/dev/null; do sleep 1; done; "
            + "bash '\(script)' stop '\(directory)'; rm -rf '\(directory)'"
        _ = run("/bin/bash", ["-c", "nohup setsid bash -c \"\(watchdog)\" >/dev/null 2>&1 &"], viaBash: false)
        directories.append(directory)
        return Instance(url: url, directory: directory, port: port)
    }

    static func script(file: String = #filePath) throws(StartError) -> String {
        let starts = [URL(fileURLWithPath: file).resolvingSymlinksInPath(), URL(fileURLWithPath: file)]
        for start in starts {
            var directory = start.deletingLastPathComponent()
            while directory.path != "/" {
                let script = directory.appendingPathComponent("scripts/pg-throwaway.sh").path
                if FileManager.default.fileExists(atPath: directory.appendingPathComponent("Package.swift").path),
                   FileManager.default.fileExists(atPath: script) {
                    return script
                }
                directory = directory.deletingLastPathComponent()
            }
        }
        throw StartError(description: "scripts/pg-throwaway.sh not found above \(file)")
    }

    static func psql(_ connection: [String], _ sql: String) throws -> String {
        let candidates = ["/usr/bin/psql"] + ((try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? [])
            .sorted().reversed().map { "/usr/lib/postgresql/\($0)/bin/psql" }
        guard let psql = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw StartError(description: "psql not found")
        }
        let (status, output) = run(psql, ["-X", "-q", "-At", "-v", "ON_ERROR_STOP=1"] + connection + ["-c", sql], viaBash: false)
        guard status == 0 else { throw StartError(description: "psql failed on '\(sql)': \(output)") }
        return output
    }

    /// Runs a program to its end on the caller's thread (which must be one of its own).
    static func run(_ executable: String, _ arguments: [String], viaBash: Bool = true) -> (Int32, String) {
        do {
            let child = try ChildProcess.runHere(viaBash ? "/bin/bash" : executable, viaBash ? [executable] + arguments : arguments,
                                                 environment: [:], input: nil, timeout: .seconds(120))
            let output = (child.stdout + "\n" + child.stderr).trimmingCharacters(in: .whitespacesAndNewlines)
            // The URL is the last line of stdout; keep stdout last so callers can find it.
            let ordered = (child.stderr + "\n" + child.stdout).trimmingCharacters(in: .whitespacesAndNewlines)
            return (child.status, child.status == 0 ? ordered : output)
        } catch {
            return (-1, "\(error)")
        }
    }
}
