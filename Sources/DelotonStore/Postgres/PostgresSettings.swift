import Foundation

/// Connection settings from a `postgres://` or `postgresql://` URL.
///
/// `postgres://user[:password]@host[:port]/database[?sslmode=...&sslrootcert=PATH&connect_timeout=S&operation_timeout=S&staging_retention_days=N&pool_size=N]`.
/// The password never appears in `description` or in any error message: URLs end up in logs.
public struct PostgresSettings: Sendable, Equatable, CustomStringConvertible {
    /// libpq's `sslmode` values, with libpq's meaning: `require` encrypts without checking the
    /// certificate (what RDS guides use), `verify-ca`/`verify-full` check it.
    public enum TLSMode: String, Sendable, Equatable {
        case disable, allow, prefer, require
        case verifyCA = "verify-ca"
        case verifyFull = "verify-full"
    }

    public var host: String
    public var port: Int
    public var user: String
    public var password: String?
    public var database: String
    public var tls: TLSMode
    /// libpq's `sslrootcert`: a PEM file of the certificate authorities the server's certificate
    /// must chain to (`system`, or none given, means the system's trusted roots). As in libpq,
    /// giving one makes `require` check the chain too, as `verify-ca` does.
    public var rootCertificatePath: String?
    /// How long to wait for the TCP connection and the login, in seconds.
    public var connectTimeout: Double
    /// How long one batch's transaction may take, in seconds, before its connection is given up
    /// as hung and the batch fails as unavailable (and is retried). A last resort: a connection
    /// the server closed is noticed within a second (`PostgresIngestLane.withDeadline`). 30 s is
    /// far above a batch's time (60,000 readings commit in well under a second) and short enough
    /// that a silently vanished server holds a live stream for half a minute, not five.
    public var operationTimeout: Double
    /// How long staged profiles are kept for `reprocess`, in days.
    public var stagingRetentionDays: Int
    /// The most connections the shared-SQL pool opens (the ingest path has its own).
    public var poolSize: Int

    public init(url: String) throws {
        let shown = Redact.url(url)
        guard url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") else {
            throw WarehouseError(.configuration, "a PostgreSQL URL starts with postgres:// or postgresql:// (got '\(shown)')")
        }
        guard let parts = URLComponents(string: url) else {
            throw WarehouseError(.configuration,
                "cannot read the PostgreSQL URL '\(shown)': expected postgres://user[:password]@host[:port]/database (percent-encode special characters in the password)")
        }
        guard let host = parts.host, !host.isEmpty else {
            throw WarehouseError(.configuration, "the PostgreSQL URL '\(shown)' has no host: expected postgres://user[:password]@host[:port]/database")
        }
        self.host = host
        port = parts.port ?? 5432
        guard (1...65535).contains(port) else {
            throw WarehouseError(.configuration, "the PostgreSQL URL '\(shown)' has an invalid port \(port)")
        }
        user = parts.percentEncodedUser.flatMap { $0.removingPercentEncoding } ?? "postgres"
        password = parts.percentEncodedPassword.flatMap { $0.removingPercentEncoding }
        let path = parts.path.hasPrefix("/") ? String(parts.path.dropFirst()) : parts.path
        database = path.isEmpty ? user : (path.removingPercentEncoding ?? path)
        tls = .prefer
        rootCertificatePath = nil
        connectTimeout = 5
        operationTimeout = 30
        stagingRetentionDays = 7
        poolSize = 8
        for item in parts.queryItems ?? [] {
            let value = item.value ?? ""
            switch item.name {
            case "sslmode":
                guard let mode = TLSMode(rawValue: value) else {
                    throw WarehouseError(.configuration,
                        "sslmode=\(value) in the PostgreSQL URL is not one of disable, allow, prefer, require, verify-ca, verify-full")
                }
                tls = mode
            case "sslrootcert":
                guard !value.isEmpty, value == "system" || FileManager.default.isReadableFile(atPath: value) else {
                    throw WarehouseError(.configuration,
                        "sslrootcert=\(value) in the PostgreSQL URL is not a readable file: give the path of the CA certificate (PEM), or system")
                }
                rootCertificatePath = value == "system" ? nil : value
            case "connect_timeout":
                guard let seconds = Double(value), seconds > 0 else {
                    throw WarehouseError(.configuration, "connect_timeout=\(value) in the PostgreSQL URL must be a positive number of seconds")
                }
                connectTimeout = seconds
            case "operation_timeout":
                guard let seconds = Double(value), seconds > 0 else {
                    throw WarehouseError(.configuration, "operation_timeout=\(value) in the PostgreSQL URL must be a positive number of seconds")
                }
                operationTimeout = seconds
            case "staging_retention_days":
                guard let days = Int(value), days >= 0 else {
                    throw WarehouseError(.configuration, "staging_retention_days=\(value) in the PostgreSQL URL must be a whole number of days (0 keeps nothing)")
                }
                stagingRetentionDays = days
            case "pool_size":
                guard let n = Int(value), n >= 1 else {
                    throw WarehouseError(.configuration, "pool_size=\(value) in the PostgreSQL URL must be at least 1")
                }
                poolSize = n
            case "application_name", "options":
                continue
            default:
                throw WarehouseError(.configuration,
                    "unknown parameter '\(item.name)' in the PostgreSQL URL: deloton understands sslmode, sslrootcert, connect_timeout, operation_timeout, staging_retention_days, pool_size")
            }
        }
    }

    /// `host:port/database` as user `user`: for messages.
    public var description: String { "\(user)@\(host):\(port)/\(database)" }
}
