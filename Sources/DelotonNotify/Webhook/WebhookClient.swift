import CCurl
import Foundation
import Logging

/// POSTs JSON documents (the end-of-ride notification) to one HTTP(S) endpoint with libcurl.
///
/// Webhook URLs often carry their secret in the path or query, so neither errors nor logs
/// show more of the URL than its scheme, host and port.
public struct WebhookClient: Sendable {
    /// A one-line explanation of what is wrong with the configured URL.
    public struct ParseError: Error, Sendable, Equatable, CustomStringConvertible {
        public let message: String
        public var description: String { message }
    }

    private let url: String
    /// `scheme://host:port`, safe to show.
    public let endpoint: String
    private let headers: [String]
    private let connectTimeout: Duration
    private let timeout: Duration
    private let pool: CurlWorkerPool
    private let logger: Logger

    /// A checked address. Checking starts nothing (the client's threads start with the client),
    /// so a command checks its settings before it builds anything.
    public struct Target: Sendable {
        let url: String
        /// `scheme://host:port`, safe to show.
        public let endpoint: String

        public init(_ url: String) throws(ParseError) {
            guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(),
                  scheme == "http" || scheme == "https"
            else {
                throw ParseError(message: "webhook URL must start with http:// or https://, e.g. https://example.com/hooks/rides")
            }
            guard let host = components.host, !host.isEmpty else {
                throw ParseError(message: "webhook URL has no host: write it as https://host[:port]/path")
            }
            if let port = components.port, !(1...65535).contains(port) {
                throw ParseError(message: "webhook URL port \(port) is not between 1 and 65535")
            }
            self.url = url
            let port = components.port ?? (scheme == "https" ? 443 : 80)
            self.endpoint = "\(scheme)://\(host.contains(":") ? "[\(host)]" : host):\(port)"
        }
    }

    /// - Parameters:
    ///   - headers: extra request headers, e.g. `["Authorization": "Bearer …"]`.
    ///   - concurrency: how many POSTs may be in flight at once.
    public init(
        url: String, headers: [String: String] = [:], connectTimeout: Duration = .seconds(5),
        timeout: Duration = .seconds(10), concurrency: Int = 2,
        logger: Logger = Logger(label: "deloton.webhook")
    ) throws(ParseError) {
        self.init(target: try Target(url), headers: headers, connectTimeout: connectTimeout, timeout: timeout,
                  concurrency: concurrency, logger: logger)
    }

    public init(
        target: Target, headers: [String: String] = [:], connectTimeout: Duration = .seconds(5),
        timeout: Duration = .seconds(10), concurrency: Int = 2,
        logger: Logger = Logger(label: "deloton.webhook")
    ) {
        self.url = target.url
        self.endpoint = target.endpoint
        var lines = ["Content-Type: application/json", "User-Agent: deloton", "Expect:"]
        for (name, value) in headers.sorted(by: { $0.key < $1.key }) {
            let clean = value.unicodeScalars.filter { $0.value >= 0x20 && $0.value != 0x7F }
            lines.append("\(name.filter { $0 != ":" && !$0.isWhitespace }): \(String(String.UnicodeScalarView(clean)))")
        }
        self.headers = lines
        self.connectTimeout = connectTimeout
        self.timeout = timeout
        self.pool = CurlWorkerPool(name: "webhook", threads: concurrency)
        self.logger = logger
    }

    public func post(json: Data) async throws(WebhookError) {
        try await post(json: [UInt8](json))
    }

    /// Succeeds on any 2xx answer.
    public func post(json body: [UInt8]) async throws(WebhookError) {
        let context = CurlTransferContext(upload: body, captureReplies: false)
        let (url, headers, connectTimeout, timeout) = (self.url, self.headers, self.connectTimeout, self.timeout)
        let outcome = await withTaskCancellationHandler {
            await pool.run { handle in
                CurlTransfer.perform(handle, context: context, connectTimeout: connectTimeout, timeout: timeout) { handle in
                    ccurl_setopt_str(handle, CURLOPT_URL, url)
                    ccurl_setopt_str(handle, CURLOPT_PROTOCOLS_STR, "http,https")
                    ccurl_setopt_long(handle, CURLOPT_POST, 1)
                    ccurl_setopt_off_t(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(context.uploadSize))
                    var list: UnsafeMutablePointer<curl_slist>?
                    // "Expect:" stops libcurl from waiting up to a second for "100 Continue"
                    // from servers that never send it.
                    for line in headers { list = curl_slist_append(list, line) }
                    ccurl_setopt_slist(handle, CURLOPT_HTTPHEADER, list)
                    context.retain(list)
                }
            }
        } onCancel: {
            context.cancel()
        }
        if let error = Self.error(for: outcome, endpoint: endpoint) {
            logger.debug("webhook failed", metadata: ["endpoint": "\(endpoint)", "reason": "\(error.reason)"])
            throw error
        }
    }

    static func error(for outcome: CurlOutcome, endpoint: String) -> WebhookError? {
        guard outcome.succeeded else {
            if outcome.code == CURLE_ABORTED_BY_CALLBACK.rawValue {
                return .unreachable("the POST to \(endpoint) was cancelled")
            }
            if outcome.code == CURLE_OPERATION_TIMEDOUT.rawValue {
                return .unreachable("\(endpoint) did not answer in time")
            }
            // libcurl's message may quote the full URL; only its generic text is safe to show.
            let generic = String(cString: curl_easy_strerror(CURLcode(rawValue: outcome.code)))
            return .unreachable("cannot POST to \(endpoint): \(generic)")
        }
        let status = outcome.responseCode
        if (200..<300).contains(status) { return nil }
        return .status(code: status, reason: "\(endpoint) answered HTTP \(status)")
    }
}
