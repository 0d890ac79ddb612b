import DelotonCore
import Foundation

/// How the dashboard is served: where Chart.js is and how quickly a silent bike counts as not in
/// use. Times are shown in the server's display zone (`ServerConfig.displayZone`).
public struct DashboardOptions: Sendable {
    /// Serves the dashboard and its live feed beside the API.
    public var enabled: Bool
    /// Chart.js 3 (UMD build), served at `/chart.js`; Debian's libjs-chart.js installs it here.
    public var chartJSPath: String
    /// Seconds without a reading after which a bike shows "not in use".
    public var notInUseAfter: Double
    /// Seconds between two reads of the warehouse by the live poller.
    public var pollInterval: Double
    /// The same while the warehouse's change feed is listening (PostgreSQL), when every commit
    /// wakes the poller anyway: the poll then only shows what time alone changes (a bike turning
    /// "not in use" after `notInUseAfter`, at most this late) and keeps up if a notification
    /// were missed. 5 s is a fifth of the queries, and well inside the 15 s keep-alive.
    public var pushedPollInterval: Double
    /// Seconds two polls start apart at least, however often commits wake the poller.
    public var minimumPollGap: Double
    /// Seconds a silent bike stays on the board (as "not in use") before it is dropped.
    public var liveWindow: Double
    /// Seconds of readings the live charts show.
    public var historySeconds: Int
    /// Seconds between SSE comments that keep idle connections (and proxies) open.
    public var heartbeatInterval: Double
    /// Serve the page's files from this folder instead of the bundled copy (for editing them live).
    public var assetsDirectory: String?
    /// The server's clock; tests inject their own.
    public var clock: @Sendable () -> Instant

    public static let defaultChartJSPath = "/usr/share/javascript/chart.js/chart.min.js"

    public init(enabled: Bool = true, chartJSPath: String = DashboardOptions.defaultChartJSPath,
                notInUseAfter: Double = 30, pollInterval: Double = 1, pushedPollInterval: Double = 5,
                minimumPollGap: Double = 0.25, liveWindow: Double = 600,
                historySeconds: Int = 300, heartbeatInterval: Double = 15, assetsDirectory: String? = nil,
                clock: @escaping @Sendable () -> Instant = { Instant(seconds: Date().timeIntervalSince1970) }) {
        self.enabled = enabled
        self.chartJSPath = chartJSPath; self.notInUseAfter = notInUseAfter
        self.pollInterval = pollInterval; self.pushedPollInterval = pushedPollInterval
        self.minimumPollGap = minimumPollGap; self.liveWindow = liveWindow; self.historySeconds = historySeconds
        self.heartbeatInterval = heartbeatInterval; self.assetsDirectory = assetsDirectory; self.clock = clock
    }
}
