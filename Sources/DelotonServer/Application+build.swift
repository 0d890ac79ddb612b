import DelotonCore
import DelotonStore
import Hummingbird
import HummingbirdCore
import Logging
import Prometheus

/// Builds the API server: routes over the warehouse, with request logs, metrics, CORS and keys.
///
/// `metrics` is the registry `/metrics` shows; pass the one the ingest pipeline reports to
/// (through swift-metrics) when both run in one process, so their figures share one page.
/// The application is a swift-service-lifecycle `Service`: run in a service group, it stops on the
/// group's graceful shutdown after the requests in flight are answered (`deloton serve` and `run`
/// run it in their one group, with SIGTERM and SIGINT).
public func buildApplication(config: ServerConfig, warehouse: any Warehouse, logger: Logger,
                             metrics: PrometheusCollectorRegistry?) -> some ApplicationProtocol {
    buildServer(config: config, warehouse: warehouse, logger: logger, metrics: metrics).application
}

/// `buildApplication`, and the dashboard's live feed (nil when the dashboard is off), which
/// `deloton run` nudges after each ingest batch so the page moves as soon as data lands.
/// `onListening` learns the port actually bound (port 0 picks a free one). `replica`, a read
/// replica of `warehouse`, answers the reads that may lag a moment (`APIEnvironment.reads`).
public func buildServer(config: ServerConfig, warehouse: any Warehouse, replica: (any Warehouse)? = nil, logger: Logger,
                        metrics: PrometheusCollectorRegistry?,
                        onListening: @escaping @Sendable (Int) async -> Void = { _ in })
    -> (application: some ApplicationProtocol, liveFeed: LiveFeed?) {
    let (router, liveFeed) = buildRouter(config: config, warehouse: warehouse, replica: replica, logger: logger,
                                         metrics: metrics ?? PrometheusCollectorRegistry())
    let limits = config.limits
    let application = Application(
        router: router,
        server: .http1(configuration: .init(
            additionalChannelHandlers: [HeaderReadTimeoutHandler(timeout: .nanoseconds(Int64(limits.headerReadTimeout * 1e9))),
                                        ParseErrorShapeHandler(), EventStreamHangUpHandler()],
            idleTimeout: .nanoseconds(Int64(limits.idleTimeout * 1e9)))),
        configuration: .init(address: .hostname(config.host, port: config.port), serverName: "deloton",
                             availableConnectionsDelegate: MaximumAvailableConnections(limits.maxConnections)),
        onServerRunning: { channel in await onListening(channel.localAddress?.port ?? config.port) },
        logger: logger)
    return (application, liveFeed)
}

/// The router alone, for `buildApplication` and for tests that drive it in-process.
func buildRouter(config: ServerConfig, warehouse: any Warehouse, replica: (any Warehouse)? = nil, logger: Logger,
                 metrics registry: PrometheusCollectorRegistry) -> (Router<APIRequestContext>, LiveFeed?) {
    let env = APIEnvironment(warehouse: warehouse, replica: replica, config: config, logger: logger)
    let router = Router(context: APIRequestContext.self)
    router.add(middleware: RequestLogMiddleware(logger: logger))
    router.add(middleware: RequestMetricsMiddleware(registry: registry))
    if let origin = config.corsOrigin {
        router.add(middleware: CORSMiddleware(
            allowOrigin: .custom(origin),
            allowHeaders: [.accept, .authorization, .contentType, Authenticator.apiKeyHeader],
            allowMethods: [.get, .post, .delete, .options]))
    }
    let routes = RouteTable()
    router.add(middleware: ErrorShapeMiddleware(routes: routes, logger: logger))
    router.add(middleware: AccessMiddleware(auth: env.auth, publicReads: config.publicReads))

    OperationsRoutes(env: env, registry: registry).add(to: router)
    RideRoutes(env: env).add(to: router)
    DailyRoutes(env: env).add(to: router)
    RiderRoutes(env: env).add(to: router)
    StatsRoutes(env: env).add(to: router)
    SessionRoutes(env: env).add(to: router)

    // DASHBOARD CALL SITE: the page, its files and the live feed (Live/DashboardRoutes.swift),
    // under the same logs, metrics, CORS and access rules as the API.
    let liveFeed = config.dashboard.enabled
        ? addDashboardRoutes(to: router, warehouse: warehouse, options: config.dashboard, zone: config.displayZone,
                             gate: EventStreamGate(maxTotal: config.limits.maxEventStreams,
                                                   maxPerAddress: config.limits.maxEventStreamsPerAddress)) : nil
    routes.record(router)
    return (router, liveFeed)
}
