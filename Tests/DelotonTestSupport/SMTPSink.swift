import Foundation

/// A real SMTP server (aiosmtpd with `scripts/testing/deloton_smtp_sink.py`) on a free
/// loopback port, for tests. Received messages land, byte for byte, in a Maildir.
///
///     let sink = try SMTPSink()               // accepting
///     let bad = try SMTPSink(mode: .rejectRecipient)
///     ... sink.url ...  sink.messages() ...
///     try sink.restart(mode: .temporaryFailure)   // same port
public final class SMTPSink: @unchecked Sendable {
    public enum Mode: String, Sendable {
        case accept
        /// 550 at RCPT TO.
        case rejectRecipient = "reject-rcpt"
        /// 450 at RCPT TO.
        case temporaryRecipientFailure = "tempfail-rcpt"
        /// 554 after DATA.
        case rejectData = "reject-data"
        /// 451 after DATA.
        case temporaryFailure = "tempfail"
        /// Accepts the connection but never answers DATA.
        case hang
    }

    public let port: Int
    /// Everything the sink owns; removed by `shutdown()`.
    public let directory: URL
    /// The Maildir; received messages are in `new/`.
    public var maildir: URL { directory.appendingPathComponent("maildir") }
    public var url: String { "smtp://127.0.0.1:\(port)" }

    private let lock = NSLock()
    private var process: SpawnedServer?
    private var currentMode: Mode

    public init(mode: Mode = .accept) async throws {
        directory = try SinkProcess.makeDirectory(prefix: "deloton-smtp")
        port = try SinkProcess.freePort()
        currentMode = mode
        try await start()
    }

    deinit {
        shutdown()
    }

    public var mode: Mode { lock.withLock { currentMode } }

    /// Stops the server and waits until the process has exited, so the port can be reused.
    public func stop() async {
        let running = takeProcess()
        _ = try? await onOwnThread { running?.stop() }
    }

    /// Starts again on the same port, keeping the messages received so far.
    public func restart(mode: Mode? = nil) async throws {
        await stop()
        if let mode { lock.withLock { currentMode = mode } }
        try await start()
    }

    /// Stops the server and deletes its directory once it has exited, without waiting (so it
    /// fits a `defer`).
    public func shutdown() {
        let directory = self.directory
        let cleanup: @Sendable () -> Void = { try? FileManager.default.removeItem(at: directory) }
        if let running = takeProcess() { running.stopInBackground(then: cleanup) } else { cleanup() }
    }

    private func takeProcess() -> SpawnedServer? {
        lock.withLock {
            defer { process = nil }
            return process
        }
    }

    /// Received message files, oldest first. Each starts with `X-MailFrom:`, `X-RcptTo:` and
    /// `X-Peer:` lines, followed by the message exactly as the client sent it.
    public func messages() -> [URL] {
        let new = maildir.appendingPathComponent("new")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: new.path)) ?? []
        return names.filter { !$0.hasPrefix(".") }.sorted().map { new.appendingPathComponent($0) }
    }

    /// Polls until at least `count` messages arrived or the timeout passes.
    public func waitForMessages(count: Int, timeout: Duration = .seconds(5)) async -> [URL] {
        let deadline = ContinuousClock.now + timeout
        while true {
            let found = messages()
            if found.count >= count || ContinuousClock.now >= deadline { return found }
            try? await Task.sleep(for: .milliseconds(20))
        }
    }

    private func start() async throws {
        let scripts = try SinkProcess.scriptsDirectory()
        let mode = self.mode
        let launched = try await SinkProcess.launch(
            arguments: [
                "python3", "-m", "aiosmtpd", "-n", "-l", "127.0.0.1:\(port)",
                "-c", "deloton_smtp_sink.Sink", mode.rawValue, maildir.path,
            ],
            environment: ["PYTHONPATH": scripts.path],
            log: directory.appendingPathComponent("aiosmtpd.log"),
            port: port)
        lock.withLock { process = launched }
    }
}

