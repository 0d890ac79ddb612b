import DelotonStore
import Logging

/// PostgreSQL's staging copy is kept for its retention (default 7 days): long-running ingest
/// purges what is older once an hour.
enum StagingRetention {
    static func start(_ warehouse: any Warehouse, logger: Logger) -> Task<Void, Never>? {
        guard let postgres = warehouse as? PostgresWarehouse else { return nil }
        return Task {
            while !Task.isCancelled {
                do {
                    let purged = try await postgres.purgeStaging()
                    if purged > 0 { logger.info("purged \(purged) staged profile(s) past retention") }
                } catch {
                    logger.warning("staging purge failed, will try again in an hour: \(error)")
                }
                try? await Task.sleep(for: .seconds(3600))
            }
        }
    }
}
