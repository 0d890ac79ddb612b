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

enum APIKeyHash {
    @Sendable static func sha256Hex(_ key: String) -> String {
        SHA256.hash(data: Array(key.utf8)).map { b in
            let h = String(b, radix: 16)
            return h.count == 1 ? "0" + h : h
        }.joined()
    }
}

/// Finds who a request comes from: `Authorization: Bearer KEY` or `X-API-Key: KEY`.
struct Authenticator: Sendable {
    static let apiKeyHeader = HTTPFields.Element.Name("X-API-Key")!
    let keys: APIKeyStore

    /// The caller's key if it grants `scope`: 401 without a valid key, 403 with too small a scope.
    func require(_ scope: APIKeyScope, for request: Request) async throws -> APIKeyIdentity {
        guard let presented = Self.presentedKey(request) else {
            throw APIError(.unauthorized, "this needs an API key: send 'Authorization: Bearer KEY' or 'X-API-Key: KEY' (create one with deloton keys create)",
                           headers: [.wwwAuthenticate: "Bearer"])
        }
        guard let identity = try await keys.verify(key: presented) else {
            throw APIError(.unauthorized, "the API key is unknown or revoked: create one with deloton keys create",
                           headers: [.wwwAuthenticate: "Bearer"])
        }
        guard identity.scope.allows(scope) else {
            throw APIError(.forbidden, "the API key '\(identity.name)' has \(identity.scope.rawValue) scope; this needs \(scope.rawValue) scope")
        }
        return identity
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
