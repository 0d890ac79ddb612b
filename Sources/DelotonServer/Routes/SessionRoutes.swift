import DelotonCore
import DelotonStore
import Hummingbird

/// The dashboard's sign-in: `GET /session` (am I signed in?), `POST /session` (sign in with an
/// API key in a header), `DELETE /session` (sign out), and `GET /signin?token=…` (the one-time
/// link printed at start). The session itself is an HttpOnly cookie (Support/SessionCookie.swift).
struct SessionRoutes: Sendable {
    let env: APIEnvironment

    func add(to router: Router<APIRequestContext>) {
        router.get("/session", use: status)
        router.post("/session", use: signIn)
        router.delete("/session", use: signOut)
        router.get("/signin", use: signInWithLink)
    }

    /// Always 200, so the page can tell "sign in" from "no data" without an error in its console.
    @Sendable func status(_ request: Request, context: APIRequestContext) async throws -> Response {
        var session: SessionIdentity?
        if let token = SessionCookie.value(in: request) { session = try await env.auth.sessions.verify(session: token) }
        var w = JSONWriter(capacity: 128)
        w.object { w in
            w.field("signed_in", session != nil)
            w.field("sign_in_needed", !env.config.publicReads)
            w.field("expires_at", session.map { env.zone.iso8601($0.expiresAt) })
        }
        var headers = HTTPFields()
        headers[.cacheControl] = "no-store"
        if session == nil, SessionCookie.value(in: request) != nil { headers[.setCookie] = SessionCookie.clear(for: request) }
        return Responses.json(w, headers: headers)
    }

    /// A key in a header, never a cookie: a page on another site cannot add one.
    @Sendable func signIn(_ request: Request, context: APIRequestContext) async throws -> Response {
        guard let presented = Authenticator.presentedKey(request) else {
            throw APIError(.unauthorized, "send the API key as 'Authorization: Bearer KEY' to sign in (create one with deloton keys create)",
                           headers: [.wwwAuthenticate: "Bearer"])
        }
        guard let key = try await env.auth.keys.verify(key: presented) else {
            throw APIError(.unauthorized, "the API key is unknown or revoked: create one with deloton keys create",
                           headers: [.wwwAuthenticate: "Bearer"])
        }
        let opened = try await env.auth.sessions.open(keyName: key.name, lifetimeSeconds: env.config.sessionLifetimeSeconds)
        env.logger.notice("dashboard session opened", metadata: ["api_key": "\(key.name)"])
        return signedIn(opened, request: request, status: .ok, location: nil)
    }

    @Sendable func signOut(_ request: Request, context: APIRequestContext) async throws -> Response {
        if let token = SessionCookie.value(in: request) { try await env.auth.sessions.revoke(session: token) }
        var headers = HTTPFields()
        headers[.setCookie] = SessionCookie.clear(for: request)
        return Response(status: .noContent, headers: headers)
    }

    @Sendable func signInWithLink(_ request: Request, context: APIRequestContext) async throws -> Response {
        let query = QueryParameters(request)
        guard let token = query["token"],
              let opened = try await env.auth.sessions.redeem(link: token, sessionLifetimeSeconds: env.config.sessionLifetimeSeconds) else {
            throw APIError(.unauthorized, "this sign-in link is unknown, used already or expired: restart deloton for a new one, or sign in with an API key")
        }
        env.logger.notice("dashboard session opened from the sign-in link")
        return signedIn(opened, request: request, status: .seeOther, location: Self.sameSitePath(query["next"]))
    }

    private func signedIn(_ opened: (token: String, expiresAt: Instant), request: Request,
                          status: HTTPResponse.Status, location: String?) -> Response {
        var w = JSONWriter(capacity: 96)
        w.object { w in
            w.field("signed_in", true)
            w.field("expires_at", env.zone.iso8601(opened.expiresAt))
        }
        var headers = HTTPFields()
        headers[.setCookie] = SessionCookie.set(opened.token, expiresAt: opened.expiresAt, now: env.config.now(), for: request)
        headers[.cacheControl] = "no-store"
        if let location { headers[.location] = location }
        return Responses.json(w, status: status, headers: headers)
    }

    /// Where the link may send the browser: a path on this server only, so the link cannot be
    /// turned into a redirect to someone else's site.
    static func sameSitePath(_ next: String?) -> String {
        guard let next, next.hasPrefix("/"), !next.hasPrefix("//"), !next.contains("\\"), next.utf8.count <= 512,
              !next.unicodeScalars.contains(where: { $0.value < 32 || $0.value == 127 }) else { return "/" }
        return next
    }
}
