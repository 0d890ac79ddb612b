import Foundation

/// A Kafka broker for tests: the one named by `DELOTON_TEST_KAFKA_BROKERS`, or a
/// throwaway noida-db broker started once per test process and stopped at exit.
public enum KafkaBroker {
    public struct StartError: Error, CustomStringConvertible {
        public let description: String
    }

    private static let lock = NSLock()
    nonisolated(unsafe) private static var started: Result<String, StartError>?
    nonisolated(unsafe) private static var counter = 0

    /// The bootstrap address (`host:port`) to give clients. The first caller starts the broker
    /// on a thread of its own; the others wait for it there too.
    public static func shared() async throws -> String {
        if let configured = ProcessInfo.processInfo.environment["DELOTON_TEST_KAFKA_BROKERS"], !configured.isEmpty {
            return configured
        }
        return try await onOwnThread {
            try lock.withLock {
                if let started { return try started.get() }
                let result = Result { () throws(StartError) -> String in try startThrowaway() }
                started = result
                return try result.get()
            }
        }
    }

    /// A name no other test in this or another process uses, for topics and groups.
    public static func uniqueName(_ prefix: String) -> String {
        let n = lock.withLock {
            counter += 1
            return counter
        }
        let random = UInt32.random(in: 0...UInt32.max)
        return "\(prefix)-\(getpid())-\(n)-\(String(random, radix: 36))"
    }

    /// A broker of one's own, for tests that stop and restart it (the shared one serves other tests).
    public struct Instance: Sendable {
        /// `127.0.0.1:PORT`, the same across restarts.
        public let address: String
        public let directory: String
        public let port: Int

        /// Stops the broker; its data stays, so `start()` brings back every topic and offset.
        public func stop() async throws {
            let (status, output) = try await onOwnThread { KafkaBroker.run(try KafkaBroker.findScript(), ["stop", directory]) }
            guard status == 0 else { throw StartError(description: "kafka-throwaway.sh stop failed: \(output)") }
        }

        /// Starts it again on the same port and waits until it accepts connections.
        public func start() async throws {
            let (status, output) = try await onOwnThread {
                KafkaBroker.run(try KafkaBroker.findScript(), ["start", directory, String(port)])
            }
            guard status == 0 else { throw StartError(description: "kafka-throwaway.sh start failed: \(output)") }
        }

        /// Stops the broker and deletes its files, without waiting (so it fits a `defer`).
        public func destroy() {
            let directory = self.directory
            Thread.detachNewThread { KafkaBroker.stop(directory: directory) }
        }
    }

    /// A private throwaway broker, stopped at exit unless `destroy()` stopped it first.
    public static func privateBroker() async throws -> Instance {
        try await onOwnThread { () throws(StartError) -> Instance in
            let script = try findScript()
            let directory = "/tmp/deloton-test-kafka-\(getpid())-" + String(UInt32.random(in: 0...UInt32.max), radix: 36)
            var lastFailure = ""
            for _ in 0..<3 {
                let port = freePort()
                let (status, output) = run(script, ["start", directory, String(port)])
                if status == 0, let address = output.split(separator: "\n").last.map(String.init), address.contains(":") {
                    atExitLock.withLock { privateDirectories.append(directory) }
                    installAtExit()
                    return Instance(address: address, directory: directory, port: port)
                }
                lastFailure = output
            }
            throw StartError(description: "could not start a private noida-db with \(script): \(lastFailure)")
        }
    }

    nonisolated(unsafe) private static var privateDirectories: [String] = []

    // MARK: - throwaway broker

    private static func startThrowaway() throws(StartError) -> String {
        let script = try findScript()
        let directory = "/tmp/deloton-test-kafka-\(getpid())"
        try? FileManager.default.removeItem(atPath: directory)
        var lastFailure = ""
        // A free port can be taken between choosing and binding it; try a few.
        for _ in 0..<3 {
            let port = freePort()
            let (status, output) = run(script, ["start", directory, String(port)])
            if status == 0, let address = output.split(separator: "\n").last.map(String.init), address.contains(":") {
                registerStop(directory: directory)
                return address
            }
            lastFailure = output
        }
        throw StartError(description: "could not start noida-db with \(script): \(lastFailure) "
                             + "(pip install noida-db, or set DELOTON_TEST_KAFKA_BROKERS)")
    }

    /// Walks up from this file to the package root that holds the broker script.
    private static func findScript(file: String = #filePath) throws(StartError) -> String {
        let starts = [URL(fileURLWithPath: file).resolvingSymlinksInPath(), URL(fileURLWithPath: file)]
        for start in starts {
            var directory = start.deletingLastPathComponent()
            while directory.path != "/" {
                let script = directory.appendingPathComponent("scripts/kafka-throwaway.sh").path
                if FileManager.default.fileExists(atPath: directory.appendingPathComponent("Package.swift").path),
                   FileManager.default.fileExists(atPath: script) {
                    return script
                }
                directory = directory.deletingLastPathComponent()
            }
        }
        throw StartError(description: "scripts/kafka-throwaway.sh not found above \(file)")
    }

    /// Runs the script and waits for it (on the caller's own thread).
    private static func run(_ executable: String, _ arguments: [String]) -> (Int32, String) {
        do {
            let child = try ChildProcess.runHere("/bin/bash", [executable] + arguments, environment: [:], input: nil,
                                                 timeout: .seconds(120))
            // The address is the last line of stdout, so stdout goes last.
            return (child.status, (child.stderr + "\n" + child.stdout).trimmingCharacters(in: .whitespacesAndNewlines))
        } catch {
            return (-1, "cannot run \(executable): \(error)")
        }
    }

    private static func freePort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return Int.random(in: 20000...39999) }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw in
                bind(fd, raw, length) == 0 && getsockname(fd, raw, &length) == 0
            }
        }
        guard bound else { return Int.random(in: 20000...39999) }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    nonisolated(unsafe) private static var stopDirectory: String?

    nonisolated(unsafe) private static var atExitInstalled = false
    /// Its own lock: `installAtExit` is called with `lock` held (from `shared()`).
    private static let atExitLock = NSLock()

    /// Brokers outlive the test binary unless they are told to stop; atexit runs after Swift
    /// Testing and XCTest have finished.
    private static func registerStop(directory: String) {
        stopDirectory = directory
        installAtExit()
    }

    private static func installAtExit() {
        let first = atExitLock.withLock {
            defer { atExitInstalled = true }
            return !atExitInstalled
        }
        guard first else { return }
        atexit {
            let privates = KafkaBroker.atExitLock.withLock { KafkaBroker.privateDirectories }
            for directory in privates { KafkaBroker.stop(directory: directory) }
            guard let directory = KafkaBroker.stopDirectory else { return }
            KafkaBroker.stop(directory: directory)
        }
    }

    private static func stop(directory: String) {
        guard let text = try? String(contentsOfFile: directory + "/broker.pid", encoding: .utf8),
              let pid = pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)) else { return }
        kill(pid, SIGTERM)
        // It writes its data on the way out; wait so the directory can go too.
        for _ in 0..<50 {
            if kill(pid, 0) != 0 { break }
            usleep(100_000)
        }
        if kill(pid, 0) == 0 { kill(pid, SIGKILL) }
        try? FileManager.default.removeItem(atPath: directory)
    }
}
