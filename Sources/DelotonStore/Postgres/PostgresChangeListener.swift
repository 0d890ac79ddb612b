import DelotonConcurrency
import DelotonCore
import Foundation
import Logging
import PostgresNIO
import Synchronization

/// The warehouse's change feed on PostgreSQL: LISTEN on a connection of its own, shared by every
/// reader in the process; ingest announces each batch (`announce`) inside its transaction.
///
/// Not the pool: a pooled connection goes back to the pool between queries, and LISTEN belongs
/// to one session. The connection opens at the first `subscribe()`, so commands that never read
/// changes (`migrate`, `report`) never open it. When it is lost (the server restarted, a failover)
/// subscribers hear `.lost`, the listener reconnects with backoff, and they hear `.listening`
/// again: what was committed in between was announced to nobody, so they read once to catch up.
public final class PostgresChangeListener: ChangeFeed {
    /// One channel for every deloton process on the database (channels are per database).
    public static let channel = "deloton_ingest"
    /// A server that vanished without closing the socket (a failover, a cut network) would leave
    /// a listener waiting for ever: a trivial query this often, which must answer within the
    /// login's limit, proves the connection alive; four a minute are nothing to the server.
    static let heartbeat: Duration = .seconds(15)
    /// Reconnection waits double from 250 ms to 5 s: a restart takes seconds, and a dashboard
    /// should not poll slowly for long after the server is back. Jittered, so that many replicas
    /// do not all reconnect in the same instant after a restart.
    static let reconnect = RetryBackoff(initial: .milliseconds(250), maximum: .seconds(5))

    private struct State {
        var subscribers: [Int: AsyncStream<ChangeFeedEvent>.Continuation] = [:]
        var nextSubscriber = 0
        var listening = false
        var task: Task<Void, Never>?
        var closed = false
    }

    private let settings: PostgresSettings
    private let logger: Logger
    private let state = Mutex(State())

    public init(settings: PostgresSettings, logger: Logger) {
        self.settings = settings
        self.logger = logger
    }

    public func subscribe() -> AsyncStream<ChangeFeedEvent> {
        // A slow subscriber loses the oldest events, never the newest: each one only says "read again".
        let (stream, continuation) = AsyncStream.makeStream(of: ChangeFeedEvent.self, bufferingPolicy: .bufferingNewest(256))
        let joined = state.withLock { s -> Bool in
            guard !s.closed else { return false }
            s.nextSubscriber += 1
            let id = s.nextSubscriber
            continuation.onTermination = { [weak self] _ in self?.remove(id) }
            s.subscribers[id] = continuation
            if s.listening { continuation.yield(.listening) }
            if s.task == nil { s.task = Task { await self.listen() } }
            return true
        }
        if !joined { continuation.finish() }
        return stream
    }

    /// Stops listening and ends every subscriber's stream; returns once the connection is closed.
    public func close() async {
        let (task, subscribers) = state.withLock { s -> (Task<Void, Never>?, [AsyncStream<ChangeFeedEvent>.Continuation]) in
            s.closed = true
            defer { s.subscribers = [:]; s.task = nil }
            return (s.task, Array(s.subscribers.values))
        }
        task?.cancel()
        await task?.value
        for c in subscribers { c.finish() }
    }

    /// For a warehouse dropped without `close()`: the task ends and closes its connection.
    func stop() {
        state.withLock { $0.task }?.cancel()
    }

    /// Tells every listener what a batch changed. Runs inside the batch's transaction: PostgreSQL
    /// delivers a notification when, and only if, that transaction commits, so a reader never
    /// wakes for a batch that rolled back, nor before the batch is visible to it.
    static func announce(_ outcome: WriteOutcome, on connection: PostgresConnection, logger: Logger) async throws {
        let changes = WarehouseChanges(outcome)
        guard !changes.isEmpty else { return }
        let rows = try await connection.query("SELECT pg_notify(\(channel), \(changes.payload))", logger: logger)
        for try await _ in rows {}
    }

    // MARK: -

    private func remove(_ id: Int) {
        _ = state.withLock { $0.subscribers.removeValue(forKey: id) }
    }

    private func broadcast(_ event: ChangeFeedEvent) {
        let subscribers = state.withLock { Array($0.subscribers.values) }
        for c in subscribers { c.yield(event) }
    }

    /// Records whether the listener is up; returns whether that changed.
    private func setListening(_ up: Bool) -> Bool {
        state.withLock { s in
            defer { s.listening = up }
            return s.listening != up
        }
    }

    /// Listens until cancelled, reconnecting after every loss.
    private func listen() async {
        var failures = 0
        var lostAt: ContinuousClock.Instant?
        var connectionID = 5000
        while !Task.isCancelled {
            var reason = "the connection closed"
            do {
                connectionID += 1
                let connection = try await PostgresConnector.connect(settings, logger: logger, id: connectionID)
                do {
                    try await connection.listen(on: Self.channel) { notifications in
                        failures = 0
                        if setListening(true) { broadcast(.listening) }
                        if let since = lostAt {
                            logger.info("listening to the warehouse's change notifications again", metadata: [
                                "channel": "\(Self.channel)",
                                "after_s": "\(String(format: "%.1f", (ContinuousClock.now - since) / .seconds(1)))",
                            ])
                        } else {
                            logger.debug("listening to the warehouse's change notifications", metadata: ["channel": "\(Self.channel)"])
                        }
                        lostAt = nil
                        try await self.relay(notifications, on: connection)
                    }
                } catch {
                    reason = Self.describe(error, settings: settings)
                }
                try? await connection.close()
            } catch {
                reason = Self.describe(error, settings: settings)
            }
            guard !Task.isCancelled else { break }
            if setListening(false) {
                lostAt = .now
                broadcast(.lost)
                logger.warning("lost the warehouse's change notifications; reconnecting, and polling meanwhile",
                               metadata: ["reason": "\(reason)"])
            } else {
                logger.debug("cannot listen to the warehouse's change notifications yet; will retry", metadata: ["reason": "\(reason)"])
            }
            failures += 1
            try? await Task.sleep(for: Self.reconnect.delay(afterAttempt: failures))
        }
        _ = setListening(false)
    }

    /// Hands every notification to the subscribers until the connection is lost (or the task is
    /// cancelled); the heartbeat closes a connection that stopped answering, which ends both.
    private func relay(_ notifications: PostgresNotificationSequence, on connection: PostgresConnection) async throws {
        let limit = Duration.milliseconds(Int64(max(settings.connectTimeout, 1) * 2000))
        let logger = self.logger
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                for try await n in notifications { self.broadcast(.committed(WarehouseChanges(payload: n.payload))) }
            }
            group.addTask {
                while true {
                    try await Task.sleep(for: Self.heartbeat)
                    let watchdog = Task {
                        try await Task.sleep(for: limit)
                        logger.warning("the warehouse did not answer the change listener's heartbeat; reconnecting")
                        try await connection.close()
                    }
                    defer { watchdog.cancel() }
                    for try await _ in try await connection.query("SELECT 1", logger: logger) {}
                }
            }
            // Either ending means the connection is gone (or we are stopping): end the other.
            defer { group.cancelAll() }
            _ = try await group.next()
        }
    }

    private static func describe(_ error: any Error, settings: PostgresSettings) -> String {
        PostgresFailure.describe(error, settings: settings, doing: "listen for changes").message
    }
}
