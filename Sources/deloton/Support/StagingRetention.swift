import DelotonStore
import Logging
import ServiceLifecycle

/// PostgreSQL's staging copy is kept for its retention (default 7 days): long-running ingest
/// purges what is older once an hour, as a service of its `Lifecycle`.
enum StagingRetention {
    /// nil for a warehouse without a staging copy (SQLite).
    static func service(_ warehouse: any Warehouse, logger: Logger) -> (any Service)? {
        guard let postgres = warehouse as? PostgresWarehouse else { return nil }
        return ClosureService {
            await cancelWhenGracefulShutdown {
                while !Task.isCancelled {
                    do {
                        let purged = try await postgres.purgeStaging()
                        if purged > 0 { logger.info("purged \(purged) staged profile(s) past retention") }
                    } catch where !Task.isCancelled {
                        logger.warning("staging purge failed, will try again in an hour: \(error)")
                    } catch {}
                    try? await Task.sleep(for: .seconds(3600))
                }
            }
        }
    }
}
