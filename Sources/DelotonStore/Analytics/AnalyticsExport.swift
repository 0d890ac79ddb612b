import DelotonConcurrency
import DelotonCore
import Foundation

/// Streams an analytics view as CSV (RFC 4180) or JSON Lines, for people without a BI tool.
///
/// Reads the view only (an analyst role may run it), a page at a time in the order of the view's
/// key, each page starting after the last key written (keyset paging: every page costs the same,
/// and rows written during the export cannot shift the pages). Both warehouses write the same
/// text: instants in ISO 8601 with milliseconds and the offset of `zone` (as the API shows them),
/// local times and days as the view holds them, booleans `true`/`false`, null as an empty CSV
/// field or JSON `null`.
public struct AnalyticsExport: Sendable {
    public enum Format: String, Sendable, CaseIterable {
        case csv, jsonl
    }

    let warehouse: any Warehouse
    let zone: Zone
    let pageSize: Int

    public init(warehouse: any Warehouse, zone: Zone, pageSize: Int = 5000) {
        self.warehouse = warehouse
        self.zone = zone
        self.pageSize = max(1, pageSize)
    }

    /// Writes the rows whose time column lies in `[since, until)`; returns how many.
    @discardableResult
    public func write(_ view: AnalyticsView, format: Format, since: ExportBound? = nil, until: ExportBound? = nil,
                      to output: FileHandle) async throws -> Int {
        let filter = try timeFilter(view, since: since, until: until)
        let sink = ExportSink(output)
        let columns = view.columns
        if format == .csv { try await sink.write(Data(CSVLine.encode(columns.map(\.name)).utf8)) }
        var after: [SQLBind]?
        var total = 0
        while true {
            let rows = try await page(view, filter: filter, after: after)
            guard !rows.isEmpty else { break }
            var text = ""
            text.reserveCapacity(rows.count * columns.count * 12)
            for row in rows {
                let fields = zip(columns, row.values).map { column, value in render(value, as: column.kind) }
                switch format {
                case .csv: text += CSVLine.encode(fields.map { $0.text ?? "" })
                case .jsonl: text += JSONLine.encode(columns, fields)
                }
            }
            try await sink.write(Data(text.utf8))
            total += rows.count
            if rows.count < pageSize { break }
            let last = rows[rows.count - 1]
            after = try view.key.map { try keyBind(try last.value($0), of: $0, in: view) }
        }
        return total
    }

    // MARK: - Reading

    private func page(_ view: AnalyticsView, filter: [SQL], after: [SQLBind]?) async throws -> [SQLRow] {
        var conditions = filter
        if let after {
            let keys = SQL.joined(after.map { "\($0)" }, separator: ", ")
            if view.key.count == 1 {
                conditions.append("\(raw: view.key[0]) > \(keys)")
            } else {
                conditions.append("(\(raw: view.key.joined(separator: ", "))) > (\(keys))")
            }
        }
        let whereClause: SQL = conditions.isEmpty ? "" : " WHERE \(SQL.joined(conditions, separator: " AND "))"
        let name = view.qualifiedName(forWarehouseKind: warehouse.kind)
        let sql: SQL = """
            SELECT \(raw: view.columns.map(\.name).joined(separator: ", ")) FROM \(raw: name)\(whereClause) \
            ORDER BY \(raw: view.key.joined(separator: ", ")) LIMIT \(pageSize)
            """
        do {
            return try await warehouse.sql.query(sql)
        } catch {
            // SQLite reports its own errors; PostgreSQL's arrive described already.
            let described = error as? WarehouseError
            let message = described?.message ?? "\(error)".components(separatedBy: " - while executing").first ?? "\(error)"
            let missing = ["does not exist", "no such table"].contains { message.contains($0) }
            throw WarehouseError(described?.kind ?? .failed, "cannot read view \(name): \(message)"
                                 + (missing ? " (run `deloton migrate` to create the analytics views)" : ""))
        }
    }

    /// The last row's key value, bound as the column is typed: the views' keys are ids, elapsed
    /// seconds and days.
    private func keyBind(_ value: SQLValue, of column: String, in view: AnalyticsView) throws -> SQLBind {
        switch (view.column(column)?.kind, value) {
        case (.date, .text(let s)):
            guard let day = CivilDate(iso: s), s.utf8.count == 10 else { break }
            return .date(day)
        case (.text, .text(let s)): return .text(s)
        case (.integer, .int(let i)): return .int(i)
        default: break
        }
        throw WarehouseError(.failed, "view \(view.name) gave its key \(column) the value \(SQLRow.describe(value)), which cannot continue a page")
    }

    private func timeFilter(_ view: AnalyticsView, since: ExportBound?, until: ExportBound?) throws -> [SQL] {
        guard since != nil || until != nil else { return [] }
        guard let name = view.timeColumn, let column = view.column(name) else {
            throw WarehouseError(.configuration,
                "view \(view.name) has no time column to filter by: leave out \(flag: .exportSince) and \(flag: .exportUntil) (views with one: "
                + AnalyticsCatalog.all.filter { $0.timeColumn != nil }.map(\.name).joined(separator: ", ") + ")",
                setting: .exportSince)
        }
        var conditions: [SQL] = []
        for (bound, op) in [(since, ">="), (until, "<")] {
            guard let bound else { continue }
            if column.kind == .date {
                // The views' days are Europe/London's.
                let london = Zone(identifier: "Europe/London") ?? zone
                conditions.append("\(raw: name) \(raw: op) \(bound.day(in: london))")
            } else {
                // SQLite's views hold UTC text with milliseconds, which sorts as time does; PostgreSQL's a
                // timestamptz, compared with the bound cut to the same milliseconds so both answer alike.
                let micros = bound.instant(in: zone).microseconds
                let instant = Instant(microseconds: (micros >= 0 ? micros / 1000 : (micros - 999) / 1000) * 1000)
                conditions.append("""
                    \(raw: name) \(raw: op) \(sqlite: "\(TimeFormat.iso8601(instant, offsetSeconds: 0))", postgres: "\(instant)")
                    """)
            }
        }
        return conditions
    }

