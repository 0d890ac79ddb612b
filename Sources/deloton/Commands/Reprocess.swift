import ArgumentParser
import DelotonStore

struct Reprocess: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Re-clean riders from the staged [SYSTEM] profiles with the current cleaning rules (PostgreSQL).",
        discussion: """
            PostgreSQL keeps what the stream said in schema `staging` for \(flag: .retentionDays) (default 7, or the URL's \
            staging_retention_days); this command applies today's cleaning rules to it, then purges what is older.
            """)

    @OptionGroup var common: CommonOptions
    @Option(help: .setting(.retentionDays)) var retentionDays: Int?

    func run() async throws {
        let logger = try common.logger("deloton.reprocess")
        guard case .postgres = try WarehouseLocation(parsing: common.databaseURL) else {
            throw CLIFailure.usage("reprocess needs a PostgreSQL warehouse (\(flag: .database) postgres://…): SQLite keeps no staging copy")
        }
        let warehouse = try await common.openWarehouse(logger: logger)
        let summary = try await warehouse.staging.reprocess()
        let purged = try await warehouse.staging.purgeStaging(olderThanDays: retentionDays)
        try await warehouse.close()
        Console.out("re-cleaned \(summary.profilesRead) staged profile(s): \(summary.ridersChanged) rider(s) changed; "
                    + "\(purged) staged profile(s) past retention purged")
    }
}
