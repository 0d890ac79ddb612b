import DelotonTelemetry
import Foundation
import Logging
import Synchronization

/// Terminal output: errors on one line, and a progress or status line redrawn in place
/// only when stderr is a terminal and logs are text (logs and CI output stay clean). With
/// `--log-format json` these lines are JSON log lines too, so a collector reading the
/// container's output parses every line alike.
enum Console {
    static let isTerminal = isatty(STDERR_FILENO) == 1
    private static let settings = Mutex((format: LogFormat.text, quiet: false))

    /// Set once the command's log format and verbosity are known.
    static func use(_ chosen: LogFormat, quiet: Bool) { settings.withLock { $0 = (chosen, quiet) } }

    /// A line redrawn in place can be shown: a terminal, text logs, not `--quiet`.
    static var drawsInPlace: Bool { isTerminal && settings.withLock { $0.format == .text && !$0.quiet } }

    private static var format: LogFormat { settings.withLock { $0.format } }

    private static func json(_ text: String, level: Logger.Level) -> String? {
        guard format == .json else { return nil }
        return LogLine.render(.json, time: Date(), level: level, label: "deloton", message: text, metadata: [:]) + "\n"
    }

    static func error(_ message: String) {
        let text = message.hasSuffix("\n") ? String(message.dropLast()) : message
        if let line = json(text, level: .error) {
            TerminalStatusLine.writeLine(String(line.dropLast()))
            return
        }
        let line = text.hasPrefix("deloton:") || text.hasPrefix("Error:") || text.hasPrefix("Usage:") ? text : "deloton: " + text
        TerminalStatusLine.writeLine(line)
    }

    /// Redraws the line in place; nothing when it cannot be (see `drawsInPlace`).
    static func status(_ line: String) {
        guard drawsInPlace else { return }
        TerminalStatusLine.show(line)
    }

    static func endStatus() {
        TerminalStatusLine.remove()
    }

    /// A command's result rather than a message about its work (a new API key): printed as is,
    /// in every log format, since the person or script that ran the command needs it verbatim.
    static func result(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }

    static func out(_ line: String) {
        // Both streams share the terminal: the status would otherwise run into this line.
        if drawsInPlace { TerminalStatusLine.remove() }
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

    /// A time left, as a person reads it: 45 s, 3 min 20 s, 2 h 05 min.
    static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds >= 0 else { return "?" }
        let s = Int(min(seconds, 359_999).rounded())
        if s < 60 { return "\(s) s" }
        if s < 3600 { return "\(s / 60) min \(s % 60) s" }
        return "\(s / 3600) h " + String(format: "%02d", (s % 3600) / 60) + " min"
    }

    static func megabytes(_ bytes: Int64) -> String { String(format: "%.1f MB", Double(bytes) / 1_000_000) }
}
