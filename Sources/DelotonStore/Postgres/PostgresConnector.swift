import DelotonConcurrency
import DelotonCore
import Foundation
import Logging
import PostgresNIO
import Synchronization

/// How deloton connects: one place that turns `PostgresSettings` into PostgresNIO configurations.
package enum PostgresConnector {
    /// Unqualified names resolve to the warehouse's schemas, for shared SQL and the ingest path alike.
    static let searchPath = "production, staging"

    static func connectionConfiguration(_ s: PostgresSettings) throws -> PostgresConnection.Configuration {
        var c = PostgresConnection.Configuration(host: s.host, port: s.port, username: s.user, password: s.password,
                                                 database: s.database, tls: try connectionTLS(s))
        c.options.connectTimeout = .milliseconds(Int64(s.connectTimeout * 1000))
        c.options.additionalStartupParameters = [("search_path", searchPath), ("application_name", "deloton")]
        return c
    }

    static func clientConfiguration(_ s: PostgresSettings) throws -> PostgresClient.Configuration {
        var c = PostgresClient.Configuration(host: s.host, port: s.port, username: s.user, password: s.password,
                                             database: s.database, tls: clientTLS(s))
        c.options.connectTimeout = .milliseconds(Int64(s.connectTimeout * 1000))
        c.options.additionalStartupParameters = [("search_path", searchPath), ("application_name", "deloton")]
        c.options.maximumConnections = s.poolSize
        c.options.minimumConnections = 0
        return c
    }

    private static func tlsConfiguration(_ s: PostgresSettings) -> TLSConfiguration {
        var tls = TLSConfiguration.makeClientConfiguration()
        if let roots = s.rootCertificatePath { tls.trustRoots = .file(roots) }
        switch s.tls {
        case .verifyFull: tls.certificateVerification = .fullVerification
        case .verifyCA: tls.certificateVerification = .noHostnameVerification
        // libpq: with a root certificate given, `require` checks the chain as `verify-ca` does.
        case .require where s.rootCertificatePath != nil: tls.certificateVerification = .noHostnameVerification
        // libpq's `require`/`prefer` encrypt without checking who answers.
        default: tls.certificateVerification = .none
        }
        return tls
    }

    private static func clientTLS(_ s: PostgresSettings) -> PostgresClient.Configuration.TLS {
        switch s.tls {
        case .disable, .allow: return .disable
        case .prefer: return .prefer(tlsConfiguration(s))
        case .require, .verifyCA, .verifyFull: return .require(tlsConfiguration(s))
        }
    }

    private static func connectionTLS(_ s: PostgresSettings) throws -> PostgresConnection.Configuration.TLS {
        switch s.tls {
        case .disable, .allow: return .disable
        case .prefer: return .prefer(try NIOSSLContext(configuration: tlsConfiguration(s)))
        case .require, .verifyCA, .verifyFull: return .require(try NIOSSLContext(configuration: tlsConfiguration(s)))
        }
    }

    /// One connection, given up after the connect timeout (the login included) so that a
    /// wrong host or password fails in seconds with a message naming the setting to fix.
    package static func connect(_ s: PostgresSettings, logger: Logger, id: Int) async throws -> PostgresConnection {
        let configuration: PostgresConnection.Configuration
        do {
            configuration = try connectionConfiguration(s)
        } catch {
            throw WarehouseError(.configuration, "cannot set up TLS for PostgreSQL (sslmode=\(s.tls.rawValue)): \(error)")
        }
        let limit = s.connectTimeout
        do {
            return try await withDeadline(.nanoseconds(Int64(limit * 2 * 1_000_000_000))) {
                try await PostgresConnection.connect(configuration: configuration, id: id, logger: logger)
            }
        } catch is DeadlineExceeded {
            throw WarehouseError(.unavailable,
                "PostgreSQL at \(s.host):\(s.port) did not complete the login within \(Int(limit * 2)) s: check that it is running and reachable (\(flag: .database) / \(variable: .database))",
                setting: .database)
        } catch let e as WarehouseError {
            throw e
        } catch {
            let failure = PostgresFailure.describe(error, settings: s, doing: "connect")
            if failure.kind == .configuration { throw failure }
            throw WarehouseError(.unavailable,
                "cannot connect to PostgreSQL at \(s.host):\(s.port) as \(s.user): \(reason(error)) (check that it is running and reachable, and \(flag: .database) / \(variable: .database))",
                setting: .database)
        }
    }

    private static func reason(_ error: any Error) -> String {
        if let p = error as? PSQLError, let u = p.underlying { return "\(u)" }
        if let p = error as? PSQLError { return "\(p.code)" }
        return "\(error)"
    }
}