    // MARK: - Rendering

    struct Field {
        /// Nil for SQL null.
        var text: String?
        /// Written bare in JSON (numbers, booleans).
        var bare: Bool
    }

    func render(_ value: SQLValue, as kind: AnalyticsColumnKind) -> Field {
        switch (kind, value) {
        case (_, .null): return Field(text: nil, bare: true)
        case (.integer, .int(let i)), (.real, .int(let i)): return Field(text: String(i), bare: true)
        case (.integer, .double(let d)), (.real, .double(let d)): return Field(text: JSONWriter.number(d), bare: true)
        // A view's number written as text by a tool's own view or cast still goes out bare.
        case (.integer, .text(let s)): return Field(text: s, bare: Int64(s) != nil)
        case (.real, .text(let s)):
            if let d = Double(s) { return Field(text: JSONWriter.number(d), bare: true) }
            return Field(text: s, bare: false)
        // Flags are 0/1 integers (see `SQLValue`).
        case (.boolean, .int(let i)): return Field(text: i != 0 ? "true" : "false", bare: true)
        case (.boolean, .double(let d)): return Field(text: d != 0 ? "true" : "false", bare: true)
        case (.boolean, .text(let s)): return Field(text: ["t", "true", "1"].contains(s) ? "true" : "false", bare: true)
        case (.instant, .int(let micros)): return Field(text: zone.iso8601(Instant(microseconds: micros)), bare: false)
        case (.instant, .text(let s)):
            if let i = Self.utcInstant(s) ?? ExportBound.parse(s, zone: .utc).flatMap({ if case .instant(let i) = $0 { i } else { nil } }) {
                return Field(text: zone.iso8601(i), bare: false)
            }
            return Field(text: s, bare: false)
        case (.localTime, .int(let micros)):
            // PostgreSQL's `timestamp` arrives as microseconds of the wall time read as UTC.
            return Field(text: String(TimeFormat.iso8601(Instant(microseconds: micros), offsetSeconds: 0).dropLast()), bare: false)
        case (_, .text(let s)): return Field(text: s, bare: false)
        case (_, .int(let i)): return Field(text: String(i), bare: false)
        case (_, .double(let d)): return Field(text: String(d), bare: false)
        // No view of ours has an array; one of an analyst's own goes out as PostgreSQL spells it.
        case (_, .array(let items)):
            return Field(text: "{" + items.map { render($0, as: kind).text ?? "NULL" }.joined(separator: ",") + "}", bare: false)
        }
    }

    /// `YYYY-MM-DDTHH:MM:SS.sssZ`, as SQLite's views write instants: read from the bytes, since
    /// every row of an export has one or more.
    static func utcInstant(_ text: String) -> Instant? {
        let utf8 = text.utf8
        return utf8.withContiguousStorageIfAvailable { b -> Instant? in
            guard b.count == 24, b[4] == 45, b[7] == 45, b[10] == 84, b[13] == 58, b[16] == 58, b[19] == 46, b[23] == 90 else { return nil }
            func n(_ from: Int, _ count: Int) -> Int? {
                var v = 0
                for i in from..<from + count {
                    guard b[i] >= 48, b[i] <= 57 else { return nil }
                    v = v * 10 + Int(b[i] - 48)
                }
                return v
            }
            guard let y = n(0, 4), let mo = n(5, 2), let d = n(8, 2), let h = n(11, 2), let mi = n(14, 2), let sec = n(17, 2),
                  let ms = n(20, 3) else { return nil }
            let days = Int64(CivilDate(year: y, month: mo, day: d).daysSinceEpoch)
            return Instant(microseconds: ((days * 86_400 + Int64(h * 3600 + mi * 60 + sec)) * 1000 + Int64(ms)) * 1000)
        } ?? nil
    }
}

/// One JSON object per line, members in the view's column order.
enum JSONLine {
    static func encode(_ columns: [AnalyticsColumn], _ fields: [AnalyticsExport.Field]) -> String {
        var j = JSONWriter(capacity: 32 * columns.count)
        j.object { j in
            for (column, field) in zip(columns, fields) {
                j.key(column.name)
                if let text = field.text, field.bare { j.raw(text) } else { j.string(field.text) }
            }
        }
        return j.text + "\n"
    }
}

/// Writes to a file or pipe on a thread of its own: a slow reader at the other end of stdout
/// blocks that thread, never one of Swift concurrency's few threads.
final class ExportSink: Sendable {
    private let handle: FileHandle
    private let executor = BlockingExecutor(name: "export-sink")

    init(_ handle: FileHandle) { self.handle = handle }

    func write(_ data: Data) async throws {
        let handle = self.handle
        try await executor.run { () throws(WarehouseError) in
            do {
                try handle.write(contentsOf: data)
            } catch {
                throw WarehouseError(.failed, "cannot write the export: \(error.localizedDescription)")
            }
        }
    }
}
