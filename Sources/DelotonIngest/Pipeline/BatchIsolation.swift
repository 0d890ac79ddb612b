import DelotonConcurrency
import DelotonCore
import DelotonStore
import Logging

/// Writes a batch so that neither an outage nor one bad row can stop ingest.
///
/// A database that went away is waited for: the batch (and the source position) is kept and
/// retried with backoff, and the idempotent write makes a retry after an unknown outcome safe.
/// A batch the database refuses for its data (`WarehouseError.Kind.data`) is split in halves
/// until the refused ride or quarantine line is found; that one goes to quarantine with the
/// database's reason, and the rest commits in order, the source position with the last part.
public enum BatchIsolation {
    public static func write(_ batch: IngestBatch, to warehouse: any Warehouse, logger: Logger) async throws -> WriteOutcome {
        do {
            return try await writeWithRetry(batch, to: warehouse, logger: logger)
        } catch let error as WarehouseError where error.kind == .data {
            let units = batch.rides.count + batch.quarantine.count
            guard units > 1 else {
                // Only this ride (or line) is left: it takes the reason, the position moves on.
                var replaced = IngestBatch()
                replaced.positions = batch.positions
                replaced.lineCount = batch.lineCount
                replaced.quarantine = batch.rides.map { refused($0, reason: error.message) }
                    + batch.quarantine.map { refused($0, reason: error.message) }
                logger.warning("the warehouse refused a row; it is quarantined and ingest goes on", metadata: ["reason": "\(error.message)"])
                return try await writeWithRetry(replaced, to: warehouse, logger: logger)
            }
            let (first, second) = halves(of: batch)
            var outcome = try await write(first, to: warehouse, logger: logger)
            let rest = try await write(second, to: warehouse, logger: logger)
            outcome.rideIDs.merge(rest.rideIDs) { _, new in new }
            outcome.endedRideIDs += rest.endedRideIDs
            outcome.newAlertIDs += rest.newAlertIDs
            outcome.tombstonedRides += rest.tombstonedRides
            outcome.newReadings += rest.newReadings
            return outcome
        }
    }

    /// 250 ms, then 500 ms, then every second. A refused connection costs the server nothing, and
    /// the wait is what ingest adds to an outage: with at most 1 s the first batch after the
    /// database answers again is written within about a second (plus the reconnect), not the
    /// 10 s the backoff used to reach. No jitter: one pipeline waits, not a crowd.
    static let retryBackoff = RetryBackoff(initial: .milliseconds(250), maximum: .seconds(1), jitter: .none)

    static func writeWithRetry(_ batch: IngestBatch, to warehouse: any Warehouse, logger: Logger) async throws -> WriteOutcome {
        var attempts = 0
        let clock = ContinuousClock()
        var outageStarted: ContinuousClock.Instant?
        var lastLog: ContinuousClock.Instant?
        while true {
            do {
                let outcome = try await warehouse.write(batch)
                if let outageStarted {
                    let seconds = Double((clock.now - outageStarted).components.seconds)
                    logger.notice("warehouse available again: the batch held for \(Int(seconds)) s is written")
                }
                return outcome
            } catch let error as WarehouseError where error.kind == .unavailable {
                let now = clock.now
                if outageStarted == nil { outageStarted = now }
                // Said once and then every 10 s: a retry a second must not flood the log.
                if lastLog.map({ now - $0 >= .seconds(10) }) ?? true {
                    logger.warning("warehouse unavailable, retrying every \(retryBackoff.maximum) or sooner: \(error.message)")
                    lastLog = now
                }
                attempts += 1
                try await Task.sleep(for: retryBackoff.delay(afterAttempt: attempts))
            }
        }
    }

    /// Two batches that together write what `batch` writes, in its order; the source positions
    /// go with the second, so they are saved only once everything before them is.
    static func halves(of batch: IngestBatch) -> (IngestBatch, IngestBatch) {
        var first = IngestBatch(), second = IngestBatch()
        if batch.rides.count > 1 {
            let middle = batch.rides.count / 2
            first.rides = Array(batch.rides[..<middle])
            second.rides = Array(batch.rides[middle...])
            second.quarantine = batch.quarantine
        } else {
            let middle = batch.quarantine.count / 2
            first.rides = batch.rides
            first.quarantine = Array(batch.quarantine[..<middle])
            second.quarantine = Array(batch.quarantine[middle...])
        }
        second.positions = batch.positions
        second.lineCount = batch.lineCount
        return (first, second)
    }

    /// A ride the warehouse refused, kept in quarantine under its stream. The key's start time
    /// makes the position, so each refused ride has a row of its own.
    static func refused(_ change: RideChange, reason: String) -> QuarantinedLine {
        let s = change.snapshot
        return QuarantinedLine(
            source: "refused-ride:" + s.stream, position: s.key.startedAt.microseconds,
            raw: "ride of rider \(s.key.riderID) on bike \(s.key.bikeSerial) starting \(s.key.startedAt) with \(change.readings.count) new reading(s)",
            reason: "the warehouse refused this ride: \(reason)")
    }

    static func refused(_ line: QuarantinedLine, reason: String) -> QuarantinedLine {
        // The line itself could not be stored: keep its size and cause, not the bytes refused.
        QuarantinedLine(source: line.source, position: line.position,
                        raw: "(\(line.raw.utf8.count) bytes the warehouse would not store)",
                        reason: "\(line.reason); the warehouse refused the line itself: \(reason)")
    }
}
