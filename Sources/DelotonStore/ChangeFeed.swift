/// Commits announced to every process on a warehouse as they happen, so that readers (the live
/// dashboard, the alert dispatchers) wake at once instead of at their next poll.
///
/// PostgreSQL pushes them (`PostgresChangeListener`: LISTEN/NOTIFY); SQLite, one host and one
/// process, pushes nothing (`NoChangeFeed`), and its readers keep polling. A feed never replaces
/// polling: notifications sent while a listener is reconnecting are lost, so a reader polls once
/// on `.listening` and keeps a slow poll as a fallback.
public protocol ChangeFeed: Sendable {
    /// Events from now on, until the warehouse closes or the subscriber stops iterating. A
    /// subscriber that joins while the feed is listening gets `.listening` first.
    func subscribe() -> AsyncStream<ChangeFeedEvent>
}

public enum ChangeFeedEvent: Sendable, Equatable {
    /// Listening, at first or again after the connection was lost. What was committed before
    /// this is not announced: read once to catch up.
    case listening
    /// The connection was lost: until `.listening` comes again, nothing is pushed, so poll at
    /// the usual pace.
    case lost
    /// A batch committed these changes (in any process, this one included).
    case committed(WarehouseChanges)
}

/// What a committed batch changed, as the notification's payload says it: words such as
/// `rides,readings,alerts`, never ids or personal data. Unknown words are ignored, so a newer
/// writer can announce more without confusing an older reader.
public struct WarehouseChanges: OptionSet, Sendable, Hashable {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }

    /// Rides ended. A ride under way is announced by its readings; one just begun, by its first
    /// reading a second later.
    public static let rides = WarehouseChanges(rawValue: 1 << 0)
    /// New readings were stored.
    public static let readings = WarehouseChanges(rawValue: 1 << 1)
    /// New alerts were recorded in the outbox.
    public static let alerts = WarehouseChanges(rawValue: 1 << 2)

    private static let words: [(String, WarehouseChanges)] = [("rides", .rides), ("readings", .readings), ("alerts", .alerts)]

    /// What readers of the warehouse would want to know; empty when the batch changed nothing
    /// they show (a replay, only quarantine or positions), which is then not announced.
    public init(_ outcome: WriteOutcome) {
        self = []
        if !outcome.endedRideIDs.isEmpty { insert(.rides) }
        if outcome.newReadings > 0 { insert(.readings) }
        if !outcome.newAlertIDs.isEmpty { insert(.alerts) }
    }

    public init(payload: String) {
        self = []
        for word in payload.split(separator: ",") {
            if let match = Self.words.first(where: { $0.0 == word }) { insert(match.1) }
        }
    }

    public var payload: String {
        Self.words.filter { contains($0.1) }.map(\.0).joined(separator: ",")
    }
}

/// The feed of a warehouse that pushes nothing (SQLite): the stream ends at once, so its
/// readers never hear `.listening` and keep their usual poll.
public struct NoChangeFeed: ChangeFeed {
    public init() {}

    public func subscribe() -> AsyncStream<ChangeFeedEvent> {
        AsyncStream { $0.finish() }
    }
}
