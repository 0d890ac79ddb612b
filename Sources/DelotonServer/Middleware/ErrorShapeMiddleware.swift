import DelotonStore
import Hummingbird
import Logging

/// Turns every failure into the API's error shape, so no route, unmatched path or unexpected
/// error answers in another format; bad input is 400 by the routes, a database that does not
/// answer is 503, and anything else is a logged 500.
struct ErrorShapeMiddleware<Context: RequestContext>: RouterMiddleware {
    let routes: RouteTable
    let logger: Logger

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            return try error.response(from: request, context: context)
        } catch let error as HTTPError {
            return try translate(error, request: request, context: context).response(from: request, context: context)
        } catch let error as WarehouseError where error.kind == .unavailable {
            logger.error("warehouse unavailable", metadata: ["path": "\(request.uri.path)", "error": "\(error)"])
            return try APIError(.serviceUnavailable, "the warehouse does not answer; try again shortly")
                .response(from: request, context: context)
        } catch {
            logger.error("request failed", metadata: ["method": "\(request.method)", "path": "\(request.uri.path)",
                                                      "error": "\(error)"])
            return try APIError(.internalServerError, "internal error; it has been logged")
                .response(from: request, context: context)
        }
    }

    private func translate(_ error: HTTPError, request: Request, context: Context) -> APIError {
        if error.status == .notFound, context.endpointPath == nil || context.endpointPath == "NotFound" {
            let allowed = routes.methods(forPath: request.uri.path)
            if !allowed.isEmpty {
                return APIError(.methodNotAllowed, "\(request.method) is not allowed on \(request.uri.path): use \(allowed.joined(separator: ", "))",
                                headers: [.allow: allowed.joined(separator: ", ")])
            }
            return APIError(.notFound, "No route \(request.method) \(request.uri.path): see /openapi.json")
        }
        return APIError(error.status, error.body ?? error.status.reasonPhrase)
    }
}

/// The API's paths and methods, for `405 Method Not Allowed` with its `Allow` header.
struct RouteTable: Sendable {
    let routes: [(segments: [Substring], methods: [String])]

    init(_ routes: [(String, [String])]) {
        self.routes = routes.map { ($0.0.split(separator: "/"), $0.1) }
    }

    func methods(forPath path: String) -> [String] {
        let segments = path.split(separator: "/")
        for route in routes where route.segments.count == segments.count {
            if zip(route.segments, segments).allSatisfy({ $0.hasPrefix(":") || $0 == $1 }) { return route.methods }
        }
        return []
    }
}
