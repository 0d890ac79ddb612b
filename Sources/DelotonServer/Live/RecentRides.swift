import DelotonCore
import DelotonStore

/// `/api/recent` (the rides of the last hours, newest first, one compact row each) and
/// `/api/recent/charts` (the same rides added up): the window and its filters (`gender`,
/// `min_age`, `max_age`). The page's table reads the rides a page at a time (`limit`).
struct RecentRequest: Sendable, Hashable {
    static let maxHours = 24 * 14

    var hours: Int
    var gender: String?
    var minAge: Int?
    var maxAge: Int?
    /// The most rides `/api/recent` answers with.
    var limit = RecentRides.maxRides

    init(hours: Int = 12, gender: String? = nil, minAge: Int? = nil, maxAge: Int? = nil) {
        self.hours = hours; self.gender = gender; self.minAge = minAge; self.maxAge = maxAge
    }

    /// Reads the query parameters; a message names what is wrong when one is malformed.
    init(query: [String: String]) throws(DashboardRequestError) {
        self.init()
        if let h = query["hours"], !h.isEmpty {
            guard let v = Int(h), (1...Self.maxHours).contains(v) else {
                throw DashboardRequestError("hours must be a whole number from 1 to \(Self.maxHours) (got '\(h)')")
            }
            hours = v
        }
        if let g = query["gender"]?.lowercased(), !g.isEmpty, g != "all" {
            // The API's rule for text parameters: at most 100 characters, no control characters.
            guard g.count <= 100, !g.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
                throw DashboardRequestError("gender must be at most 100 characters, none of them control characters")
            }
            gender = g
        }
        minAge = try Self.age(query["min_age"], "min_age")
        maxAge = try Self.age(query["max_age"], "max_age")
        if let l = query["limit"], !l.isEmpty {
            guard let v = Int(l), (1...RecentRides.maxRides).contains(v) else {
                throw DashboardRequestError("limit must be a whole number from 1 to \(RecentRides.maxRides) (got '\(l)')")
            }
            limit = v
        }
    }

    private static func age(_ s: String?, _ name: String) throws(DashboardRequestError) -> Int? {
        guard let s, !s.isEmpty else { return nil }
        guard let v = Int(s), (0...150).contains(v) else {
            throw DashboardRequestError("\(name) must be a whole number of years from 0 to 150 (got '\(s)')")
        }
        return v
    }

    var filter: DashboardQueries.RecentFilter {
        DashboardQueries.RecentFilter(gender: gender, minAge: minAge, maxAge: maxAge)
    }
}

struct DashboardRequestError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

enum RecentRides {
    /// The most rides one answer holds (the newest of the window): about 3 MB of JSON, a week of
    /// a busy fleet, and a bound on what one request can make the server build.
    static let maxRides = 20_000
    static let columns = ["id", "rider_id", "rider", "bike", "start_ms", "duration_s", "gender", "age",
                          "avg_hr", "max_hr", "avg_power_w", "energy_kj", "avg_resistance", "alert", "in_progress", "min_hr"]

    static func json(_ request: RecentRequest, warehouse: any Warehouse, now: Instant, zone: Zone) async throws -> String {
        let from = now.microseconds - Int64(request.hours) * 3_600_000_000
        // A minute of slack for bikes whose clocks run a little ahead of the server's.
        let to = now.microseconds + 60_000_000
        // One more than the bound tells whether the window held more.
        var rides = try await DashboardQueries.recentRides(on: warehouse.sql, fromUs: from, toUs: to, filter: request.filter,
                                                           limit: request.limit + 1)
        let truncated = rides.count > request.limit
        if truncated { rides.removeLast(rides.count - request.limit) }
        var j = LiveBoard.writer(capacity: 256 + rides.count * 110)
        j.object { j in
            j.field("from", zone.iso8601(Instant(microseconds: from)))
            j.field("to", zone.iso8601(now))
            j.field("from_ms", from / 1000)
            j.field("to_ms", now.microseconds / 1000)
            j.field("hours", request.hours)
            j.field("truncated", truncated)
            j.field("zone", zone.identifier)
            j.key("columns")
            j.array { j in for c in columns { j.string(c) } }
            j.key("rides")
            j.array { j in
                for r in rides {
                    j.lineBreak()
                    let n = Double(max(r.readingCount, 1))
                    j.array { j in
                        j.int(r.rideID)
                        j.int(r.riderID)
                        j.string(r.riderName)
                        j.string(r.bikeSerial)
                        j.int(r.startTimeUs / 1000)
                        j.int(r.readingCount)
                        j.string(r.gender.lowercased())
                        j.int(r.ageAtStart)
                        j.double(r.hrCount > 0 ? Double(r.hrSum) / Double(r.hrCount) : nil, places: 1)
                        j.int(r.hrMax)
                        j.double(r.readingCount > 0 ? r.powerSum / n : nil, places: 1)
                        j.double(r.powerSum / 1000, places: 2)
                        j.double(r.readingCount > 0 ? Double(r.resistanceSum) / n : nil, places: 1)
                        j.int(r.alertRaised ? 1 : 0)
                        j.int(r.inProgress ? 1 : 0)
                        j.int(r.hrMin)
                    }
                }
            }
        }
        return j.text
    }
}

/// Many dashboards ask for the same window within a second or two: answer them from one query.
actor RecentCache {
    private var entries: [RecentRequest: (at: Instant, body: String)] = [:]
    private let maxAgeUs: Int64 = 2_000_000

    func body(for request: RecentRequest, now: Instant, make: @Sendable () async throws -> String) async throws -> String {
        if let hit = entries[request], now.microseconds - hit.at.microseconds < maxAgeUs, hit.at <= now {
            return hit.body
        }
        let body = try await make()
        if entries.count > 64 { entries.removeAll() }
        entries[request] = (now, body)
        return body
    }
}
