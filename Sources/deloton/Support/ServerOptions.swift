import ArgumentParser
import DelotonServer
import Foundation
import ServiceLifecycle

/// The API and dashboard settings shared by `serve` and `run`.
struct ServerOptions: ParsableArguments {
    @Option(help: "Address to listen on [DELOTON_HOST] (default 127.0.0.1; 0.0.0.0 in containers)") var host: String?
    @Option(help: "Port to listen on [DELOTON_PORT] (default 8080)") var port: Int?
    @Flag(help: "Every route but /health and /metrics needs a read key [DELOTON_REQUIRE_KEY_FOR_READS]")
    var requireKeyForReads = false
    @Option(help: "Origin allowed to call the API from a browser (CORS) [DELOTON_CORS_ORIGIN]") var corsOrigin: String?
    @Option(help: "Chart.js file the dashboard serves [DELOTON_CHARTJS_PATH] (default Debian's libjs-chart.js)")
    var chartjsPath: String?

    func config(timezone: String) throws -> ServerConfig {
        let portText = port.map(String.init) ?? Env.value("DELOTON_PORT") ?? "8080"
        guard let port = Int(portText) else { throw CLIFailure.usage("--port \(portText) is not a number: use 1 to 65535") }
        var dashboard = DashboardOptions(displayZone: timezone)
        if let path = chartjsPath ?? Env.value("DELOTON_CHARTJS_PATH") { dashboard.chartJSPath = path }
        do {
            return try ServerConfig(
                host: host ?? Env.value("DELOTON_HOST") ?? "127.0.0.1", port: port, timezone: timezone,
                requireKeyForReads: requireKeyForReads || Env.flag("DELOTON_REQUIRE_KEY_FOR_READS"),
                corsOrigin: corsOrigin ?? Env.value("DELOTON_CORS_ORIGIN"), dashboard: dashboard)
        } catch let error as ServerConfigError {
            throw CLIFailure.usage(error.description)
        }
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
