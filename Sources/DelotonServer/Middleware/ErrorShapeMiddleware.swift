import DelotonStore
import Hummingbird
import Logging
import Synchronization

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

/// The paths and methods the router has, for `405 Method Not Allowed` with its `Allow` header.
///
/// Read from the router itself once every route is added (the middleware that answers 405 is
/// added before them), so a route added or removed is never missing from the answer.
final class RouteTable: Sendable {
    /// Each path as segments, a capture as `:name`, with its methods in `Self.methodOrder`.
    private let table = Mutex<[(segments: [Substring], methods: [String])]>([])

    /// The order `Allow` lists methods in: reads first, as people write them.
    private static let methodOrder = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]

    var routes: [(segments: [Substring], methods: [String])] { table.withLock { $0 } }

    func record<Context>(_ router: Router<Context>) {
        var methods: [String: Set<String>] = [:], order: [String] = []
        for route in router.routes {
            let path = "\(route.path)"
            if methods[path] == nil { order.append(path) }
            methods[path, default: []].insert(route.method.rawValue)
        }
        let rows = order.map { path in
            (segments: path.split(separator: "/").map { $0.hasPrefix("{") && $0.hasSuffix("}") ? ":" + $0.dropFirst().dropLast() : $0 },
             methods: methods[path]!.sorted { (Self.methodOrder.firstIndex(of: $0) ?? .max, $0) < (Self.methodOrder.firstIndex(of: $1) ?? .max, $1) })
        }
        table.withLock { $0 = rows }
    }

    func methods(forPath path: String) -> [String] {
        let segments = path.split(separator: "/")
        for route in routes where route.segments.count == segments.count {
            if zip(route.segments, segments).allSatisfy({ $0.hasPrefix(":") || $0 == $1 }) { return route.methods }
        }
        return []
    }
}
