import DelotonConcurrency
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
///
/// The pauses are a task's sleep, which stopping cuts short; the checkpoints themselves, which
/// wait for the disk, run on a `BlockingExecutor` thread.
final class SQLiteCheckpointer: Sendable {
    private let loop: Task<Void, Never>

    /// `wal_autocheckpoint` of the warehouse's connections: 64 MB of log with 4 KiB pages.
    static let writerPages = 16_384

    /// Starts checkpointing `path` every `interval`, sooner while the log is long.
    init(path: String, interval: Duration = .seconds(1), logger: Logger) {
        let executor = BlockingExecutor(name: "sqlite-ckpt")
        loop = Task {
            defer { executor.shutdown() }
            guard let connection = await executor.run({ CheckpointConnection(path: path, logger: logger) }) else { return }
            var wait = interval
            while true {
                do { try await Task.sleep(for: wait) } catch { break }
                let logPages = await executor.run { connection.checkpoint() }
                // A long log means a busy writer: keep up with it rather than let the file grow.
                wait = logPages > 1_000 ? .milliseconds(100) : interval
            }
            await executor.run { connection.close() }
        }
    }

    /// Stops once the current checkpoint is done and the connection is closed, so that the
    /// warehouse's last connection to close can remove the log.
    func stop() async {
        loop.cancel()
        await loop.value
    }

    /// Stops without waiting (a warehouse dropped without `close()`).
    func stopInBackground() {
        loop.cancel()
    }
}

/// The checkpointer's own connection, used only on its executor's one thread.
private final class CheckpointConnection: @unchecked Sendable {
    private let db: OpaquePointer
    private let path: String
    private let logger: Logger

    /// Nil, having said why, when the database cannot be opened: commits then checkpoint alone.
    init?(path: String, logger: Logger) {
        var db: OpaquePointer?
        guard sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nil) == SQLITE_OK, let db else {
            let reason = db.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            logger.error("cannot open \(path) to checkpoint its write-ahead log (\(reason)): commits will do it, every \(SQLiteCheckpointer.writerPages) pages")
            sqlite3_close(db)
            return nil
        }
        self.db = db
        self.path = path
        self.logger = logger
        // Before SQLite 3.42 a checkpoint does nothing on a connection that has never read the
        // database (it has not opened the log yet); one read opens it for good.
        sqlite3_exec(db, "PRAGMA schema_version", nil, nil, nil)
    }

    /// One PASSIVE checkpoint; returns how many pages the log holds.
    func checkpoint() -> Int32 {
        var logPages: Int32 = 0, copied: Int32 = 0
        let rc = sqlite3_wal_checkpoint_v2(db, nil, SQLITE_CHECKPOINT_PASSIVE, &logPages, &copied)
        // Another connection checkpointing (SQLITE_BUSY) is no failure: it does the work.
        if rc != SQLITE_OK, rc != SQLITE_BUSY {
            logger.warning("checkpoint of \(path) failed: \(String(cString: sqlite3_errmsg(db)))")
        }
        return logPages
    }

    func close() {
        sqlite3_close(db)
    }
}
