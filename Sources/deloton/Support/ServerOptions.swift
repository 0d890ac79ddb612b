import ArgumentParser
import DelotonCore
import DelotonServer
import Foundation
import ServiceLifecycle

/// The API and dashboard settings shared by `serve` and `run`.
struct ServerOptions: ParsableArguments {
    @Option(help: "Address to listen on [\(variable: .host)] (default 127.0.0.1; 0.0.0.0 in containers)") var host: String?
    @Option(help: "Port to listen on [\(variable: .port)] (default 8080)") var port: Int?
    @Flag(help: """
        UNSAFE: every read route, the dashboard and its live feed included, answers without a credential, \
        so anyone who reaches the server reads riders' personal and health data [\(variable: .publicReads)]
        """)
    var publicReads = false
    // Reads need a credential by default now; the old flag and variable are still accepted so
    // scripts that pass them keep working.
    @Flag(help: .hidden) var requireKeyForReads = false
    @Flag(help: "Print no one-time sign-in link at start, for a server whose output goes to logs that others read [\(variable: .noSignInLink)]")
    var noSignInLink = false
    @Option(help: "Hours a dashboard sign-in lasts [\(variable: .sessionHours)] (default 12)") var sessionHours: Double?
    @Option(help: "Seconds a new connection has to send its request headers [\(variable: .headerTimeout)] (default 10)")
    var headerTimeout: Double?
    @Option(help: "Seconds an idle keep-alive connection is kept [\(variable: .idleTimeout)] (default 75)") var idleTimeout: Double?
    @Option(help: "Connections open at once; more wait in the backlog [\(variable: .maxConnections)] (default 2048)")
    var maxConnections: Int?
    @Option(help: "Live dashboard feeds open at once [\(variable: .maxEventStreams)] (default 512)") var maxEventStreams: Int?
    @Option(help: "Live feeds open at once from one client address [\(variable: .maxEventStreamsPerAddress)] (default 16)")
    var maxEventStreamsPerAddress: Int?
    @Option(help: "Origin allowed to call the API from a browser (CORS) [\(variable: .corsOrigin)]") var corsOrigin: String?
    @Option(help: "Chart.js file the dashboard serves [\(variable: .chartjsPath)] (default Debian's libjs-chart.js)")
    var chartjsPath: String?

    /// The link signs in whoever holds it within the hour: on a terminal that is the person who
    /// started the server, in a container's collected output anyone who reads the logs.
    var printsSignInLink: Bool { !(noSignInLink || Env.flag(.noSignInLink)) }

    func config(zone: Zone) throws -> ServerConfig {
        let portText = port.map(String.init) ?? Env.value(.port) ?? "8080"
        guard let port = Int(portText) else { throw CLIFailure.usage("\(flag: .port) \(portText) is not a number: use 1 to 65535") }
        var dashboard = DashboardOptions()
        if let path = chartjsPath ?? Env.value(.chartjsPath) { dashboard.chartJSPath = path }
        do {
            return try ServerConfig(
                host: host ?? Env.value(.host) ?? "127.0.0.1", port: port, displayZone: zone,
                publicReads: publicReads || Env.flag(.publicReads),
                sessionLifetimeSeconds: try sessionSeconds(),
                corsOrigin: corsOrigin ?? Env.value(.corsOrigin), dashboard: dashboard, limits: try limits())
        } catch let error as ServerConfigError {
            throw CLIFailure.usage(error.description)
        }
    }

    private func limits() throws -> ServerLimits {
        var limits = ServerLimits()
        func number<T: LosslessStringConvertible>(_ flag: T?, _ variable: String, _ name: String) throws -> T? {
            guard let text = flag.map({ "\($0)" }) ?? Env.value(variable) else { return nil }
            guard let value = T(text) else { throw CLIFailure.usage("--\(name) \(text) is not a number") }
            return value
        }
        if let v = try number(headerTimeout, "\(variable: .headerTimeout)", "header-timeout") { limits.headerReadTimeout = v }
        if let v = try number(idleTimeout, "\(variable: .idleTimeout)", "idle-timeout") { limits.idleTimeout = v }
        if let v = try number(maxConnections, "\(variable: .maxConnections)", "max-connections") { limits.maxConnections = v }
        if let v = try number(maxEventStreams, "\(variable: .maxEventStreams)", "max-event-streams") { limits.maxEventStreams = v }
        if let v = try number(maxEventStreamsPerAddress, "\(variable: .maxEventStreamsPerAddress)", "max-event-streams-per-address") {
            limits.maxEventStreamsPerAddress = v
        }
        return limits
    }

    private func sessionSeconds() throws -> Int64 {
        let text = sessionHours.map { String($0) } ?? Env.value(.sessionHours) ?? "12"
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
