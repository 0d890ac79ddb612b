import DelotonCore
import DelotonStore
import Foundation
import Hummingbird
import Logging
import NIOCore
#if canImport(ServiceLifecycle)
import ServiceLifecycle
#endif

/// Serves the live dashboard: the page at `/`, its files under `/dashboard/`, Chart.js at
/// `/chart.js`, the data at `/api/live`, `/api/recent` and `/api/recent/charts`, and the live feed at `/events`.
///
/// Everything is read through `warehouse`, like the API, so it works on SQLite and PostgreSQL
/// and from any number of `serve` instances. Returns the live feed, which `deloton run`
/// nudges after each ingest batch so the page moves as soon as data lands.
@discardableResult
func addDashboardRoutes(to router: Router<APIRequestContext>, warehouse: any Warehouse,
                        options: DashboardOptions, zone: Zone, gate: EventStreamGate) -> LiveFeed {
    let logger = Logger(label: "deloton.dashboard")
    let hub = LiveHub(warehouse: warehouse, options: options, zone: zone, logger: logger)
    let assets = DashboardAssets(directory: options.assetsDirectory)
    let chartJS = ChartJSFile(path: options.chartJSPath)
    let recentCache = RecentCache(), chartsCache = RecentCache()

    router.get("/") { _, _ -> Response in
        guard let page = assets.file("index.html") else {
            throw DashboardHTTP.error(.internalServerError, "the dashboard's files are missing from this build of deloton")
        }
        return DashboardHTTP.file(page, headers: DashboardHTTP.pageHeaders)
    }

    router.get("/dashboard/{name}") { _, context -> Response in
        guard let name = context.parameters.get("name"), let file = assets.file(name) else {
            throw DashboardHTTP.error(.notFound, "no such dashboard file")
        }
        // A page (the ride page) gets the same no-inline-script policy as the dashboard itself.
        return DashboardHTTP.file(file, headers: file.contentType.hasPrefix("text/html") ? DashboardHTTP.pageHeaders : [:])
    }

    router.get("/chart.js") { _, _ -> Response in
        guard let body = await chartJS.body() else {
            throw DashboardHTTP.error(.notFound, await chartJS.missingMessage)
        }
        return DashboardHTTP.file(.init(body: body, contentType: "text/javascript; charset=utf-8"),
                                  cache: "public, max-age=86400")
    }

    router.get("/api/live") { _, _ -> Response in
        DashboardHTTP.json(await hub.snapshot())
    }

    /// The window's rides, or (`charts`) the same rides added up.
    @Sendable func recent(_ request: Request, charts: Bool) async throws -> Response {
        var parsed: RecentRequest
        do throws(DashboardRequestError) {
            parsed = try RecentRequest(query: DashboardHTTP.query(request))
        } catch {
            throw DashboardHTTP.error(.badRequest, error.description)
        }
        if charts { parsed.limit = RecentRides.maxRides } // the charts' answer does not depend on it
        let recent = parsed, now = options.clock()
        do {
            let body = try await (charts ? chartsCache : recentCache).body(for: recent, now: now) {
                charts ? try await RecentCharts.json(recent, warehouse: warehouse, now: now, zone: zone)
                    : try await RecentRides.json(recent, warehouse: warehouse, now: now, zone: zone)
            }
            return DashboardHTTP.json(body)
        } catch {
            logger.error("recent rides: \(error)")
            throw DashboardHTTP.error(.serviceUnavailable, "the warehouse did not answer; try again shortly")
        }
    }

    router.get("/api/recent") { request, _ -> Response in try await recent(request, charts: false) }
    router.get("/api/recent/charts") { request, _ -> Response in try await recent(request, charts: true) }

    router.get("/events") { request, context -> Response in
        let once = DashboardHTTP.query(request)["once"].map { $0 == "1" || $0 == "true" } ?? false
        var headers = HTTPFields()
        headers[.contentType] = "text/event-stream; charset=utf-8"
        headers[.cacheControl] = "no-cache, no-transform"
        if once {
            // A finite feed for headless browsers, whose virtual time never ends on an open stream:
            // a long retry so the page does not come back, then the board, then the end.
            let text = "retry: 600000\n\n" + LiveHub.event("snapshot", await hub.snapshot())
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
        }
        let address = DashboardHTTP.addressKey(context.remoteAddress)
        guard gate.admit(address) else {
            var refusal = DashboardHTTP.error(.tooManyRequests,
                                              "too many live feeds are open (this server allows \(gate.maxTotal), \(gate.maxPerAddress) per client): close one or try again shortly")
            refusal.headers[.retryAfter] = "10"
            throw refusal
        }
        let body = ResponseBody { writer in
            defer { gate.release(address) }
            let (id, events) = await hub.subscribe()
            // A client that hangs up ends its feed, and gives its place back, now: the next write
            // may be a heartbeat 15 s away, and the first write after a hang-up can still succeed.
            context.connectionClosed.whenComplete { _ in Task { await hub.unsubscribe(id) } }
            do {
                try await writer.write(ByteBuffer(string: "retry: 2000\n\n"))
                #if canImport(ServiceLifecycle)
                // An open feed must not hold the server's graceful shutdown: end it then.
                try await withGracefulShutdownHandler {
                    for await text in events { try await writer.write(ByteBuffer(string: text)) }
                } onGracefulShutdown: {
                    Task { await hub.unsubscribe(id) }
                }
                #else
                for await text in events { try await writer.write(ByteBuffer(string: text)) }
                #endif
            } catch {
                // The client went away.
                await hub.unsubscribe(id)
                throw error
            }
            await hub.unsubscribe(id)
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: headers, body: body)
    }

    return LiveFeed(hub: hub)
}

/// The dashboard's live feed, for the process that also ingests (`deloton run`).
public struct LiveFeed: Sendable {
    let hub: LiveHub

    /// New data was committed: poll now rather than at the next tick.
    public func nudge() async { hub.nudge() }

    /// Ends every open event stream (at shutdown).
    public func closeAll() async { await hub.closeAll() }

    /// Clients connected to `/events` on this instance.
    public var clientCount: Int { get async { await hub.clientCount } }
}

enum DashboardHTTP {
    /// No CDN, no inline script or style: the page runs only what this server sends.
    static let pageHeaders: HTTPFields = {
        var h = HTTPFields()
        h[.contentSecurityPolicy] = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            + "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
        h[.xContentTypeOptions] = "nosniff"
        return h
    }()

    static func file(_ file: DashboardAssets.File, headers: HTTPFields = [:], cache: String = "no-cache") -> Response {
        var h = headers
        h[.contentType] = file.contentType
        h[.cacheControl] = cache
        return Response(status: .ok, headers: h, body: .init(byteBuffer: file.body))
    }

    static func json(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        var h = HTTPFields()
        h[.contentType] = "application/json; charset=utf-8"
        h[.cacheControl] = "no-store"
        return Response(status: status, headers: h, body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    /// The API's error, not stored by any cache, as every answer of the dashboard's data routes.
    static func error(_ status: HTTPResponse.Status, _ message: String) -> APIError {
        APIError(status, message, headers: [.cacheControl: "no-store"])
    }

    /// A client's address without its port: feeds are counted per machine, not per connection.
    static func addressKey(_ address: SocketAddress?) -> String { address?.ipAddress ?? "unknown" }

    static func query(_ request: Request) -> [String: String] {
        var out: [String: String] = [:]
        for (k, v) in request.uri.queryParameters { out[String(k)] = String(v) }
        return out
    }
}
