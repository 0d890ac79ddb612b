import Hummingbird
import Prometheus

/// Request counts and latency histograms per route (the route's pattern, so ids do not
/// multiply the series), method and status, into the server's Prometheus registry.
struct RequestMetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    let registry: PrometheusCollectorRegistry

    static var buckets: [Duration] {
        [.microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5),
         .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250),
         .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5)]
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        let response = try await next(request, context)
        let route = context.endpointPath ?? "unmatched"
        let method = request.method.rawValue
        registry.makeCounter(
            descriptor: MetricNameDescriptor(namespace: "deloton", metricName: "http_requests", unitName: "total",
                                             helpText: "HTTP requests answered, by route, method and status"),
            labels: [("route", route), ("method", method), ("status", String(response.status.code))]
        ).increment()
        registry.makeDurationHistogram(
            descriptor: MetricNameDescriptor(namespace: "deloton", metricName: "http_request_duration", unitName: "seconds",
                                             helpText: "Time to answer an HTTP request, by route and method"),
            labels: [("route", route), ("method", method)], buckets: Self.buckets
        ).record(ContinuousClock.now - start)
        return response
    }
}
