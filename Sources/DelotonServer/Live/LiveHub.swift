import DelotonConcurrency
import DelotonCore
import DelotonStore
import Logging

/// One poller per server instance, shared by every open dashboard.
///
/// It reads the warehouse once per `pollInterval` while at least one client listens, and
/// hands every client the same already-encoded text: only bikes that changed, so a hundred
/// dashboards cost one query and a hundred socket writes a second. Any number of `serve`
/// instances can run side by side, each with its own poller on the shared warehouse.
///
/// On PostgreSQL the warehouse's change feed wakes the poller as soon as any process commits
/// rides or readings (ingest commits within 25 ms of a reading, so a ride in progress still
/// moves every second), and the poll falls back to `pushedPollInterval`: it is then only for
/// what time alone changes (a silent bike turning "not in use", the keep-alive).
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
    private let wake = WakeSignal()
    /// Follows the warehouse's change feed while the poller runs.
    private var follower: Task<Void, Never>?
    /// Whether the change feed is listening, so every commit wakes the poller.
    private var pushed = false
    private var lastPollStarted = ContinuousClock.now - .seconds(60)
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
        stopPoller()
    }

    /// The whole board as JSON, read fresh unless the poller keeps it current.
    func snapshot() async -> String {
        await ensureCurrent()
        return board.snapshotJSON(now: options.clock(), zone: zone)
    }

    /// Polls now instead of at the next tick: `deloton run` calls it after each ingest batch,
    /// the change feed after each commit of any process.
    nonisolated func nudge() { wake.signal() }

    // MARK: -

    private func ensureCurrent() async {
        guard !current else { return }
        await poll()
        if poller != nil { current = true }
    }

    private func startPollerIfNeeded() {
        guard poller == nil else { return }
        current = true
        let wake = self.wake
        poller = Task { [weak self] in
            while !Task.isCancelled {
                guard let pause = await self?.pause() else { return }
                await wake.wait(timeout: pause)
                guard let self, await self.tick() else { return }
            }
        }
        let changes = warehouse.changes
        follower = Task { [weak self] in
            for await event in changes.subscribe() {
                guard let self else { return }
                await self.follow(event)
            }
        }
    }

    private func stopPoller() {
        poller?.cancel()
        poller = nil
        follower?.cancel()
        follower = nil
        pushed = false
        current = false
    }

    private func follow(_ event: ChangeFeedEvent) {
        switch event {
        case .listening:
            // Catch up with what was committed while nobody listened.
            pushed = true
            wake.signal()
        case .lost:
            pushed = false
            wake.signal()
        case .committed(let changes):
            if !changes.isDisjoint(with: [.rides, .readings, .alerts]) { wake.signal() }
        }
    }

    /// How long the poller may wait for a wake-up before it polls anyway.
    private func pause() -> Duration {
        // Never slower to poll than without a feed would be, whatever the options say.
        .seconds(pushed ? max(options.pollInterval, options.pushedPollInterval) : options.pollInterval)
    }

    /// One poll and broadcast; false when nobody listens any more and the poller should stop.
    private func tick() async -> Bool {
        guard !clients.isEmpty else {
            stopPoller()
            return false
        }
        // Commits of many bikes can come every few milliseconds: polls start at most
        // `minimumPollGap` apart, so a busy warehouse costs each replica a few polls a second.
        let since = ContinuousClock.now - lastPollStarted
        let gap = Duration.seconds(min(options.minimumPollGap, options.pollInterval))
        if since < gap { try? await Task.sleep(for: gap - since) }
        guard !clients.isEmpty else {
            stopPoller()
            return false
        }
        lastPollStarted = .now
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
