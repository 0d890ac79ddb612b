import DelotonTelemetry
import Foundation
import Logging
import Synchronization

/// Terminal output: errors on one line, and a progress or status line redrawn in place
/// only when stderr is a terminal (logs and CI output stay clean). With `--log-format json`
/// these lines are JSON log lines too, so a collector reading the container's output parses
/// every line alike.
enum Console {
    static let isTerminal = isatty(STDERR_FILENO) == 1
    private static let format = Mutex(LogFormat.text)

    /// Set once the command's log format is known.
    static func use(_ chosen: LogFormat) { format.withLock { $0 = chosen } }

    private static func json(_ text: String, level: Logger.Level) -> String? {
        guard format.withLock({ $0 }) == .json else { return nil }
        return LogLine.render(.json, time: Date(), level: level, label: "deloton", message: text, metadata: [:]) + "\n"
    }

    static func error(_ message: String) {
        if let line = json(message.hasSuffix("\n") ? String(message.dropLast()) : message, level: .error) {
            FileHandle.standardError.write(Data(line.utf8))
            return
        }
        let line = message.hasPrefix("deloton:") || message.hasPrefix("Error:") || message.hasPrefix("Usage:")
            ? message : "deloton: " + message
        FileHandle.standardError.write(Data((line.hasSuffix("\n") ? line : line + "\n").utf8))
    }

    static func status(_ line: String) {
        guard isTerminal else { return }
        FileHandle.standardError.write(Data(("\r\u{1B}[2K" + line).utf8))
    }

    static func endStatus() {
        guard isTerminal else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[2K".utf8))
    }

    /// A command's result rather than a message about its work (a new API key): printed as is,
    /// in every log format, since the person or script that ran the command needs it verbatim.
    static func result(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }

    static func out(_ line: String) {
        FileHandle.standardOutput.write(Data((json(line, level: .info) ?? line + "\n").utf8))
    }

    static func bar(fraction: Double, width: Int = 24) -> String {
        let filled = Int((max(0, min(1, fraction)) * Double(width)).rounded())
        return "[" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled) + "]"
    }

    static func count(_ n: Int) -> String {
        let s = String(n)
        var out = ""
        for (i, c) in s.reversed().enumerated() {
            if i > 0, i % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return String(out.reversed())
    }

    static func megabytes(_ bytes: Int64) -> String { String(format: "%.1f MB", Double(bytes) / 1_000_000) }
}
