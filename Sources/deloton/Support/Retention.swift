import ArgumentParser
import DelotonCore
import DelotonStore
import Foundation
import Logging
import ServiceLifecycle

/// How long what ingest stores is kept. Parsed once, before anything is built (exit 2).
struct RetentionOptions: ParsableArguments {
    @Option(help: .setting(.readingsRetention)) var readingsRetention: String?

    struct Checked {
        var quarantineDays = QuarantineRetention.defaultDays
        /// Readings of rides older than this many days are purged; nil keeps them all.
        var readingsDays: Int?
    }

    func checked() throws -> Checked {
        var out = Checked()
        if let text = Env.value(.quarantineRetentionDays) {
            guard let days = Int(text), (1...36_500).contains(days) else {
                throw CLIFailure.usage("\(variable: .quarantineRetentionDays) \(text) is not a number of days: use 1 to 36500")
            }
            out.quarantineDays = days
        }
        if let text = readingsRetention ?? Env.value(.readingsRetention), !text.isEmpty {
            guard text.hasSuffix("d"), let days = Int(text.dropLast()), (1...36_500).contains(days) else {
                throw CLIFailure.usage("\(flag: .readingsRetention) \(text) is not a retention: write days with a d, e.g. 400d "
                                       + "(1d to 36500d) (\(variable: .readingsRetention))")
            }
            out.readingsDays = days
        }
        return out
    }
}

/// Long-running ingest purges, once an hour, as a service of its `Lifecycle`: PostgreSQL's
/// staged profiles past their retention (default 7 days), quarantined lines on either warehouse
/// past theirs (default 30 days), and, when `--readings-retention` is set, the readings of rides
/// that started before it.
enum Retention {
    static func service(_ warehouse: any Warehouse, _ settings: RetentionOptions.Checked, logger: Logger) -> any Service {
        ClosureService {
            await cancelWhenGracefulShutdown {
                while !Task.isCancelled {
                    do {
                        let now = Instant(seconds: Date().timeIntervalSince1970)
                        if warehouse.staging.keepsProfiles {
                            let purged = try await warehouse.staging.purgeStaging(olderThanDays: nil)
                            if purged > 0 { logger.info("purged \(purged) staged profile(s) past retention") }
                        }
                        let lines = try await QuarantineRetention.purge(warehouse, olderThanDays: settings.quarantineDays, now: now)
                        if lines > 0 { logger.info("purged \(lines) quarantined line(s) past retention") }
                        if let days = settings.readingsDays {
                            let cutoff = Instant(microseconds: now.microseconds - Int64(days) * 86_400_000_000)
                            let readings = try await warehouse.purgeReadings(ofRidesStartedBefore: cutoff)
                            if readings > 0 { logger.notice("purged \(readings) reading(s) of rides older than \(days) days") }
                        }
                    } catch where !Task.isCancelled {
                        logger.warning("retention purge failed, will try again in an hour: \(error)")
                    } catch {}
                    try? await Task.sleep(for: .seconds(3600))
                }
            }
        }
    }
}