/// Shared by the sinks: free ports, temporary folders, and python servers that are ready
/// when `launch` returns.
enum SinkProcess {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    static func makeDirectory(prefix: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("\(prefix)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Asks the kernel for an unused port. Another process could take it before the server
    /// binds, which is unlikely enough on a test machine.
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket() failed: errno \(errno)") }
        defer { close(fd) }
        var address = loopback(port: 0)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else { throw Failure(description: "bind() failed: errno \(errno)") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    static func isAccepting(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = loopback(port: port)
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        } == 0
    }

    private static func loopback(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        return address
    }

    /// `scripts/testing` of the repository, found from this source file's location (which
    /// may be reached through a symlink).
    static func scriptsDirectory(file: String = #filePath) throws -> URL {
        var candidates = [URL(fileURLWithPath: file).resolvingSymlinksInPath(), URL(fileURLWithPath: file)]
        candidates.append(URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent("x"))
        for start in candidates {
            var folder = start.deletingLastPathComponent()
            while folder.path != "/" {
                let scripts = folder.appendingPathComponent("scripts/testing")
                if FileManager.default.fileExists(atPath: scripts.appendingPathComponent("deloton_smtp_sink.py").path) {
                    return scripts
                }
                folder = folder.deletingLastPathComponent()
            }
        }
        throw Failure(description: "cannot find scripts/testing/deloton_smtp_sink.py above \(file)")
    }

    /// Starts the process and waits (up to 10 s) until its port accepts connections.
    static func launch(arguments: [String], environment: [String: String], log: URL, port: Int) async throws -> SpawnedServer {
        try await onOwnThread { try launchHere(arguments: arguments, environment: environment, log: log, port: port) }
    }

    private static func launchHere(arguments: [String], environment: [String: String], log: URL, port: Int) throws -> SpawnedServer {
        let server = try SpawnedServer(arguments: arguments, environment: environment, log: log)
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            if isAccepting(port: port) { return server }
            if !server.isRunning { break }
            usleep(20_000)
        }
        server.stop()
        let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        throw Failure(description: "\(arguments.joined(separator: " ")) did not listen on port \(port): \(text.suffix(600))")
    }
}

/// A server process of a test: started through `Spawn`, stopped with SIGTERM (SIGKILL after 3 s).
public final class SpawnedServer: @unchecked Sendable {
    /// Starts `arguments` (output appended to `log`) and returns once `port` accepts connections.
    public static func start(_ arguments: [String], environment: [String: String] = [:], log: URL,
                             port: Int) async throws -> SpawnedServer {
        try await SinkProcess.launch(arguments: arguments, environment: environment, log: log, port: port)
    }

    /// A loopback port nothing listens on now.
    public static func freePort() throws -> Int { try SinkProcess.freePort() }

    let pid: pid_t
    private let lock = NSLock()
    private var exited = false

    init(arguments: [String], environment: [String: String], log: URL) throws {
        pid = try Spawn.start(arguments, environment: environment, stdin: "/dev/null", stdout: log.path,
                              stderr: nil, append: true)
    }

    deinit { stopInBackground() }

    var isRunning: Bool {
        lock.withLock {
            if exited { return false }
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) == pid { exited = true }
            return !exited
        }
    }

    /// Stops the server and waits for its exit, so that the port is free again. Blocks: call it
    /// from a thread of its own (`onOwnThread`).
    func stop() {
        guard takeOver() else { return }
        Self.end(pid)
    }

    /// Stops the server without waiting for it, then runs `cleanup` once it has exited.
    public func stopInBackground(then cleanup: @escaping @Sendable () -> Void = {}) {
        guard takeOver() else { return cleanup() }
        let pid = self.pid
        // Now, not on the thread: the test process may end before the thread runs.
        kill(pid, SIGTERM)
        Thread.detachNewThread {
            Self.end(pid)
            cleanup()
        }
    }

    /// True for the one caller that is to end the process.
    private func takeOver() -> Bool {
        lock.withLock {
            defer { exited = true }
            return !exited
        }
    }

    private static func end(_ pid: pid_t) {
        kill(pid, SIGTERM)
        var status: Int32 = 0
        for _ in 0..<150 {
            if waitpid(pid, &status, WNOHANG) == pid { return }
            usleep(20_000)
        }
        kill(pid, SIGKILL)
        while waitpid(pid, &status, 0) < 0, errno == EINTR {}
    }
}
