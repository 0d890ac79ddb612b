import DelotonCore

/// What a presented session or sign-in link turned out to be.
public struct SessionIdentity: Sendable, Equatable {
    /// The API key the session was opened with, or nil for one opened from the terminal's link.
    public var keyName: String?
    public var expiresAt: Instant

    public init(keyName: String?, expiresAt: Instant) { self.keyName = keyName; self.expiresAt = expiresAt }
}

/// Dashboard sessions and the one-time sign-in links that open them, kept in the warehouse so
/// that any `serve` replica accepts a session another one opened.
///
/// Both are random secrets of which only a hash is stored (like API keys), so a copy of the
/// database opens no session. A session only ever reads: a cookie is sent by the browser on its
/// own, so anything that writes needs an API key in a header, which no other site can add.
public struct SessionStore: Sendable {
    public static let sessionPrefix = "dls_"
    public static let linkPrefix = "dll_"
    let sql: any SQLExecutor
    let hash: @Sendable (String) -> String
    let now: @Sendable () -> Instant

    public init(sql: any SQLExecutor, hash: @escaping @Sendable (String) -> String,
                now: @escaping @Sendable () -> Instant) {
        self.sql = sql; self.hash = hash; self.now = now
    }

    /// A one-time link token for the person at the terminal: it opens one session, once.
    public func createLink(lifetimeSeconds: Int64) async throws -> String {
        try await insert(kind: "link", prefix: Self.linkPrefix, keyName: nil, lifetimeSeconds: lifetimeSeconds).token
    }

    /// A session opened with the API key `keyName` (already verified by the caller).
    public func open(keyName: String?, lifetimeSeconds: Int64) async throws -> (token: String, expiresAt: Instant) {
        try await insert(kind: "session", prefix: Self.sessionPrefix, keyName: keyName, lifetimeSeconds: lifetimeSeconds)
    }

    /// Uses up the link `token` and opens a session in its place; nil when the link is unknown,
    /// used already or expired. The link is spent by a conditional update, so two replicas
    /// racing on one link open one session between them.
    public func redeem(link token: String, sessionLifetimeSeconds: Int64) async throws -> (token: String, expiresAt: Instant)? {
        guard Self.plausible(token, prefix: Self.linkPrefix) else { return nil }
        let at = now()
        let spent = try await sql.transaction([
            "UPDATE sessions SET revoked_at = \(at) WHERE token_hash = \(hash(token)) AND kind = 'link' AND revoked_at IS NULL AND expires_at > \(at) RETURNING kind"])
        guard !(spent.first ?? []).isEmpty else { return nil }
        return try await open(keyName: nil, lifetimeSeconds: sessionLifetimeSeconds)
    }

    /// The session `token` stands for, or nil when it is unknown, revoked, expired, or was opened
    /// with an API key that has since been revoked.
    public func verify(session token: String) async throws -> SessionIdentity? {
        guard Self.plausible(token, prefix: Self.sessionPrefix) else { return nil }
        let rows = try await sql.query("""
            SELECT s.key_name, s.expires_at FROM sessions s
            WHERE s.token_hash = \(hash(token)) AND s.kind = 'session' AND s.revoked_at IS NULL AND s.expires_at > \(now())
              AND (s.key_name IS NULL OR EXISTS (SELECT 1 FROM api_keys k WHERE k.name = s.key_name AND k.revoked_at IS NULL))
            """)
        guard let row = rows.first else { return nil }
        return SessionIdentity(keyName: try row.decode("key_name"), expiresAt: try row.decode("expires_at"))
    }

    /// Ends the session `token` (sign-out); false when it was not in force.
    @discardableResult
    public func revoke(session token: String) async throws -> Bool {
        guard Self.plausible(token, prefix: Self.sessionPrefix) else { return false }
        let rows = try await sql.transaction([
            "UPDATE sessions SET revoked_at = \(now()) WHERE token_hash = \(hash(token)) AND kind = 'session' AND revoked_at IS NULL RETURNING kind"])
        return !(rows.first ?? []).isEmpty
    }

    private func insert(kind: String, prefix: String, keyName: String?, lifetimeSeconds: Int64) async throws -> (token: String, expiresAt: Instant) {
        let token = SecretToken.generate(prefix: prefix)
        let at = now()
        let expires = Instant(microseconds: at.microseconds + max(1, lifetimeSeconds) * 1_000_000)
        // Rows a day past their end are of no use to anyone: drop them as new ones arrive, so
        // the table stays the size of the sessions in force without a job of its own.
        try await sql.transaction([
            "DELETE FROM sessions WHERE expires_at < \(Instant(microseconds: at.microseconds - 86_400_000_000))",
            "INSERT INTO sessions (token_hash, kind, key_name, created_at, expires_at) VALUES (\(hash(token)), \(kind), \(keyName), \(at), \(expires))",
        ])
        return (token, expires)
    }

    /// Cheap refusals before any hashing or query: wrong prefix or absurd length.
    static func plausible(_ token: String, prefix: String) -> Bool {
        token.hasPrefix(prefix) && token.utf8.count < 200
    }
}

/// Random secrets with a recognisable prefix, for API keys, sessions and sign-in links.
public enum SecretToken {
    /// 32 characters from 62: about 190 bits from the system's secure generator.
    public static func generate(prefix: String) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
        var rng = SystemRandomNumberGenerator()
        return prefix + String((0..<32).map { _ in alphabet[Int(rng.next(upperBound: UInt64(alphabet.count)))] })
    }
}
