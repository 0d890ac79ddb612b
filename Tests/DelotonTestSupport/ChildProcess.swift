import Foundation

/// A program run to its end: posix_spawn and waitpid on a thread of its own, input and output
/// through files (a full pipe never blocks the child), killed with its process group when it
/// outlives its time limit. Foundation's `Process` is not used: its termination was seen
/// never to arrive inside the test runner.
public struct ChildProcess: Sendable {
    public var status: Int32
    public var output: Data
    public var stderr: String
    /// Killed because it ran past its time limit (`status` is then 128 + SIGKILL).
    public var timedOut: Bool

    public var stdout: String { String(decoding: output, as: UTF8.self) }

    /// Runs `executable` (a path, or a name looked up in `PATH`) with `input` as its standard input.
    public static func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:],
                           input: Data? = nil, timeout: Duration = .seconds(120)) async throws -> ChildProcess {
        try await onOwnThread {
            try runHere(executable, arguments, environment: environment, input: input, timeout: timeout)
        }
    }

    /// The blocking part of `run`, for code that already is on a thread of its own.
    static func runHere(_ executable: String, _ arguments: [String], environment: [String: String],
                        input: Data?, timeout: Duration) throws -> ChildProcess {
        let dir = TestPaths.scratch("child")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let inPath = dir + "/in", outPath = dir + "/out", errPath = dir + "/err"
        try (input ?? Data()).write(to: URL(fileURLWithPath: inPath))
        let pid = try Spawn.start([executable] + arguments, environment: environment,
                                  stdin: inPath, stdout: outPath, stderr: errPath, ownGroup: true)
        let deadline = ContinuousClock.now + timeout
        var status: Int32 = 0, timedOut = false, pause: useconds_t = 1_000
        while true {
            let reaped = waitpid(pid, &status, WNOHANG)
            if reaped == pid || (reaped < 0 && errno != EINTR) { break }
            if ContinuousClock.now > deadline {
                kill(-pid, SIGKILL)
                while waitpid(pid, &status, 0) < 0, errno == EINTR {}
                timedOut = true
                break
            }
            usleep(pause)
            pause = min(pause * 2, 20_000)
        }
        return ChildProcess(status: Spawn.exitCode(status),
                            output: (try? Data(contentsOf: URL(fileURLWithPath: outPath))) ?? Data(),
                            stderr: (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "",
                            timedOut: timedOut)
    }
}

/// posix_spawn with a clean signal state: a child spawned from a Swift concurrency thread would
/// otherwise inherit that thread's blocked signals (SIGTERM among them) and ignore being stopped.
public enum Spawn {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// Starts `arguments[0]` (a path, or a name looked up in `PATH`); `stderr` nil joins it to stdout.
    /// `ownGroup` puts it in a process group of its own, so `kill(-pid, …)` reaches its children too.
    public static func start(_ arguments: [String], environment: [String: String], stdin: String, stdout: String,
                      stderr: String?, append: Bool = false, ownGroup: Bool = false) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        let write = O_WRONLY | O_CREAT | (append ? O_APPEND : O_TRUNC)
        posix_spawn_file_actions_addopen(&actions, 0, stdin, O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdout, write, 0o644)
        if let stderr {
            posix_spawn_file_actions_addopen(&actions, 2, stderr, write, 0o644)
        } else {
            posix_spawn_file_actions_adddup2(&actions, 1, 2)
        }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGTERM, SIGINT, SIGHUP, SIGPIPE] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        var flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF
        if ownGroup {
            flags |= POSIX_SPAWN_SETPGROUP
            posix_spawnattr_setpgroup(&attributes, 0)
        }
        posix_spawnattr_setflags(&attributes, Int16(flags))
        let env = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        let argv = arguments.map { strdup($0) } + [nil]
        let envp = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var pid: pid_t = 0
        let rc = posix_spawnp(&pid, arguments[0], &actions, &attributes, argv, envp)
        guard rc == 0 else { throw Failure(description: "cannot start \(arguments[0]): \(String(cString: strerror(rc)))") }
        return pid
    }

    /// The shell's convention: the exit code, or 128 + the signal that ended it.
    public static func exitCode(_ status: Int32) -> Int32 {
        (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
    }
}
