import ArgumentParser
import DelotonIngest
import Foundation
import Logging
import Synchronization

/// The periodic status of a long-running ingest (`run`, `ingest`): readings per second, rides
/// open and finished, alerts and, for Kafka, the lag. Redrawn in place every second on a terminal; a log
/// line every `every` otherwise, so a container's log shows progress without one line per event.
final class StatusLine: Sendable {
    private struct State {
        var readings = 0, ridesOpen = 0, ridesEnded = 0, alerts = 0
        var lag: Int64?
        var keyedHint = false
        var readingsAtDraw = 0
        var lastDraw = ContinuousClock.now
    }
    private let state = Mutex(State())
    private let started = ContinuousClock.now
    private let logger: Logger
    private let every: Duration

    init(logger: Logger, every: Duration) {
        self.logger = logger
        self.every = every
    }

    var elapsed: Double { (ContinuousClock.now - started).inSeconds }

    func add(_ committed: CommittedBatch) {
        state.withLock { s in
            s.readings += committed.readings
            s.ridesOpen = committed.openRides
            s.ridesEnded += committed.outcome.endedRideIDs.count
            s.alerts += committed.outcome.newAlertIDs.count
        }
        drawIfDue()
    }

    /// The Kafka consumer lag, as the source reports it.
    func lag(_ messages: Int64) {
        state.withLock { $0.lag = messages }
    }

    /// Keeps the `--stream-by key` hint in view until the process ends.
    func keyedStreams() {
        state.withLock { $0.keyedHint = true }
    }

    private func drawIfDue() {
        let terminal = Console.drawsInPlace
        let line: String? = state.withLock { s in
            let now = ContinuousClock.now
            let seconds = (now - s.lastDraw).inSeconds
            guard seconds >= (terminal ? 1 : every.inSeconds) else { return nil }
            let rate = Double(s.readings - s.readingsAtDraw) / max(seconds, 0.001)
            s.lastDraw = now
            s.readingsAtDraw = s.readings
            var text = "\(Console.count(Int(rate.rounded()))) readings/s · \(Console.count(s.readings)) readings · "
                + "rides \(Console.count(s.ridesOpen)) open, \(Console.count(s.ridesEnded)) finished · \(Console.count(s.alerts)) alerts"
            if let lag = s.lag { text += " · lag \(Console.count(Int(lag)))" }
            if s.keyedHint { text += " · most lines unattributed: try \(flag: .streamBy) key" }
            return text
        }
        guard let line else { return }
        if terminal { Console.status(line) } else { logger.info("status: \(line)") }
    }
}

/// How often `run` and `ingest` log their status line.
struct StatusLineOptions: ParsableArguments {
    @Option(help: .setting(.statusInterval)) var statusInterval: Double?

    /// A usage error (exit 2) when not a sensible number of seconds.
    func every() throws -> Duration {
        let text = Env.text(.statusInterval, flag: statusInterval.map { String($0) })
        guard let seconds = Double(text), seconds >= 0.1, seconds <= 86_400 else {
            throw CLIFailure.usage("\(flag: .statusInterval) must be a number of seconds from 0.1 to 86400 (got \(text)) (\(variable: .statusInterval))")
        }
        return .milliseconds(Int64(seconds * 1000))
    }
}
