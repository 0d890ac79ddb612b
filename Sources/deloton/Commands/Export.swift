import ArgumentParser
import DelotonCore
import DelotonStore
import Foundation

struct Export: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write an analytics view as CSV or JSON Lines, for people without a BI tool.",
        discussion: """
            Views: \(AnalyticsCatalog.all.map(\.name).joined(separator: ", ")) (docs/warehouse.md describes every column). \
            Rows come in the view's key order, a page at a time; \(flag: .exportSince) and \(flag: .exportUntil) keep rows whose time column \
            (rides: start_time, readings: reading_time, daily: date_local) lies in [since, until). Only the view is \
            read, so the PostgreSQL analyst role may run it. Instants are ISO 8601 in \(flag: .timezone).
            """)

    @OptionGroup var common: CommonOptions

    @Option(help: .setting(.exportView)) var view: String
    @Option(help: .setting(.exportFormat)) var format: String?
    @Option(help: .setting(.exportSince)) var since: String?
    @Option(help: .setting(.exportUntil)) var until: String?
    @Option(help: .setting(.exportOut)) var out: String?
    @OptionGroup(title: "Read replica") var reads: ReadDatabaseOptions

    func run() async throws {
        // Everything the user typed is checked before the warehouse is opened: exit 2 on a mistake.
        guard let chosen = AnalyticsCatalog.view(named: view) else {
            throw CLIFailure.usage("\(flag: .exportView) \(view) is not an analytics view: use one of "
                                   + AnalyticsCatalog.all.map(\.name).joined(separator: ", "))
        }
        let formatName = Env.text(.exportFormat, flag: format)
        guard let outputFormat = AnalyticsExport.Format(rawValue: formatName.lowercased()) else {
            throw CLIFailure.usage("\(flag: .exportFormat) \(formatName) is not a format: use csv or jsonl")
        }
        let zone = try common.displayZone()
        let bounds = try [(Setting.exportSince, since), (.exportUntil, until)].map { setting, text -> ExportBound? in
            guard let text else { return nil }
            guard let bound = ExportBound.parse(text, zone: zone) else {
                throw CLIFailure.usage("\(flag: setting) \(text) is not a time: write YYYY-MM-DD or ISO 8601, e.g. 2022-07-25T16:00:00+01:00")
            }
            return bound
        }
        if bounds.contains(where: { $0 != nil }), chosen.timeColumn == nil {
            throw CLIFailure.usage("view \(chosen.name) has no time column: leave out \(flag: .exportSince) and \(flag: .exportUntil)")
        }
        let logger = try common.logger("deloton.export")
        let readURL = try reads.checkedURL(primary: common.databaseURL)
        let output = try Self.open(out)

        let count: Int
        do {
            // No migration: an analyst may read the views but not touch the schema. Only reads: the
            // replica alone when there is one.
            let replica = try await ReadDatabaseOptions.open(readURL, logger: logger)
            let warehouse = if let replica { replica } else { try await common.openWarehouse(logger: logger, migrate: false) }
            do {
                count = try await AnalyticsExport(warehouse: warehouse, zone: zone)
                    .write(chosen, format: outputFormat, since: bounds[0], until: bounds[1], to: output.handle)
            } catch {
                try? await warehouse.close()
                throw error
            }
            try await warehouse.close()
            try output.finish()
        } catch {
            output.abandon()
            throw error
        }
        if let out {
            Console.out("exported \(Console.count(count)) rows of \(chosen.name) to \(out)")
        }
    }

    /// stdout, or a partial file beside `--out` that becomes it once complete.
    struct Output {
        var handle: FileHandle
        var partial: String?
        var path: String?

        func finish() throws {
            guard let partial, let path else { return }
            try handle.close()
            do {
                if FileManager.default.fileExists(atPath: path) { try FileManager.default.removeItem(atPath: path) }
                try FileManager.default.moveItem(atPath: partial, toPath: path)
            } catch {
                throw CLIFailure.runtime("cannot write \(flag: .exportOut) \(path): \(error.localizedDescription)")
            }
        }

        func abandon() {
            guard let partial else { return }
            try? handle.close()
            try? FileManager.default.removeItem(atPath: partial)
        }
    }

    static func open(_ path: String?) throws -> Output {
        guard let path else { return Output(handle: .standardOutput) }
        let partial = path + ".partial"
        guard FileManager.default.createFile(atPath: partial, contents: nil), let handle = FileHandle(forWritingAtPath: partial) else {
            throw CLIFailure.usage("cannot write \(flag: .exportOut) \(path): check that its folder exists and is writable")
        }
        return Output(handle: handle, partial: partial, path: path)
    }
}
