import Hummingbird
import Logging
import NIOCore

/// One log line per request at debug level: method, path, status and duration.
/// Not at info, where a dashboard's dozen requests per load would drown the console; the HTTP
/// metrics count them. The query string is left out: paths carry ids only, never what identifies
/// a person.
struct RequestLogMiddleware<Context: RequestContext>: RouterMiddleware {
    let logger: Logger

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        let response = try await next(request, context)
        guard logger.logLevel <= .debug else { return response }
        let elapsed = ContinuousClock.now - start
        let ms = elapsed.inSeconds * 1000
        logger.debug("request", metadata: [
            "method": "\(request.method)", "path": "\(request.uri.path)",
            "status": "\(response.status.code)", "duration_ms": "\((ms * 1000).rounded() / 1000)",
        ])
        return response
    }
}
