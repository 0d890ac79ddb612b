import Hummingbird
import Logging
import NIOCore

/// One log line per request: method, path, status and duration. The query string is left out:
/// paths carry ids only, never what identifies a person.
struct RequestLogMiddleware<Context: RequestContext>: RouterMiddleware {
    let logger: Logger

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        let response = try await next(request, context)
        guard logger.logLevel <= .info else { return response }
        let elapsed = ContinuousClock.now - start
        let ms = Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1000
        logger.info("request", metadata: [
            "method": "\(request.method)", "path": "\(request.uri.path)",
            "status": "\(response.status.code)", "duration_ms": "\((ms * 1000).rounded() / 1000)",
        ])
        return response
    }
}
