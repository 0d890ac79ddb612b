import ArgumentParser
import DelotonCore
import DelotonServer
import Foundation
import ServiceLifecycle

/// The API and dashboard settings shared by `serve` and `run`.
struct ServerOptions: ParsableArguments {
    @Option(help: .setting(.host)) var host: String?
    @Option(help: .setting(.port)) var port: Int?
    @Flag(help: .setting(.publicReads)) var publicReads = false
    // Reads need a credential by default now; the old flag and variable are still accepted so
    // scripts that pass them keep working.
    @Flag(help: .hidden) var requireKeyForReads = false
    @Flag(help: .setting(.noSignInLink)) var noSignInLink = false
    @Option(help: .setting(.sessionHours)) var sessionHours: Double?
    @Option(help: .setting(.headerTimeout)) var headerTimeout: Double?
    @Option(help: .setting(.idleTimeout)) var idleTimeout: Double?
    @Option(help: .setting(.maxConnections)) var maxConnections: Int?
    @Option(help: .setting(.maxEventStreams)) var maxEventStreams: Int?
    @Option(help: .setting(.maxEventStreamsPerAddress)) var maxEventStreamsPerAddress: Int?
    @Option(help: .setting(.corsOrigin)) var corsOrigin: String?
    @Option(help: .setting(.chartjsPath)) var chartjsPath: String?

    /// The link signs in whoever holds it within the hour: on a terminal that is the person who
    /// started the server, in a container's collected output anyone who reads the logs.
    var printsSignInLink: Bool { !(noSignInLink || Env.flag(.noSignInLink)) }

    func config(zone: Zone) throws -> ServerConfig {
        let portText = Env.text(.port, flag: port.map(String.init))
        guard let port = Int(portText) else { throw CLIFailure.usage("\(flag: .port) \(portText) is not a number: use 1 to 65535") }
        var dashboard = DashboardOptions()
        dashboard.chartJSPath = Env.text(.chartjsPath, flag: chartjsPath)
        do {
            return try ServerConfig(
                host: Env.text(.host, flag: host), port: port, displayZone: zone,
                publicReads: publicReads || Env.flag(.publicReads),
                sessionLifetimeSeconds: try sessionSeconds(),
                corsOrigin: corsOrigin ?? Env.value(.corsOrigin), dashboard: dashboard, limits: try limits())
        } catch let error as ServerConfigError {
            throw CLIFailure.usage(error.description)
        }
    }

    private func limits() throws -> ServerLimits {
        var limits = ServerLimits()
        // The limits' own defaults are what the table shows, so only a given value is read.
        func number<T: LosslessStringConvertible>(_ flag: T?, _ setting: Setting) throws -> T? {
            guard let text = flag.map({ "\($0)" }) ?? Env.value(setting) else { return nil }
            guard let value = T(text) else { throw CLIFailure.usage("\(flag: setting) \(text) is not a number") }
            return value
        }
        if let v = try number(headerTimeout, .headerTimeout) { limits.headerReadTimeout = v }
        if let v = try number(idleTimeout, .idleTimeout) { limits.idleTimeout = v }
        if let v = try number(maxConnections, .maxConnections) { limits.maxConnections = v }
        if let v = try number(maxEventStreams, .maxEventStreams) { limits.maxEventStreams = v }
        if let v = try number(maxEventStreamsPerAddress, .maxEventStreamsPerAddress) { limits.maxEventStreamsPerAddress = v }
        return limits
    }

    private func sessionSeconds() throws -> Int64 {
        let text = Env.text(.sessionHours, flag: sessionHours.map { String($0) })
        guard let hours = Double(text), hours.isFinite, hours >= 0.1, hours <= 24 * 366 else {
            throw CLIFailure.usage("\(flag: .sessionHours) \(text) is not usable: give hours from 0.1 to 8784, e.g. 12")
        }
        return Int64(hours * 3600)
    }
}

/// The API and dashboard as a service of `serve` and `run`. On graceful shutdown the live feed
/// closes its event streams, so that the server's own drain (stop accepting, answer the requests
/// in flight) does not wait for open dashboards.
struct APIServer: Service {
    let app: any Service
    let liveFeed: LiveFeed?

    func run() async throws {
        let liveFeed = self.liveFeed
        try await withGracefulShutdownHandler {
            try await app.run()
        } onGracefulShutdown: {
            if let liveFeed { Task { await liveFeed.closeAll() } }
        }
    }
}
