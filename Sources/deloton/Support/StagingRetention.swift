import DelotonCore
import DelotonStore
import Foundation
import Logging
import ServiceLifecycle

/// PostgreSQL's staging copy is kept for its retention (default 7 days), and quarantined lines
/// on either warehouse for DELOTON_QUARANTINE_RETENTION_DAYS (default 30): long-running ingest
/// purges what is older once an hour, as a service of its `Lifecycle`.
enum StagingRetention {
    static func service(_ warehouse: any Warehouse, logger: Logger) -> any Service {
        let quarantineDays = Env.value(.quarantineRetentionDays).flatMap { Int($0) }
            .map { max(1, $0) } ?? QuarantineRetention.defaultDays
        return ClosureService {
            await cancelWhenGracefulShutdown {
                while !Task.isCancelled {
                    do {
                        if warehouse.staging.keepsProfiles {
                            let purged = try await warehouse.staging.purgeStaging(olderThanDays: nil)
                            if purged > 0 { logger.info("purged \(purged) staged profile(s) past retention") }
                        }
                        let lines = try await QuarantineRetention.purge(warehouse, olderThanDays: quarantineDays,
                                                                        now: Instant(seconds: Date().timeIntervalSince1970))
                        if lines > 0 { logger.info("purged \(lines) quarantined line(s) past retention") }
                    } catch where !Task.isCancelled {
                        logger.warning("staging purge failed, will try again in an hour: \(error)")
                    } catch {}
                    try? await Task.sleep(for: .seconds(3600))
                }
            }
        }
    }
}
