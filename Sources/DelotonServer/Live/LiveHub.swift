import DelotonCore
import DelotonStore
import Logging

/// One poller per server instance, shared by every open dashboard.
///
/// It reads the warehouse once per `pollInterval` while at least one client listens, and
/// hands every client the same already-encoded text: only bikes that changed, so a hundred
/// dashboards cost one query and a hundred socket writes a second. Any number of `serve`
/// instances can run side by side, each with its own poller on the shared warehouse.
actor LiveHub {
    private let warehouse: any Warehouse
    private let options: DashboardOptions
    private let zone: Zone
    private let logger: Logger
    private var board: LiveBoard
    private var clients: [Int: AsyncStream<String>.Continuation] = [:]
    private var nextClient = 0
    private var poller: Task<Void, Never>?
    /// Set while the board reflects the warehouse (the poller runs and has polled once).
    private var current = false
    private var lastSentAt = Instant(microseconds: 0)
    private var sleeper: Task<Void, Never>?
    private var inFlight: Task<LiveBoard.Change?, Never>?

    init(warehouse: any Warehouse, options: DashboardOptions, zone: Zone, logger: Logger) {
        self.warehouse = warehouse
        self.options = options
        self.zone = zone
        self.logger = logger
        self.board = LiveBoard(options: options)
    }

    var clientCount: Int { clients.count }

    /// A new client: its stream starts with the whole board, then carries changes.
    func subscribe() async -> (id: Int, events: AsyncStream<String>) {
        let (stream, continuation) = AsyncStream<String>.makeStream(bufferingPolicy: .bufferingNewest(64))
        nextClient += 1
        let id = nextClient
        continuation.onTermination = { [weak self] _ in
            Task { await self?.unsubscribe(id) }
        }
        await ensureCurrent()
        // No suspension between the snapshot and joining the broadcast: the client sees every
        // change exactly once, either in the snapshot or after it.
        continuation.yield(Self.event("snapshot", board.snapshotJSON(now: options.clock(), zone: zone)))
        clients[id] = continuation
        startPollerIfNeeded()
        return (id, stream)
    }

    func unsubscribe(_ id: Int) {
        clients[id]?.finish()
        clients[id] = nil
    }

    /// Ends every stream, so the server's graceful shutdown need not wait for dashboards.
    func closeAll() {
        for c in clients.values { c.finish() }
        clients.removeAll()
        poller?.cancel()
        poller = nil
        current = false
    }

    /// The whole board as JSON, read fresh unless the poller keeps it current.
    func snapshot() async -> String {
        await ensureCurrent()
        return board.snapshotJSON(now: options.clock(), zone: zone)
    }

    /// Polls now instead of at the next tick: `deloton run` calls it after each ingest batch.
    func nudge() { sleeper?.cancel() }

    // MARK: -

    private func ensureCurrent() async {
        guard !current else { return }
        await poll()
        if poller != nil { current = true }
    }

    private func startPollerIfNeeded() {
        guard poller == nil else { return }
        current = true
        poller = Task { [weak self] in
            while !Task.isCancelled {
                guard let pause = await self?.makeSleeper() else { return }
                await pause.value
                guard let self, await self.tick() else { return }
            }
        }
    }

    /// A tick's pause; `nudge` cuts it short.
    private func makeSleeper() -> Task<Void, Never> {
        let interval = options.pollInterval
        let pause = Task<Void, Never> { try? await Task.sleep(for: .seconds(interval)) }
        sleeper = pause
        return pause
    }

    /// One poll and broadcast; false when nobody listens any more and the poller should stop.
    private func tick() async -> Bool {
        guard !clients.isEmpty else {
            poller = nil
            current = false
            return false
        }
        let change = await poll()
        let now = options.clock()
        if let change, !change.isEmpty {
            broadcast(Self.event("update", board.changeJSON(change, now: now, zone: zone)))
            lastSentAt = now
        } else if now.microseconds - lastSentAt.microseconds >= Int64(options.heartbeatInterval * 1_000_000) {
            broadcast(": keep-alive\n\n")
            lastSentAt = now
        }
        return true
    }

    /// Polls are never concurrent (a client joining while the poller runs shares its poll):
    /// two at once would both append the same new readings.
    @discardableResult
    private func poll() async -> LiveBoard.Change? {
        if let running = inFlight { return await running.value }
        let task = Task { await self.pollNow() }
        inFlight = task
        let change = await task.value
        inFlight = nil
        return change
    }

    private func pollNow() async -> LiveBoard.Change? {
        let now = options.clock()
        do {
            let rides = try await DashboardQueries.liveRides(
                on: warehouse.sql, sinceUs: now.microseconds - Int64(options.liveWindow * 1_000_000),
                startedAfterUs: now.microseconds - 86_400_000_000)
            let readings = try await DashboardQueries.readings(on: warehouse.sql, after: board.wanted(rides))
            return board.apply(rides: rides, readings: readings, now: now)
        } catch {
            // The board keeps its last state; clients see no change until the warehouse answers.
            logger.warning("live dashboard cannot read the warehouse: \(error)")
            return nil
        }
    }

    private func broadcast(_ text: String) {
        for c in clients.values { c.yield(text) }
    }

    static func event(_ name: String, _ data: String) -> String {
        "event: \(name)\ndata: \(data)\n\n"
    }
}
