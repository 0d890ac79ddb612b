import Dispatch
import Foundation
import GRDBSQLite
import Logging

/// Copies the write-ahead log into the database file on a thread of its own.
///
/// SQLite's automatic checkpoint runs inside the commit that pushes the WAL past 1,000 pages,
/// and that commit then waits for the database file's fsync: 100–300 ms on a virtual disk,
/// during which live ingest (and the alert a batch may carry) stands still. The warehouse's
/// connections therefore leave checkpoints to this thread, which runs a PASSIVE one (it never
/// waits for readers or writers, nor blocks them) on a connection of its own.
final class SQLiteCheckpointer: Sendable {
    private let stopSignal = DispatchSemaphore(value: 0)

    /// Starts checkpointing `path` every `interval`, sooner while the log is long.
    init(path: String, interval: DispatchTimeInterval = .seconds(1), logger: Logger) {
        let stopSignal = self.stopSignal
        let thread = Thread {
            var db: OpaquePointer?
            guard sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nil) == SQLITE_OK else {
                let reason = db.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
                logger.error("cannot open \(path) to checkpoint its write-ahead log (\(reason)): the log will grow until the warehouse closes")
                sqlite3_close(db)
                return
            }
            defer { sqlite3_close(db) }
            // Before SQLite 3.42 a checkpoint does nothing on a connection that has never read the
            // database (it has not opened the log yet); one read opens it for good.
            sqlite3_exec(db, "PRAGMA schema_version", nil, nil, nil)
            var wait = interval
            while stopSignal.wait(timeout: .now() + wait) == .timedOut {
                var logFrames: Int32 = 0, copied: Int32 = 0
                let rc = sqlite3_wal_checkpoint_v2(db, nil, SQLITE_CHECKPOINT_PASSIVE, &logFrames, &copied)
                // Another connection checkpointing (SQLITE_BUSY) is no failure: it does the work.
                if rc != SQLITE_OK, rc != SQLITE_BUSY {
                    logger.warning("checkpoint of \(path) failed: \(String(cString: sqlite3_errmsg(db)))")
                }
                // A long log means a busy writer: keep up with it rather than let the file grow.
                wait = logFrames > 1_000 ? .milliseconds(100) : interval
            }
        }
        thread.name = "sqlite-checkpoint"
        thread.start()
    }

    /// Tells the thread to close its connection and end; returns at once (no caller waits for an fsync).
    func stop() {
        stopSignal.signal()
    }
}

