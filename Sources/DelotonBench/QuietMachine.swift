import Foundation

/// Waits until this machine's processors are nearly idle, so a timed round does not share them
/// with work left from the one before: above all a broker on the same machine that is still
/// saving its state after a consumer group changed (noida-db rewrites its whole store then,
/// seconds of a core for the benchmark's topic).
enum QuietMachine {
    /// Returns the seconds waited until less than `cores` processors' worth of time was busy for
    /// `quiet` in a row (background noise stays under it, one busy core does not), or nil when
    /// that did not happen within `timeout` (or `/proc/stat` is unreadable, as off Linux).
    /// `quiet` is long because noida-db starts saving up to a second after the change that
    /// asked for it.
    static func wait(busyBelow cores: Double = 0.3, quiet: Duration = .milliseconds(1500),
                     timeout: Duration = .seconds(30)) async -> Double? {
        let clock = ContinuousClock()
        let started = clock.now
        var quietSince = started
        let processors = ProcessInfo.processInfo.activeProcessorCount
        guard var before = ticks() else { return nil }
        while clock.now - started < timeout {
            try? await Task.sleep(for: .milliseconds(250))
            guard let after = ticks() else { return nil }
            let total = after.total - before.total
            let busyCores = Double(after.busy - before.busy) / Double(max(total, 1)) * Double(processors)
            if total == 0 || busyCores >= cores { quietSince = clock.now }
            if clock.now - quietSince >= quiet {
                return (clock.now - started).inSeconds
            }
            before = after
        }
        return nil
    }

    /// Busy and total jiffies of all processors, from the first line of `/proc/stat`.
    private static func ticks() -> (busy: UInt64, total: UInt64)? {
        guard let text = try? String(contentsOfFile: "/proc/stat", encoding: .utf8),
              let line = text.split(separator: "\n").first, line.hasPrefix("cpu ") else { return nil }
        // user nice system idle iowait irq softirq steal …
        let fields = line.split(separator: " ").dropFirst().prefix(8).compactMap { UInt64($0) }
        guard fields.count == 8 else { return nil }
        let idle = fields[3] + fields[4]
        let total = fields.reduce(0, +)
        return (total - idle, total)
    }
}
