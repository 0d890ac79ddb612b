import DelotonCore
import DelotonStore
import Foundation

/// How `deloton serve` (and the API part of `deloton run`) runs.
public struct ServerConfig: Sendable {
    public var host: String
    public var port: Int
    /// Shown times carry this zone's offset, and it decides which day a ride belongs to.
    public var displayZone: Zone
    /// Opens every read route (API, dashboard data and live feed) to anyone who can reach the
    /// server: riders' personal and health data with no credential. Unsafe beyond a machine of
    /// one's own; `/metrics` and writes still need a key.
    public var publicReads: Bool
    /// How long a dashboard session lasts from sign-in.
    public var sessionLifetimeSeconds: Int64
    /// How long the one-time sign-in link printed at start stays usable.
    public var signInLinkLifetimeSeconds: Int64
    /// The dashboard's origin when it is served from elsewhere (CORS); nil answers same-origin only.
    public var corsOrigin: String?
    /// The dashboard's assets and live feed (see Live/DashboardOptions.swift).
    public var dashboard: DashboardOptions
    /// Timeouts and caps on connections and live feeds (ServerLimits.swift).
    public var limits: ServerLimits
    /// How much of finished days' `/daily` answers this process keeps in memory.
    public var dailyCache = DailyPageCache.Limits()
    /// Called once a rider is erased from the warehouse, to erase the copies kept elsewhere (the
    /// command line removes their `.eml` files from the outbox).
    public var onRiderErased: (@Sendable (Deletion.ErasedRider) async -> Void)?
    /// Today's date for ages and default days; injected so tests can pin it.
    public var now: @Sendable () -> Instant

    /// `displayZone` nil is Europe/London, the default; throws when that zone is not installed.
    public init(host: String = "127.0.0.1", port: Int = 8080, displayZone: Zone? = nil,
                publicReads: Bool = false, sessionLifetimeSeconds: Int64 = 12 * 3600,
                signInLinkLifetimeSeconds: Int64 = 3600, corsOrigin: String? = nil,
                dashboard: DashboardOptions = DashboardOptions(), limits: ServerLimits = ServerLimits(),
                now: @escaping @Sendable () -> Instant = { Instant(seconds: Date().timeIntervalSince1970) }) throws {
        guard let zone = displayZone ?? Zone(identifier: "Europe/London") else {
            throw ServerConfigError(description: "\(flag: .timezone) 'Europe/London' is not a known time zone: use an IANA name such as Europe/London or UTC",
                                    setting: .timezone)
        }
        guard (0...65535).contains(port) else {
            throw ServerConfigError(description: "\(flag: .port) \(port) is out of range: use 1 to 65535 (0 picks a free port)",
                                    setting: .port)
        }
        guard sessionLifetimeSeconds >= 60, signInLinkLifetimeSeconds >= 60 else {
            throw ServerConfigError(description: "session and sign-in link lifetimes must be at least a minute")
        }
        self.host = host; self.port = port; self.displayZone = zone; self.publicReads = publicReads
        self.sessionLifetimeSeconds = sessionLifetimeSeconds; self.signInLinkLifetimeSeconds = signInLinkLifetimeSeconds
        if let problem = limits.problem { throw problem }
        self.corsOrigin = corsOrigin; self.dashboard = dashboard; self.limits = limits; self.now = now
    }
}

public struct ServerConfigError: Error, CustomStringConvertible, Sendable {
    public var description: String
    /// The setting to fix, when one is at fault.
    public var setting: Setting?

    public init(description: String, setting: Setting? = nil) {
        self.description = description
        self.setting = setting
    }
}
