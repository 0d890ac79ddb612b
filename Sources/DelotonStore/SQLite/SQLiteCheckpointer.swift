import Dispatch
import Foundation
import GRDBSQLite
import Logging

/// Copies the write-ahead log into the database file on a thread of its own.
///
/// SQLite's automatic checkpoint runs inside the commit that pushes the WAL past 1,000 pages,
/// and that commit then waits for the database file's fsync: 100–300 ms on a virtual disk,
/// during which live ingest (and the alert a batch may carry) stands still. This thread runs a
/// PASSIVE checkpoint (it never waits for readers or writers, nor blocks them) every second on a
/// connection of its own, which keeps the log short at live rates. The warehouse's connections
/// checkpoint only past `writerPages`: a bulk load outruns this thread (the log starts over only
/// once a checkpoint has caught up), and the writer's own checkpoint, between two of its
/// transactions, always catches up.
final class SQLiteCheckpointer: Sendable {
    private let stopSignal = DispatchSemaphore(value: 0)
    private let finished = DispatchSemaphore(value: 0)

    /// `wal_autocheckpoint` of the warehouse's connections: 64 MB of log with 4 KiB pages.
    static let writerPages = 16_384

    /// Starts checkpointing `path` every `interval`, sooner while the log is long.
    init(path: String, interval: DispatchTimeInterval = .seconds(1), logger: Logger) {
        let stopSignal = self.stopSignal, finished = self.finished
        let thread = Thread {
            defer { finished.signal() }
            var db: OpaquePointer?
            guard sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nil) == SQLITE_OK else {
                let reason = db.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
                logger.error("cannot open \(path) to checkpoint its write-ahead log (\(reason)): commits will do it, every \(Self.writerPages) pages")
                sqlite3_close(db)
                return
            }
            defer { sqlite3_close(db) }
            // Before SQLite 3.42 a checkpoint does nothing on a connection that has never read the
            // database (it has not opened the log yet); one read opens it for good.
            sqlite3_exec(db, "PRAGMA schema_version", nil, nil, nil)
            var wait = interval
            while stopSignal.wait(timeout: .now() + wait) == .timedOut {
                var logPages: Int32 = 0, copied: Int32 = 0
                let rc = sqlite3_wal_checkpoint_v2(db, nil, SQLITE_CHECKPOINT_PASSIVE, &logPages, &copied)
                // Another connection checkpointing (SQLITE_BUSY) is no failure: it does the work.
                if rc != SQLITE_OK, rc != SQLITE_BUSY {
                    logger.warning("checkpoint of \(path) failed: \(String(cString: sqlite3_errmsg(db)))")
                }
                // A long log means a busy writer: keep up with it rather than let the file grow.
                wait = logPages > 1_000 ? .milliseconds(100) : interval
            }
        }
        thread.name = "sqlite-checkpoint"
        thread.start()
    }

    /// Stops the thread once its current checkpoint is done and it has closed its connection,
    /// so that the warehouse's last connection to close can remove the log. The wait happens on
    /// a thread of its own, never on Swift's cooperative pool.
    func stop() async {
        stopSignal.signal()
        let finished = self.finished
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            Thread {
                finished.wait()
                finished.signal()
                done.resume()
            }.start()
        }
    }

    /// Stops the thread without waiting (a warehouse dropped without `close()`).
    func stopInBackground() {
        stopSignal.signal()
    }
}
