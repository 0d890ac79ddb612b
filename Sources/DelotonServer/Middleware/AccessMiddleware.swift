import Hummingbird

/// Who may read what. Every route that answers with riders' personal or health data needs a
/// credential (an API key of read scope or more, or a dashboard session) unless the server was
/// started with public reads (`Setting.publicReads`). Probes, the API's description and the dashboard's page and
/// files, which hold no data, stay open so a first visit can show the sign-in form. `/metrics`
/// needs a credential even with public reads: it tells an outsider about load and errors.
/// Writes are checked by their routes, which need a write key whatever this says.
struct AccessMiddleware: RouterMiddleware {
    typealias Context = APIRequestContext
    let auth: Authenticator
    let publicReads: Bool

    enum Rule: Equatable { case open, read, alwaysRead }

    static func rule(for path: String) -> Rule {
        switch path {
        case "/health", "/ready", "/openapi.json", "/", "/chart.js", "/session", "/signin": return .open
        case "/metrics": return .alwaysRead
        default: return path.hasPrefix("/dashboard/") ? .open : .read
        }
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        switch Self.rule(for: request.uri.path) {
        case .open:
            break
        case .alwaysRead:
            _ = try await auth.require(.read, for: request)
        case .read:
            if !publicReads, request.method == .get || request.method == .head {
                _ = try await auth.require(.read, for: request)
            }
        }
        return try await next(request, context)
    }
}
