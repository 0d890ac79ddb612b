import DelotonConcurrency
import Foundation
import Logging

/// Tells the outside world that rides ended (issue 6, the ride webhook setting): each ended ride's
/// JSON summary, the ride object of interface.md, is POSTed to the webhook, with retries.
///
/// The JSON comes from an injected renderer (the API's ride renderer, in the program), so that
/// this module does not depend on the API. Retries live in memory: a ride summary is a courtesy,
/// not a record; the warehouse keeps the ride whatever happens to the webhook.
///
///     let notifier = RideWebhookNotifier(client: client, render: renderRide, logger: logger)
///     let task = Task { await notifier.run() }
///     notifier.ridesEnded(outcome.endedRideIDs)      // after each committed batch
///     notifier.finish(); await task.value
public actor RideWebhookNotifier {
    /// The ride's JSON, or nil when there is no such ride any more (deleted meanwhile).
    public typealias Renderer = @Sendable (Int64) async throws -> [UInt8]?

    public struct Settings: Sendable {
        /// Attempts per ride before it is given up (logged).
        public var maxAttempts: Int
        public var backoff: RetryBackoff

        public init(maxAttempts: Int = 8, backoff: RetryBackoff = RetryBackoff(initial: .seconds(1), maximum: .seconds(60))) {
            self.maxAttempts = max(1, maxAttempts)
            self.backoff = backoff
        }
    }

    /// What happened to one ride's notification.
    public enum Outcome: Sendable, Equatable {
        case delivered(attempts: Int)
        case gaveUp(reason: String, attempts: Int)
        /// The ride was gone before it could be rendered.
        case skipped
    }

    private let client: WebhookClient?
    private let render: Renderer
    private let settings: Settings
    private let logger: Logger
    private let onRendered: (@Sendable (Int64, [UInt8]) -> Void)?
    private let onOutcome: (@Sendable (Int64, Outcome) -> Void)?
    private let rides: AsyncStream<Int64>
    private let continuation: AsyncStream<Int64>.Continuation

    /// - Parameters:
    ///   - client: where to POST; nil to only render (and, through `onRendered`, log) each ride.
    ///   - onRendered: given each ride's JSON once rendered (`deloton run` logs it).
    ///   - onOutcome: told how each ride's notification ended.
    public init(
        client: WebhookClient?, render: @escaping Renderer, settings: Settings = Settings(),
        logger: Logger = Logger(label: "deloton.ride-webhook"),
        onRendered: (@Sendable (Int64, [UInt8]) -> Void)? = nil,
        onOutcome: (@Sendable (Int64, Outcome) -> Void)? = nil
    ) {
        self.client = client
        self.render = render
        self.settings = settings
        self.logger = logger
        self.onRendered = onRendered
        self.onOutcome = onOutcome
        (rides, continuation) = AsyncStream.makeStream(of: Int64.self)
    }

    /// Queues the rides that a committed batch ended; returns at once.
    public nonisolated func ridesEnded(_ ids: [Int64]) {
        for id in ids { continuation.yield(id) }
    }

    /// No more rides will come: `run()` returns once the queued ones are delivered or given up.
    public nonisolated func finish() {
        continuation.finish()
    }

    /// Posts queued rides, several at once, until `finish()` or cancellation.
    public func run() async {
        await withDiscardingTaskGroup { group in
            for await id in rides {
                group.addTask { await self.notify(id) }
            }
        }
    }

    private func notify(_ id: Int64) async {
        var attempts = 0
        var body: [UInt8]?
        var reason = ""
        while attempts < settings.maxAttempts, !Task.isCancelled {
            attempts += 1
            do {
                if body == nil {
                    guard let rendered = try await render(id) else {
                        logger.debug("ended ride is gone; nothing to notify", metadata: ["ride": "\(id)"])
                        onOutcome?(id, .skipped)
                        return
                    }
                    body = rendered
                    onRendered?(id, rendered)
                    guard client != nil else {
                        onOutcome?(id, .delivered(attempts: attempts))
                        return
                    }
                }
                if let client, let body {
                    try await client.post(json: body)
                    logger.debug("ride webhook delivered", metadata: ["ride": "\(id)", "endpoint": "\(client.endpoint)"])
                    onOutcome?(id, .delivered(attempts: attempts))
                    return
                }
            } catch let error as WebhookError {
                reason = error.reason
                guard error.isTransient else { break }
            } catch {
                // The renderer failed (the warehouse is busy or down): worth another try.
                reason = "cannot render ride \(id): \(error)"
            }
            guard attempts < settings.maxAttempts else { break }
            try? await Task.sleep(for: settings.backoff.delay(afterAttempt: attempts))
        }
        if Task.isCancelled { return }
        logger.warning("ride webhook not delivered; giving up", metadata: [
            "ride": "\(id)", "attempts": "\(attempts)", "reason": "\(reason)",
        ])
        onOutcome?(id, .gaveUp(reason: reason, attempts: attempts))
    }
}
