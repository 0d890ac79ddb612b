import DelotonCore

/// What one `serve` process lets clients hold, so that a few misbehaving or hostile clients
/// (connections that never finish their headers, dashboards by the hundred) cannot starve the
/// rest: `/health` must keep answering.
public struct ServerLimits: Sendable, Equatable {
    /// Seconds a new connection has to send its first request's headers before it is closed
    /// (against connections opened and left half-written).
    public var headerReadTimeout: Double
    /// Seconds a connection may sit with no request in progress before it is closed. An open
    /// event stream is a request in progress, so live dashboards are not cut.
    public var idleTimeout: Double
    /// Connections open at once; past it new ones wait in the listen backlog until one closes.
    public var maxConnections: Int
    /// Live feeds (`/events`) open at once on this process; more are refused with 429.
    public var maxEventStreams: Int
    /// Live feeds open at once from one client address (behind a proxy, the proxy's).
    public var maxEventStreamsPerAddress: Int

    public init(headerReadTimeout: Double = 10, idleTimeout: Double = 75, maxConnections: Int = 2048,
                maxEventStreams: Int = 512, maxEventStreamsPerAddress: Int = 16) {
        self.headerReadTimeout = headerReadTimeout; self.idleTimeout = idleTimeout
        self.maxConnections = maxConnections; self.maxEventStreams = maxEventStreams
        self.maxEventStreamsPerAddress = maxEventStreamsPerAddress
    }

    /// The first setting out of range, or nil when all are usable.
    public var problem: ServerConfigError? {
        func outOfRange(_ setting: Setting, _ range: String) -> ServerConfigError {
            ServerConfigError(description: "\(flag: setting) must be \(range)", setting: setting)
        }
        if !(headerReadTimeout >= 0.1 && headerReadTimeout <= 3600) { return outOfRange(.headerTimeout, "0.1 to 3600 seconds") }
        if !(idleTimeout >= 1 && idleTimeout <= 86_400) { return outOfRange(.idleTimeout, "1 to 86400 seconds") }
        if !(1...1_000_000).contains(maxConnections) { return outOfRange(.maxConnections, "1 to 1000000") }
        if !(0...1_000_000).contains(maxEventStreams) { return outOfRange(.maxEventStreams, "0 to 1000000") }
        if !(1...1_000_000).contains(maxEventStreamsPerAddress) { return outOfRange(.maxEventStreamsPerAddress, "1 to 1000000") }
        return nil
    }
}