/// The ingest path's own connection: one writer at a time, reconnected after it is lost.
///
/// Not the pool: a pool request waits (up to a minute) for the server to come back, while the
/// ingest loop wants to hear `.unavailable` at once, back off, and retry the same batch.
actor PostgresIngestLane {
    private let settings: PostgresSettings
    private let logger: Logger
    private var connection: PostgresConnection?
    private var busy = false
    private var waiters: [CheckedContinuation<Void, Never>] = []
    private var nextID = 1000

    init(settings: PostgresSettings, logger: Logger) {
        self.settings = settings
        self.logger = logger
    }

    /// Runs `body` alone on the lane's connection; a connection that failed is dropped so the next call reconnects.
    /// `limit` replaces `operation_timeout` for work that may rightly take longer than a batch (migrations).
    func run<T: Sendable>(doing what: String, limit: Duration? = nil,
                          _ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        await acquire()
        defer { release() }
        let c: PostgresConnection
        if let existing = connection, !existing.isClosed {
            c = existing
        } else {
            nextID += 1
            c = try await PostgresConnector.connect(settings, logger: logger, id: nextID)
            connection = c
        }
        do {
            return try await Self.withDeadline(limit ?? .milliseconds(Int64(settings.operationTimeout * 1000)), on: c, doing: what) {
                try await body(c)
            }
        } catch {
            let failure = PostgresFailure.describe(error, settings: settings, doing: what)
            if failure.kind == .unavailable || c.isClosed {
                connection = nil
                try? await c.close()
            }
            throw failure
        }
    }

    /// How long `body` may still report its own error once its connection has closed, before
    /// `withDeadline` answers for it: the server's message ("terminating connection due to
    /// administrator command") says more than ours, and arrives within milliseconds when it comes.
    static let closedGrace: Duration = .seconds(1)

    /// Runs `body`, unless it outlives `limit` or its connection closes under it: then the call
    /// fails as unavailable without waiting for `body` any longer (and, past `limit`, the
    /// connection is closed).
    ///
    /// Why the watch on the connection: PostgresNIO 1.33 loses a COPY that is waiting for the
    /// socket to drain when the server goes away. An error in the `copyingData` state replaces the
    /// pending back-pressure promise with the error state without failing the promise, so the
    /// writer's `write` never returns although the channel is closed (pg_ctl stop -m fast in the
    /// middle of a large batch did this in one run of two). `operation_timeout` alone would hold
    /// ingest for its whole length; a closed channel is certain, so it is acted on within a second.
    ///
    /// Unstructured, unlike `DelotonConcurrency.withDeadline`: that one returns only once its work
    /// has ended, and this work may never end; it is abandoned, not awaited.
    static func withDeadline<T: Sendable>(_ limit: Duration, on c: PostgresConnection, doing what: String,
                                          _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        let outcome = Once()
        let work = Task { try await body() }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
                let watch = Task {
                    let clock = ContinuousClock()
                    let deadline = clock.now + limit
                    var closedAt: ContinuousClock.Instant?
                    // Polled, not a callback on `closeFuture`: the lane's connection lives for
                    // millions of batches, and a callback per batch would pile up on it until it closes.
                    while clock.now < deadline {
                        do { try await Task.sleep(for: min(.milliseconds(200), deadline - clock.now)) } catch { return }
                        guard c.isClosed else { continue }
                        let since = closedAt ?? clock.now
                        closedAt = since
                        if clock.now - since >= closedGrace {
                            guard outcome.claim() else { return }
                            work.cancel()
                            continuation.resume(throwing: WarehouseError(.unavailable,
                                "lost the connection to PostgreSQL while trying to \(what); it will be reopened"))
                            return
                        }
                    }
                    guard !Task.isCancelled, outcome.claim() else { return }
                    work.cancel()
                    c.close().whenComplete { _ in withExtendedLifetime(c) {} }
                    continuation.resume(throwing: WarehouseError(.unavailable,
                        "PostgreSQL did not finish trying to \(what) within \(limit) (operation_timeout); the connection was dropped and will be reopened"))
                }
                Task {
                    let result: Result<T, any Error>
                    do { result = .success(try await work.value) } catch { result = .failure(error) }
                    watch.cancel()
                    if outcome.claim() { continuation.resume(with: result) }
                }
            }
        } onCancel: {
            work.cancel()
        }
    }

    /// The first of the work and the timer to finish answers the caller.
    private final class Once: Sendable {
        private let done = Mutex(false)

        func claim() -> Bool {
            done.withLock { done in
                defer { done = true }
                return !done
            }
        }
    }

    func close() async {
        if let c = connection { try? await c.close() }
        connection = nil
    }

    /// A warehouse dropped without `close()` (an error on the way) must not leak its connection;
    /// the closure holds the connection until its channel is closed, as PostgresNIO requires.
    deinit {
        guard let c = connection else { return }
        c.close().whenComplete { _ in withExtendedLifetime(c) {} }
    }

    private func acquire() async {
        if !busy { busy = true; return }
        await withCheckedContinuation { waiters.append($0) }
    }

    private func release() {
        if waiters.isEmpty { busy = false } else { waiters.removeFirst().resume() }
    }
}
