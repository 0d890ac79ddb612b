import Foundation
import Crypto
import DelotonCore
import DelotonStore
import Hummingbird

extension APIKeyStore {
    /// The store the server and `deloton keys` use: keys hashed with SHA-256 (swift-crypto).
    public init(warehouse: any Warehouse, now: @escaping @Sendable () -> Instant) {
        self.init(sql: warehouse.sql, hash: APIKeyHash.sha256Hex, now: now)
    }
}

extension SessionStore {
    /// The store the server uses: tokens hashed like API keys.
    public init(warehouse: any Warehouse, now: @escaping @Sendable () -> Instant) {
        self.init(sql: warehouse.sql, hash: APIKeyHash.sha256Hex, now: now)
    }
}

enum APIKeyHash {
    @Sendable static func sha256Hex(_ key: String) -> String {
        SHA256.hash(data: Array(key.utf8)).map { b in
            let h = String(b, radix: 16)
            return h.count == 1 ? "0" + h : h
        }.joined()
    }
}

/// Who a request comes from.
enum Caller: Sendable, Equatable {
    case key(APIKeyIdentity)
    /// A signed-in browser: read-only whatever key opened it (see `SessionStore`).
    case session(SessionIdentity)

    var scope: APIKeyScope {
        switch self {
        case .key(let identity): return identity.scope
        case .session: return .read
        }
    }

    /// For logs and tombstones: a key's name, never a secret.
    var name: String {
        switch self {
        case .key(let identity): return identity.name
        case .session(let session): return session.keyName.map { "session of \($0)" } ?? "session from the sign-in link"
        }
    }
}

/// Finds who a request comes from: `Authorization: Bearer KEY`, `X-API-Key: KEY`, or the
/// dashboard's session cookie. A key, when sent, wins over the cookie.
struct Authenticator: Sendable {
    static let apiKeyHeader = HTTPFields.Element.Name("X-API-Key")!
    let keys: APIKeyStore
    let sessions: SessionStore

    /// The caller if they may do what needs `scope`: 401 without a valid credential, 403 when
    /// theirs is too small.
    func require(_ scope: APIKeyScope, for request: Request) async throws -> Caller {
        guard let caller = try await caller(of: request) else {
            throw APIError(.unauthorized, "this needs an API key: send 'Authorization: Bearer KEY' or 'X-API-Key: KEY' (create one with deloton keys create), or sign in on the dashboard",
                           headers: [.wwwAuthenticate: "Bearer"])
        }
        guard caller.scope.allows(scope) else {
            switch caller {
            case .key(let identity):
                throw APIError(.forbidden, "the API key '\(identity.name)' has \(identity.scope.rawValue) scope; this needs \(scope.rawValue) scope")
            case .session:
                throw APIError(.forbidden, "a dashboard session can only read; send an API key of \(scope.rawValue) scope in the Authorization header")
            }
        }
        return caller
    }

    /// The caller, nil when no credential was sent; a credential sent but not in force is a 401.
    func caller(of request: Request) async throws -> Caller? {
        if let presented = Self.presentedKey(request) {
            guard let identity = try await keys.verify(key: presented) else {
                throw APIError(.unauthorized, "the API key is unknown or revoked: create one with deloton keys create",
                               headers: [.wwwAuthenticate: "Bearer"])
            }
            return .key(identity)
        }
        if let token = SessionCookie.value(in: request) {
            guard let session = try await sessions.verify(session: token) else {
                throw APIError(.unauthorized, "the dashboard session has expired or was signed out: sign in again",
                               headers: [.wwwAuthenticate: "Bearer", .setCookie: SessionCookie.clear(for: request)])
            }
            return .session(session)
        }
        return nil
    }

    static func presentedKey(_ request: Request) -> String? {
        if let auth = request.headers[.authorization] {
            let parts = auth.split(separator: " ", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == "bearer" {
                return parts[1].trimmingCharacters(in: .whitespaces)
            }
        }
        return request.headers[apiKeyHeader]?.trimmingCharacters(in: .whitespaces)
    }
}
