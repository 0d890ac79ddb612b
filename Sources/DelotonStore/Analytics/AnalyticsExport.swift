import DelotonCore
import Dispatch
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
        var after: [SQLValue]?
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
            after = view.key.map { rows[rows.count - 1][$0] }
        }
        return total
    }

    // MARK: - Reading

    private func page(_ view: AnalyticsView, filter: (conditions: [String], binds: [SQLValue]),
                      after: [SQLValue]?) async throws -> [SQLRow] {
        var conditions = filter.conditions, binds = filter.binds
        if let after {
            let keys = view.key.map { cast($0, in: view) }
            if view.key.count == 1 {
                conditions.append("\(view.key[0]) > \(keys[0])")
            } else {
                conditions.append("(\(view.key.joined(separator: ", "))) > (\(keys.joined(separator: ", ")))")
            }
            binds += after
        }
        let whereClause = conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")
        binds.append(.int(Int64(pageSize)))
        let name = view.qualifiedName(forWarehouseKind: warehouse.kind)
        let sql = SQL("SELECT \(view.columns.map(\.name).joined(separator: ", ")) FROM \(name)\(whereClause) "
                      + "ORDER BY \(view.key.joined(separator: ", ")) LIMIT ?", binds)
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

    /// A `?` placeholder typed for PostgreSQL as the column is (SQLite drops the cast).
    private func cast(_ column: String, in view: AnalyticsView) -> String {
        switch view.column(column)?.kind {
        case .date: return "?::date"
        case .instant: return "?::timestamptz"
        case .text: return "?::text"
        default: return "?::bigint"
        }
    }

    private func timeFilter(_ view: AnalyticsView, since: ExportBound?, until: ExportBound?) throws
        -> (conditions: [String], binds: [SQLValue]) {
        guard since != nil || until != nil else { return ([], []) }
        guard let name = view.timeColumn, let column = view.column(name) else {
            throw WarehouseError(.configuration,
                "view \(view.name) has no time column to filter by: leave out \(flag: .exportSince) and \(flag: .exportUntil) (views with one: "
                + AnalyticsCatalog.all.filter { $0.timeColumn != nil }.map(\.name).joined(separator: ", ") + ")")
        }
        var conditions: [String] = [], binds: [SQLValue] = []
        for (bound, op) in [(since, ">="), (until, "<")] {
            guard let bound else { continue }
            if column.kind == .date {
                // The views' days are Europe/London's.
                let london = Zone(identifier: "Europe/London") ?? zone
                conditions.append("\(name) \(op) ?::date")
                binds.append(.text(bound.day(in: london).description))
            } else {
                // UTC text with milliseconds: what SQLite's views hold, and what PostgreSQL reads as timestamptz.
                conditions.append("\(name) \(op) ?::timestamptz")
                binds.append(.text(TimeFormat.iso8601(bound.instant(in: zone), offsetSeconds: 0)))
            }
        }
        return (conditions, binds)
    }

    // MARK: - Rendering

    struct Field {
        /// Nil for SQL null.
        var text: String?
        /// Written bare in JSON (numbers, booleans).
        var bare: Bool
    }

    func render(_ value: SQLValue, as kind: AnalyticsColumnKind) -> Field {
        if value == .null { return Field(text: nil, bare: true) }
        switch kind {
        case .integer:
            if case .double(let d) = value { return Field(text: Self.number(d), bare: true) }
            return Field(text: value.text, bare: value.int != nil)
        case .real:
            if let d = value.double { return Field(text: Self.number(d), bare: true) }
            return Field(text: value.text, bare: false)
        case .boolean:
            return Field(text: (value.bool ?? false) ? "true" : "false", bare: true)
        case .instant:
            switch value {
            case .int(let micros): return Field(text: zone.iso8601(Instant(microseconds: micros)), bare: false)
            case .text(let s):
                if let i = Self.utcInstant(s) ?? ExportBound.parse(s, zone: .utc).flatMap({ if case .instant(let i) = $0 { i } else { nil } }) {
                    return Field(text: zone.iso8601(i), bare: false)
                }
                return Field(text: s, bare: false)
            default: return Field(text: value.text, bare: false)
            }
        case .localTime:
            if case .int(let micros) = value {
                // PostgreSQL's `timestamp` arrives as microseconds of the wall time read as UTC.
                return Field(text: String(TimeFormat.iso8601(Instant(microseconds: micros), offsetSeconds: 0).dropLast()), bare: false)
            }
            return Field(text: value.text, bare: false)
        case .date, .text:
            return Field(text: value.text, bare: false)
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

    /// As the API writes numbers: whole values without a fraction.
    static func number(_ v: Double) -> String {
        if v == v.rounded(), abs(v) < 1e15 { return String(Int64(v)) }
        return String(v)
    }
}

/// One JSON object per line, members in the view's column order.
enum JSONLine {
    static func encode(_ columns: [AnalyticsColumn], _ fields: [AnalyticsExport.Field]) -> String {
        var out = "{"
        for (i, (column, field)) in zip(columns, fields).enumerated() {
            if i > 0 { out += "," }
            out += JSONQuoting.quoted(column.name) + ":"
            if let text = field.text { out += field.bare ? text : JSONQuoting.quoted(text) } else { out += "null" }
        }
        return out + "}\n"
    }
}

/// Writes to a file or pipe on a queue of its own: a slow reader at the other end of stdout
/// blocks that queue, never one of Swift concurrency's few threads.
final class ExportSink: Sendable {
    private let handle: FileHandle
    private let queue = DispatchQueue(label: "deloton.export.sink")

    init(_ handle: FileHandle) { self.handle = handle }

    func write(_ data: Data) async throws {
        let handle = self.handle
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            queue.async {
                do {
                    try handle.write(contentsOf: data)
                    continuation.resume()
                } catch {
                    continuation.resume(throwing: WarehouseError(.failed, "cannot write the export: \(error.localizedDescription)"))
                }
            }
        }
    }
}
