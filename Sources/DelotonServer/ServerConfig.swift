import DelotonCore
import Foundation

/// How `deloton serve` (and the API part of `deloton run`) runs.
public struct ServerConfig: Sendable {
    public var host: String
    public var port: Int
    /// Shown times carry this zone's offset, and it decides which day a ride belongs to.
    public var displayZone: Zone
    /// Every route but `/health` and `/metrics` then needs a key (read scope or more).
    public var requireKeyForReads: Bool
    /// The dashboard's origin when it is served from elsewhere (CORS); nil answers same-origin only.
    public var corsOrigin: String?
    /// The dashboard's assets and live feed (see Live/DashboardOptions.swift).
    public var dashboard: DashboardOptions
    /// Today's date for ages and default days; injected so tests can pin it.
    public var now: @Sendable () -> Instant

    /// Throws when `timezone` is not an IANA zone name.
    public init(host: String = "127.0.0.1", port: Int = 8080, timezone: String = "Europe/London",
                requireKeyForReads: Bool = false, corsOrigin: String? = nil,
                dashboard: DashboardOptions = DashboardOptions(),
                now: @escaping @Sendable () -> Instant = { Instant(seconds: Date().timeIntervalSince1970) }) throws {
        guard let zone = Zone(identifier: timezone) else {
            throw ServerConfigError(description: "--timezone '\(timezone)' is not a known time zone: use an IANA name such as Europe/London or UTC")
        }
        guard (0...65535).contains(port) else {
            throw ServerConfigError(description: "--port \(port) is out of range: use 1 to 65535 (0 picks a free port)")
        }
        self.host = host; self.port = port; self.displayZone = zone; self.requireKeyForReads = requireKeyForReads
        self.corsOrigin = corsOrigin; self.dashboard = dashboard; self.now = now
    }
}

public struct ServerConfigError: Error, CustomStringConvertible, Sendable {
    public var description: String
}
