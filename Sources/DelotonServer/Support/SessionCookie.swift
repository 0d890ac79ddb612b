import DelotonCore
import Hummingbird

/// The dashboard's session cookie: HttpOnly so page scripts never see it, SameSite=Strict so no
/// other site's page makes the browser send it, and Secure when the page was reached over HTTPS
/// (directly or through a proxy that says so), where a plain-HTTP copy must never leak.
enum SessionCookie {
    static let name = "deloton_session"

    static func value(in request: Request) -> String? {
        for header in request.headers[values: .cookie] {
            for pair in header.split(separator: ";") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                if parts.count == 2, parts[0].trimmingCharacters(in: .whitespaces) == name {
                    return parts[1].trimmingCharacters(in: .whitespaces)
                }
            }
        }
        return nil
    }

    static func set(_ token: String, expiresAt: Instant, now: Instant, for request: Request) -> String {
        let maxAge = max(0, Int((expiresAt.microseconds - now.microseconds) / 1_000_000))
        return "\(name)=\(token); Path=/; Max-Age=\(maxAge); HttpOnly; SameSite=Strict" + secure(request)
    }

    static func clear(for request: Request) -> String {
        "\(name)=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict" + secure(request)
    }

    private static func secure(_ request: Request) -> String {
        let forwarded = request.headers[.init("X-Forwarded-Proto")!]?.lowercased()
        return request.head.scheme == "https" || forwarded == "https" ? "; Secure" : ""
    }
}
