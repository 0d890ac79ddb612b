import Hummingbird

/// With `--require-key-for-reads`, every route but `/health` and `/metrics` needs a key of read
/// scope or more (probes and scrapers carry no keys).
struct ReadKeyMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext
    static let open: Set<String> = ["/health", "/ready", "/metrics"]
    let auth: Authenticator

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if !Self.open.contains(request.uri.path) {
            _ = try await auth.require(.read, for: request)
        }
        return try await next(request, context)
    }
}
