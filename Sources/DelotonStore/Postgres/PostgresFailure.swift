import DelotonCore
import Foundation
import PostgresNIO

/// Turns PostgresNIO errors into `WarehouseError`s a user can act on.
///
/// The kind matters to the ingest loop: `.unavailable` means "the same batch may succeed later"
/// (retry with backoff), `.failed` means retrying will not help, `.configuration` means fix the setting.
package enum PostgresFailure {
    package static func describe(_ error: any Error, settings: PostgresSettings, doing what: String) -> WarehouseError {
        if let e = error as? WarehouseError { return e }
        if let t = error as? PostgresTransactionError {
            if let inner = t.closureError ?? t.beginError ?? t.commitError ?? t.rollbackError {
                return describe(inner, settings: settings, doing: what)
            }
        }
        let server = "\(settings.host):\(settings.port)"
        if let p = error as? PSQLError {
            switch p.code {
            case .server:
                let state = p.serverInfo?[.sqlState] ?? ""
                let message = p.serverInfo?[.message] ?? "error \(state)"
                switch state {
                case "28P01", "28000":
                    return WarehouseError(.configuration,
                        "PostgreSQL refused the credentials for user \(settings.user) at \(server): check \(flag: .database) / \(variable: .database)", setting: .database)
                case "3D000":
                    return WarehouseError(.configuration,
                        "PostgreSQL at \(server) has no database '\(settings.database)': create it (createdb \(settings.database)) or fix \(flag: .database)", setting: .database)
                case "42501":
                    return WarehouseError(.configuration,
                        "PostgreSQL user \(settings.user) lacks a privilege to \(what): \(message)")
                // Connection exceptions, shutdown, too many connections, serialisation failures and
                // deadlocks: the server may well accept the same work a little later.
                case _ where state.hasPrefix("08") || state.hasPrefix("57P") || state == "53300" || state == "40001" || state == "40P01":
                    return WarehouseError(.unavailable, "PostgreSQL at \(server) is unavailable while trying to \(what): \(message)")
                // Data exceptions and integrity violations: this data, not the server, is at fault.
                case _ where state.hasPrefix("22") || state.hasPrefix("23"):
                    return WarehouseError(.data, "PostgreSQL refused a value while trying to \(what): \(message) (SQLSTATE \(state))")
                default:
                    let statement = p.query.map { " in: " + $0.sql.split(whereSeparator: \.isNewline).joined(separator: " ").prefix(160) } ?? ""
                    return WarehouseError(.failed, "PostgreSQL at \(server) could not \(what): \(message) (SQLSTATE \(state))\(statement)")
                }
            case .serverClosedConnection, .clientClosedConnection, .connectionError, .uncleanShutdown, .poolClosed,
                 .messageDecodingFailure, .unexpectedBackendMessage:
                return WarehouseError(.unavailable,
                    "lost the connection to PostgreSQL at \(server) while trying to \(what)\(underlying(p))")
            case .sslUnsupported:
                return WarehouseError(.configuration,
                    "PostgreSQL at \(server) does not offer TLS but sslmode=\(settings.tls.rawValue) requires it: use sslmode=prefer or enable ssl on the server")
            case .authMechanismRequiresPassword:
                return WarehouseError(.configuration,
                    "PostgreSQL at \(server) asks user \(settings.user) for a password and the URL gives none: check \(flag: .database) / \(variable: .database)", setting: .database)
            case .saslError, .unsupportedAuthMechanism:
                return WarehouseError(.configuration,
                    "PostgreSQL refused the credentials for user \(settings.user) at \(server): check \(flag: .database) / \(variable: .database)", setting: .database)
            case .queryCancelled:
                return WarehouseError(.unavailable, "a PostgreSQL query was cancelled while trying to \(what)")
            default:
                return WarehouseError(.failed, "PostgreSQL at \(server) could not \(what): \(p.code)\(underlying(p))")
            }
        }
        if String(reflecting: type(of: error)).contains("ConnectionPoolError") || error is ChannelError || error is IOError || error is CancellationError {
            return WarehouseError(.unavailable, "cannot reach PostgreSQL at \(server) to \(what): \(error)")
        }
        if error is NIOSSLError {
            return WarehouseError(.configuration, "TLS with PostgreSQL at \(server) failed (\(error)): check sslmode in \(flag: .database)", setting: .database)
        }
        return WarehouseError(.failed, "PostgreSQL at \(server) could not \(what): \(String(describing: error))")
    }

    private static func underlying(_ p: PSQLError) -> String {
        guard let u = p.underlying else { return "" }
        return " (\(u))"
    }
}
