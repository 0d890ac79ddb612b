import DelotonStore

/// The one-time link `deloton run` and `deloton serve` print at start, as Jupyter does, so the
/// person who started the server opens the dashboard signed in with one click. It goes to the
/// terminal only (never to logs, which others read): whoever holds it can read riders' data.
public enum SignInLink {
    /// The dashboard's address with a fresh one-time token, or the bare address when
    /// Public reads leave nothing to sign in to.
    public static func make(config: ServerConfig, warehouse: any Warehouse) async throws -> String {
        // A wildcard listening address is no address to browse to; the local user is on loopback.
        let host = ["0.0.0.0", "::", "[::]", ""].contains(config.host) ? "127.0.0.1"
            : (config.host.contains(":") && !config.host.hasPrefix("[") ? "[\(config.host)]" : config.host)
        let base = "http://\(host):\(config.port)/"
        guard !config.publicReads else { return base }
        let token = try await SessionStore(warehouse: warehouse, now: config.now)
            .createLink(lifetimeSeconds: config.signInLinkLifetimeSeconds)
        return base + "signin?token=" + token
    }
}
