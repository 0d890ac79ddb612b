import DelotonCore

/// What an API key may do: `read` answers GETs, `write` also deletes.
public enum APIKeyScope: String, Sendable, Codable, CaseIterable {
    case read, write

    public func allows(_ needed: APIKeyScope) -> Bool { self == .write || needed == .read }
}

/// A key as listed: never its secret, which is shown once at creation and stored only hashed.
public struct APIKeyInfo: Sendable, Equatable {
    public var name: String
    public var scope: APIKeyScope
    public var createdAt: Instant
    public var revokedAt: Instant?
}

/// Who a presented key belongs to.
public struct APIKeyIdentity: Sendable, Equatable {
    public var name: String
    public var scope: APIKeyScope

    public init(name: String, scope: APIKeyScope) { self.name = name; self.scope = scope }
}

public struct APIKeyError: Error, CustomStringConvertible, Sendable {
    public var description: String
    /// The setting to change: today every refusal is about the key's name.
    public var setting: Setting?
}

/// API keys (`deloton keys create|list|revoke`, and the server's check of each request).
///
/// Keys are random with a recognisable `dlt_` prefix (so a leaked one is easy to spot in a
/// scan); only a hash is stored, so a copy of the database does not grant access.
public struct APIKeyStore: Sendable {
    public static let prefix = "dlt_"
    let sql: any SQLExecutor
    let hash: @Sendable (String) -> String
    let now: @Sendable () -> Instant

    /// `hash` turns a key into what is stored (the server passes hex SHA-256 from swift-crypto).
    public init(sql: any SQLExecutor, hash: @escaping @Sendable (String) -> String,
                now: @escaping @Sendable () -> Instant) {
        self.sql = sql; self.hash = hash; self.now = now
    }

    /// Creates a key and returns its secret: the only time it is ever shown.
    public func create(name: String, scope: APIKeyScope) async throws -> String {
        let trimmed = String(name.drop(while: { $0 == " " }).reversed().drop(while: { $0 == " " }).reversed())
        guard !trimmed.isEmpty, trimmed.count <= 100, !trimmed.unicodeScalars.contains(where: { $0.value < 32 }) else {
            throw APIKeyError(description: "API key name '\(name)' is not usable: give 1 to 100 printable characters, e.g. \(flag: .keyName) dashboard",
                              setting: .keyName)
        }
        let taken = try await sql.query("SELECT 1 AS one FROM api_keys WHERE name = \(trimmed)")
        guard taken.isEmpty else {
            throw APIKeyError(description: "an API key named '\(trimmed)' already exists (names stay taken after revocation): pick another \(flag: .keyName)",
                              setting: .keyName)
        }
        let secret = Self.generate()
        try await sql.execute("""
            INSERT INTO api_keys (name, scope, key_hash, created_at) VALUES (\(trimmed), \(scope.rawValue), \(hash(secret)), \(now()))
            """)
        return secret
    }

    public func list() async throws -> [APIKeyInfo] {
        try await sql.query("SELECT name, scope, created_at, revoked_at FROM api_keys ORDER BY id").map { row in
            // The schema's CHECK allows only the scopes there are.
            APIKeyInfo(name: try row.decode("name"), scope: APIKeyScope(rawValue: try row.decode("scope")) ?? .read,
                       createdAt: try row.decode("created_at"), revokedAt: try row.decode("revoked_at"))
        }
    }

    /// Revokes the key named `name`; false when there is no such key still in force.
    public func revoke(name: String) async throws -> Bool {
        let rows = try await sql.transaction([
            "UPDATE api_keys SET revoked_at = \(now()) WHERE name = \(name) AND revoked_at IS NULL RETURNING name"])
        return !(rows.first ?? []).isEmpty
    }

    /// Who `key` belongs to, or nil when it is unknown or revoked.
    public func verify(key: String) async throws -> APIKeyIdentity? {
        guard key.hasPrefix(Self.prefix), key.count < 200 else { return nil }
        let rows = try await sql.query("SELECT name, scope FROM api_keys WHERE key_hash = \(hash(key)) AND revoked_at IS NULL")
        guard let row = rows.first, let scope = APIKeyScope(rawValue: try row.decode("scope")) else { return nil }
        return APIKeyIdentity(name: try row.decode("name"), scope: scope)
    }

    static func generate() -> String { SecretToken.generate(prefix: prefix) }
}
