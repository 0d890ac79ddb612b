import DelotonCore
import DelotonStore
import Hummingbird

/// `/rider/{id}`, `/rider/{id}/rides`, `/riders`.
struct RiderRoutes: Sendable {
    let env: APIEnvironment

    func add(to router: Router<APIRequestContext>) {
        router.get("/rider/:id", use: rider)
        router.delete("/rider/:id", use: eraseRider)
        router.get("/rider/:id/rides", use: rides)
        router.get("/riders", use: list)
    }

    @Sendable func rider(_ request: Request, context: APIRequestContext) async throws -> Response {
        let id = try APIEnvironment.id(context, "rider")
        guard let record = try await env.riders.rider(id: id) else { throw APIError.notFound("No rider with id \(id)") }
        var w = JSONWriter(capacity: 768)
        env.rendering.rider(record, today: env.today, into: &w)
        return Responses.json(w)
    }

    @Sendable func eraseRider(_ request: Request, context: APIRequestContext) async throws -> Response {
        let id = try APIEnvironment.id(context, "rider")
        let caller = try await env.auth.require(.write, for: request)
        guard let erased = try await env.deletion.eraseRider(id: id, by: caller.name, at: env.config.now()) else {
            throw APIError.notFound("No rider with id \(id)")
        }
        await env.config.onRiderErased?(erased)
        // The id only: what the rider was (name, email, address) must not outlive them in the logs.
        env.logger.notice("rider erased", metadata: ["rider_id": "\(id)", "api_key": "\(caller.name)"])
        return Response(status: .noContent)
    }

    @Sendable func rides(_ request: Request, context: APIRequestContext) async throws -> Response {
        let id = try APIEnvironment.id(context, "rider")
        let rides = try await env.rides.rides(riderID: id)
        if rides.isEmpty, try await env.riders.rider(id: id) == nil {
            throw APIError.notFound("No rider with id \(id)")
        }
        if Responses.wantsCSV(request) {
            return Responses.csv(CSV.document(header: Rendering.rideCSVHeader, rows: rides.map(env.rendering.rideCSV)))
        }
        var w = JSONWriter(capacity: 600 * rides.count + 16)
        w.array { w in for r in rides { env.rendering.ride(r, into: &w) } }
        return Responses.json(w)
    }

    /// `GET /riders`: filtered, by id, a page at a time.
    @Sendable func list(_ request: Request, context: APIRequestContext) async throws -> Response {
        let q = QueryParameters(request)
        let filter = RiderFilter(
            since: try q.instant("since", zone: env.zone, endOfDay: false),
            until: try q.instant("until", zone: env.zone, endOfDay: true),
            riderID: try q.integer("rider", in: 1...Int64.max),
            bikeSerial: try q.text("bike"),
            gender: try q.text("gender"),
            minAge: try q.integer("min_age", in: 0...200).map { Int($0) },
            maxAge: try q.integer("max_age", in: 0...200).map { Int($0) })
        let after = try q["cursor"].map { raw -> Int64 in
            guard raw.count <= 18, let n = QueryParameters.digits(raw) else {
                throw APIError.badRequest("query parameter 'cursor' is not one this API gave: use the 'next' link of the previous page")
            }
            return n
        }
        let today = env.today
        let page = try await env.riders.riders(filter, today: today, after: after, limit: try env.limit(q))
        let next = page.next.map { APIEnvironment.nextLink(request, query: q, cursor: String($0)) }
        let headers = Responses.nextLinkHeader(next)
        if Responses.wantsCSV(request) {
            return Responses.csv(CSV.document(header: Rendering.riderCSVHeader,
                                              rows: page.items.map { env.rendering.riderCSV($0, today: today) }),
                                 headers: headers)
        }
        var w = JSONWriter(capacity: 800 * page.items.count + 64)
        w.object { w in
            w.key("riders")
            w.array { w in for r in page.items { env.rendering.rider(r, today: today, into: &w) } }
            w.field("next", next)
        }
        return Responses.json(w, headers: headers)
    }
}
