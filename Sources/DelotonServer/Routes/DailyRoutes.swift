import DelotonCore
import DelotonStore
import Hummingbird

/// `GET /daily?date=`: rides that started that local day, oldest first. Without `limit` or
/// `cursor`, the whole day as a bare array (the original shape); with them, a page in the shape
/// of the other lists (`{"rides": [...], "next": ...}` and a `Link` header).
///
/// A finished day (over in the display zone, no ride of it in progress) has an answer that only
/// a deletion, an erasure or a late ride can change, and each of those moves the day's version
/// in the warehouse (`RideDayVersion`). Its answers carry that version in a strong `ETag`, are
/// revalidated cheaply (`If-None-Match` → 304) and kept in this process's `DailyPageCache`.
struct DailyRoutes: Sendable {
    let env: APIEnvironment

    func add(to router: Router<APIRequestContext>) {
        router.get("/daily", use: daily)
    }

    /// Personal data, read with a credential: a browser may keep it, no shared cache may, and
    /// every use asks the server first, so that an erasure is never hidden by a stored copy.
    static let cacheControl = "private, no-cache"
    /// Bump when the rendering of a ride changes, so that no client keeps an old rendering as current.
    static let format = "v1"

    @Sendable func daily(_ request: Request, context: APIRequestContext) async throws -> Response {
        let q = QueryParameters(request)
        let day = try StatsRoutes.day(q, default: env.today)
        let paged = q["limit"] != nil || q["cursor"] != nil
        let limit = try paged ? env.limit(q) : nil
        let cursor = try q["cursor"].map(RideRoutes.decodeCursor)
        let csv = Responses.wantsCSV(request)
        let interval = env.zone.interval(of: day)

        var tag: String?
        if interval.upperBound <= env.config.now() {
            let version = try await env.rides.dayVersion(of: interval)
            if version.settled {
                tag = Self.tag(day: day, zone: env.zone, version: version, limit: limit, cursor: cursor, csv: csv)
            }
        }
        if let tag {
            if Self.matches(request.headers, tag) {
                return Response(status: .notModified, headers: Self.validatorHeaders(tag))
            }
            if let cached = env.dailyCache.answer(for: tag) { return Self.response(cached, tag: tag) }
        }
        let answer = try await render(day: day, interval: interval, limit: limit, cursor: cursor, csv: csv)
        if let tag { env.dailyCache.store(answer, for: tag) }
        return Self.response(answer, tag: tag)
    }

    private func render(day: CivilDate, interval: Range<Instant>, limit: Int?, cursor: RideCursor?,
                        csv: Bool) async throws -> DailyPageCache.Answer {
        guard let limit else {
            let rides = try await env.rides.rides(startingIn: interval)
            if csv {
                return .init(body: ByteBuffer(string: CSV.document(header: Rendering.rideCSVHeader, rows: rides.map(env.rendering.rideCSV))),
                             contentType: Responses.csvType, link: nil)
            }
            var w = JSONWriter(capacity: 600 * rides.count + 16)
            w.array { w in for r in rides { env.rendering.ride(r, into: &w) } }
            return .init(body: ByteBuffer(bytes: w.bytes), contentType: Responses.jsonType, link: nil)
        }
        let page = try await env.rides.rides(RideFilter(since: interval.lowerBound, until: interval.upperBound),
                                             after: cursor, limit: limit)
        // The next page names the day itself, not "today", so paging across midnight stays on one day.
        let next = page.next.map {
            APIEnvironment.link(path: "/daily", ["date": day.description, "limit": String(limit),
                                                 "cursor": RideRoutes.encodeCursor($0)])
        }
        if csv {
            return .init(body: ByteBuffer(string: CSV.document(header: Rendering.rideCSVHeader, rows: page.items.map(env.rendering.rideCSV))),
                         contentType: Responses.csvType, link: next)
        }
        var w = JSONWriter(capacity: 600 * page.items.count + 64)
        w.object { w in
            w.key("rides")
            w.array { w in for r in page.items { env.rendering.ride(r, into: &w) } }
            w.field("next", next)
        }
        return .init(body: ByteBuffer(bytes: w.bytes), contentType: Responses.jsonType, link: next)
    }

    private static func response(_ answer: DailyPageCache.Answer, tag: String?) -> Response {
        var headers = Responses.nextLinkHeader(answer.link)
        headers[.contentType] = answer.contentType
        if let tag { headers.append(contentsOf: validatorHeaders(tag)) }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: answer.body))
    }

    /// What a 304 repeats of the 200 it stands for.
    static func validatorHeaders(_ tag: String) -> HTTPFields {
        [.eTag: tag, .cacheControl: cacheControl, .vary: "Accept"]
    }

    /// A strong tag naming everything the answer depends on: the day, the zone its times are
    /// shown in, the day's version, the page and the format. Readable, so it needs no hash and
    /// two different answers can never share one.
    static func tag(day: CivilDate, zone: Zone, version: RideDayVersion, limit: Int?, cursor: RideCursor?, csv: Bool) -> String {
        // Only characters an entity tag may hold; IANA zone names use no others anyway.
        let zoneName = String(zone.identifier.map { c in
            c.isASCII && (c.isLetter || c.isNumber || "/_+-".contains(c)) ? c : "~"
        })
        var page = limit.map { "l\($0)" } ?? "all"
        if let cursor { page += "." + RideRoutes.encodeCursor(cursor) }
        return "\"daily.\(format).\(day).\(zoneName).r\(version.rides).c\(version.changes).\(page).\(csv ? "csv" : "json")\""
    }

    /// `If-None-Match` (RFC 9110): any listed tag, compared weakly, or `*`.
    static func matches(_ headers: HTTPFields, _ tag: String) -> Bool {
        for value in headers[values: .ifNoneMatch] {
            for item in value.split(separator: ",") {
                var candidate = item.drop { $0 == " " || $0 == "\t" }
                while let last = candidate.last, last == " " || last == "\t" { candidate = candidate.dropLast() }
                if candidate == "*" { return true }
                if candidate.hasPrefix("W/") { candidate = candidate.dropFirst(2) }
                if candidate == tag { return true }
            }
        }
        return false
    }
}
