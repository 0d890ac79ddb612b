import Foundation
import Synchronization

/// The line at the bottom of a terminal that a progress bar or a status line redraws in place,
/// and the one writer of standard error, so that a log line never lands inside it: the line is
/// cleared, the log line written above, and the status drawn again below it.
///
/// Whoever shows a status decides whether to (only on a terminal, never with JSON logs); every
/// line written to standard error goes through `writeLine`, each with one `write(2)` so lines
/// from concurrent tasks never interleave.
public enum TerminalStatusLine {
    private static let shown = Mutex<String?>(nil)
    private static let clear = "\r\u{1B}[2K"

    /// Draws `text` in place of the current status.
    public static func show(_ text: String) {
        shown.withLock { current in
            current = text
            write(clear + text)
        }
    }

    /// Removes the status, leaving the cursor at the start of an empty line.
    public static func remove() {
        shown.withLock { current in
            guard current != nil else { return }
            current = nil
            write(clear)
        }
    }

    /// Writes one line (without its newline) above the status, if one is shown.
    public static func writeLine(_ line: String) {
        shown.withLock { current in
            if let current { write(clear + line + "\n" + current) } else { write(line + "\n") }
        }
    }

    private static func write(_ text: String) {
        var bytes = Array(text.utf8)
        bytes.withUnsafeMutableBytes { buffer in
            guard let base = buffer.baseAddress else { return }
            var offset = 0
            while offset < buffer.count {
                let n = Foundation.write(STDERR_FILENO, base + offset, buffer.count - offset)
                if n < 0 { if errno == EINTR { continue } else { return } }
                offset += n
            }
        }
    }
}
