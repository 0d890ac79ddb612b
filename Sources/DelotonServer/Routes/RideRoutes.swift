import DelotonCore
import DelotonStore
import Hummingbird

/// `/ride/{id}`, `/rides` (`/daily` is `DailyRoutes`).
struct RideRoutes: Sendable {
    let env: APIEnvironment

    func add(to router: Router<APIRequestContext>) {
        router.get("/ride/:id", use: ride)
        router.delete("/ride/:id", use: deleteRide)
        router.get("/rides", use: list)
    }

    @Sendable func ride(_ request: Request, context: APIRequestContext) async throws -> Response {
        let id = try APIEnvironment.id(context, "ride")
        let expanded = try QueryParameters(request).boolean("expanded") ?? false
        guard let record = try await env.rides.ride(id: id) else { throw APIError.notFound("No ride with id \(id)") }
        let readings = expanded ? try await env.rides.readings(rideID: id) : nil
        var w = JSONWriter(capacity: expanded ? 128 * (readings?.count ?? 0) + 512 : 512)
        env.rendering.ride(record, readings: readings, into: &w)
        return Responses.json(w)
    }

    @Sendable func deleteRide(_ request: Request, context: APIRequestContext) async throws -> Response {
        let id = try APIEnvironment.id(context, "ride")
        let caller = try await env.auth.require(.write, for: request)
        guard try await env.deletion.deleteRide(id: id, by: caller.name, at: env.config.now()) else {
            throw APIError.notFound("No ride with id \(id)")
        }
        env.logger.notice("ride deleted", metadata: ["ride_id": "\(id)", "api_key": "\(caller.name)"])
        return Response(status: .noContent)
    }

    /// `GET /rides`: filtered, oldest first, a page at a time.
    @Sendable func list(_ request: Request, context: APIRequestContext) async throws -> Response {
        let q = QueryParameters(request)
        let filter = RideFilter(
            since: try q.instant("since", zone: env.zone, endOfDay: false),
            until: try q.instant("until", zone: env.zone, endOfDay: true),
            riderID: try q.integer("rider", in: 1...Int64.max),
            bikeSerial: try q.text("bike"),
            gender: try q.text("gender"),
            minAge: try q.integer("min_age", in: 0...200).map { Int($0) },
            maxAge: try q.integer("max_age", in: 0...200).map { Int($0) })
        let cursor = try q["cursor"].map(Self.decodeCursor)
        let page = try await env.rides.rides(filter, after: cursor, limit: try env.limit(q))
        let next = page.next.map { APIEnvironment.nextLink(request, query: q, cursor: Self.encodeCursor($0)) }
        let headers = Responses.nextLinkHeader(next)
        if Responses.wantsCSV(request) {
            return Responses.csv(CSV.document(header: Rendering.rideCSVHeader, rows: page.items.map(env.rendering.rideCSV)),
                                 headers: headers)
        }
        var w = JSONWriter(capacity: 600 * page.items.count + 64)
        w.object { w in
            w.key("rides")
            w.array { w in for r in page.items { env.rendering.ride(r, into: &w) } }
            w.field("next", next)
        }
        return Responses.json(w, headers: headers)
    }

    /// Cursors are `<start µs>_<id>`: readable, and every well-formed one is a valid position.
    static func encodeCursor(_ c: RideCursor) -> String { "\(c.startTime.microseconds)_\(c.id)" }

    static func decodeCursor(_ s: String) throws -> RideCursor {
        let parts = s.split(separator: "_", omittingEmptySubsequences: false)
        if parts.count == 2, parts[0].count <= 19, parts[1].count <= 18 {
            let negative = parts[0].hasPrefix("-")
            if let t = QueryParameters.digits(String(negative ? parts[0].dropFirst() : parts[0])),
               let id = QueryParameters.digits(String(parts[1])) {
                return RideCursor(startTime: Instant(microseconds: negative ? -t : t), id: id)
            }
        }
        throw APIError.badRequest("query parameter 'cursor' is not one this API gave: use the 'next' link of the previous page")
    }
}
