import DelotonCore
import DelotonStore
import Foundation

/// Every table a batch writes, read through the shared SQL executor and keyed by natural keys
/// (not generated ids, which a failed PostgreSQL transaction may skip), so two warehouses compare
/// row by row.
struct WarehouseDump: Equatable, CustomStringConvertible {
    var tables: [String: [[SQLValue]]] = [:]

    static let queries: [(String, SQL)] = [
        ("riders", """
            SELECT id, name, title, first_name, last_name, gender, date_of_birth, email, address_lines, city, postcode,
                   postcode_valid, height_cm, weight_kg, account_created, original_source, profile_as_of
            FROM riders ORDER BY id
            """),
        ("bikes", "SELECT serial, first_ride_at, last_ride_at FROM bikes ORDER BY serial"),
        ("rides", """
            SELECT rider_id, bike_serial, started_at, stream, start_time, end_time, in_progress, email, gender,
                   age_at_start, reading_count, hr_count, hr_sum, hr_min, hr_max, power_sum, power_max, rpm_sum,
                   resistance_sum, alert_raised, state
            FROM rides ORDER BY rider_id, bike_serial, started_at
            """),
        ("readings", """
            SELECT r.rider_id, r.bike_serial, r.started_at, g.elapsed_s, g.time, g.heart_rate, g.rpm, g.power_w,
                   g.resistance
            FROM readings g JOIN rides r ON r.id = g.ride_id
            ORDER BY r.rider_id, r.bike_serial, r.started_at, g.elapsed_s
            """),
        ("alerts", """
            SELECT r.rider_id, r.bike_serial, r.started_at, a.rider_id, a.recipient, a.rider_name, a.gender, a.age,
                   a.safe_min, a.safe_max, a.samples, a.raised_at, a.status, a.attempts, a.next_attempt_at
            FROM alerts a JOIN rides r ON r.id = a.ride_id
            ORDER BY r.rider_id, r.bike_serial, r.started_at
            """),
        ("quarantine", "SELECT source, position, raw, reason FROM quarantine ORDER BY source, position"),
        ("source_positions", "SELECT source, position FROM source_positions ORDER BY source"),
        ("metrics", """
            SELECT r.rider_id, r.bike_serial, r.started_at, COUNT(*) AS n,
                   SUM(CASE WHEN g.heart_rate > 0 THEN 1 ELSE 0 END) AS hr_n,
                   ROUND(AVG(CASE WHEN g.heart_rate > 0 THEN g.heart_rate END), 6) AS avg_hr,
                   MAX(g.power_w) AS max_power, ROUND(CAST(SUM(g.power_w) / 1000.0 AS NUMERIC), 6) AS energy_kj,
                   MIN(g.time) AS first_us, MAX(g.time) AS last_us
            FROM readings g JOIN rides r ON r.id = g.ride_id
            GROUP BY r.rider_id, r.bike_serial, r.started_at
            ORDER BY r.rider_id, r.bike_serial, r.started_at
            """),
    ]

    static func read(_ warehouse: any Warehouse) async throws -> WarehouseDump {
        var dump = WarehouseDump()
        for (name, sql) in queries {
            dump.tables[name] = try await warehouse.sql.query(sql).map { $0.values.map(normalised) }
        }
        return dump
    }

    /// JSON columns (`rides.state`, `alerts.samples`) compare by content: JSONEncoder's key
    /// order is not stable between runs.
    static func normalised(_ value: SQLValue) -> SQLValue {
        guard case .text(let text) = value, text.hasPrefix("{") || text.hasPrefix("["),
              let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)),
              let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) else { return value }
        return .text(String(decoding: data, as: UTF8.self))
    }

    var description: String {
        tables.keys.sorted().map { "\($0): \(tables[$0]?.count ?? 0) rows" }.joined(separator: ", ")
    }

    /// The first difference, for a readable failure.
    func difference(from other: WarehouseDump) -> String? {
        for name in Set(tables.keys).union(other.tables.keys).sorted() {
            let a = tables[name] ?? [], b = other.tables[name] ?? []
            if a.count != b.count { return "\(name): \(a.count) rows vs \(b.count)" }
            for (i, (x, y)) in zip(a, b).enumerated() where x != y {
                return "\(name) row \(i):\n  \(x)\n  \(y)"
            }
        }
        return nil
    }
}
