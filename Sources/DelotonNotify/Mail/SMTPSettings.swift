import Foundation

/// Where and how to relay mail, parsed from the relay setting (`Setting.smtp`):
///
///     smtp://[user[:password]@]host[:port][?starttls=required|opportunistic|off]
///     smtps://[user[:password]@]host[:port]
///
/// TLS choice: `smtps://` is TLS from the first byte (default port 465). For `smtp://`
/// (default port 25) STARTTLS is *required* whenever there are credentials or the relay is not
/// on this machine: nothing, the password least of all, crosses a network in clear text, and
/// a relay that offers no STARTTLS gets no AUTH and no message. Only a local relay without
/// credentials is *opportunistic* by default (STARTTLS when offered). The certificate and the
/// host name are always checked. An explicit `?starttls=opportunistic` or `?starttls=off` is
/// the only way to relax this (say, for a mail catcher on a private container network).
///
/// Credentials in the URL win; otherwise the `username`/`password` given to the initialiser
/// (the caller passes `Setting.smtpUsername` / `.smtpPassword`) are used. The library
/// never reads the environment itself.
public struct SMTPSettings: Sendable, Equatable, CustomStringConvertible {
    public enum TLSMode: String, Sendable, Equatable {
        /// `smtps://`: TLS from the start.
        case implicit
        /// STARTTLS must succeed or nothing is sent.
        case required
        /// STARTTLS when offered.
        case opportunistic
        /// Clear text only.
        case off
    }

    /// A one-line explanation of what is wrong with the URL and how to write it; it never
    /// repeats the password.
    public struct ParseError: Error, Sendable, Equatable, CustomStringConvertible {
        public let message: String
        public var description: String { message }
        init(_ message: String) { self.message = message }
    }

    public var host: String
    public var port: Int
    public var tls: TLSMode
    public var username: String?
    public var password: String?
    /// The name sent in EHLO (the URL's path, e.g. `smtp://relay/bikes.example.com`); libcurl
    /// picks one when nil.
    public var heloName: String?
    public var connectTimeout: Duration
    /// The whole transaction, connection included.
    public var timeout: Duration

    /// `tls` nil picks the safe default for the relay and credentials (see above).
    public init(
        host: String, port: Int? = nil, tls: TLSMode? = nil, username: String? = nil,
        password: String? = nil, heloName: String? = nil,
        connectTimeout: Duration = .seconds(5), timeout: Duration = .seconds(30)
    ) {
        let tls = tls ?? Self.defaultTLS(host: host, hasCredentials: username != nil)
        self.host = host
        self.port = port ?? (tls == .implicit ? 465 : 25)
        self.tls = tls
        self.username = username
        self.password = password
        self.heloName = heloName
        self.connectTimeout = connectTimeout
        self.timeout = timeout
    }

    /// STARTTLS required unless the relay is this machine and no credentials are sent.
    public static func defaultTLS(host: String, hasCredentials: Bool) -> TLSMode {
        hasCredentials || !isLoopback(host) ? .required : .opportunistic
    }

    /// Loopback by name or address: `localhost`, 127.0.0.0/8, `::1`.
    static func isLoopback(_ host: String) -> Bool {
        let h = host.lowercased()
        if h == "localhost" || h.hasSuffix(".localhost") || h == "::1" || h == "0:0:0:0:0:0:0:1" { return true }
        let octets = h.split(separator: ".", omittingEmptySubsequences: false)
        return octets.count == 4 && octets[0] == "127" && octets.allSatisfy { UInt8($0) != nil }
    }

    private static let usage = "expected smtp://[user[:password]@]host[:port][?starttls=required|opportunistic|off] or smtps://[user[:password]@]host[:port]"

    public init(url: String, username: String? = nil, password: String? = nil) throws(ParseError) {
        let trimmed = url.trimmingCharacters(in: .whitespaces)
        guard let schemeEnd = trimmed.range(of: "://") else {
            throw ParseError("SMTP URL has no scheme: \(Self.usage)")
        }
        let scheme = trimmed[..<schemeEnd.lowerBound].lowercased()
        guard scheme == "smtp" || scheme == "smtps" else {
            throw ParseError("SMTP URL scheme \"\(scheme)\" is not supported: \(Self.usage)")
        }
        // URLComponents rejects some passwords that users really have (e.g. with "#"), so the
        // authority is split by hand: userinfo ends at the last "@".
        var rest = trimmed[schemeEnd.upperBound...]
        var query = Substring("")
        if let q = rest.firstIndex(of: "?") {
            query = rest[rest.index(after: q)...]
            rest = rest[..<q]
        }
        var path = Substring("")
        var authority = rest
        if let slash = rest.firstIndex(of: "/") {
            authority = rest[..<slash]
            path = rest[rest.index(after: slash)...]
        }
        var user: String?
        var pass: String?
        if let at = authority.lastIndex(of: "@") {
            let userinfo = authority[..<at]
            authority = authority[authority.index(after: at)...]
            let pieces = userinfo.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            user = try Self.decode(pieces[0], what: "user name")
            if pieces.count > 1 { pass = try Self.decode(pieces[1], what: "password") }
            if user?.isEmpty ?? true {
                throw ParseError("SMTP URL has a password but no user name: write smtp://user:password@host")
            }
        }
        let (host, port) = try Self.hostAndPort(authority)

        var tls: TLSMode? = scheme == "smtps" ? .implicit : nil
        for item in query.split(separator: "&") where !item.isEmpty {
            let pair = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = pair[0].lowercased()
            let value = pair.count > 1 ? pair[1].lowercased() : ""
            guard key == "starttls" else {
                throw ParseError("SMTP URL option \"\(key)\" is unknown: the only option is starttls=required|opportunistic|off")
            }
            guard scheme == "smtp" else {
                throw ParseError("SMTP URL option starttls applies to smtp:// only: smtps:// is always encrypted")
            }
            switch value {
            case "required": tls = .required
            case "opportunistic": tls = .opportunistic
            case "off": tls = .off
            default: throw ParseError("SMTP URL option starttls=\(value) is invalid: use required, opportunistic or off")
            }
        }
        let helo = try Self.decode(path.hasSuffix("/") ? path.dropLast() : path, what: "EHLO name")

        self.init(
            host: host, port: port, tls: tls,
            username: user ?? username.flatMap { $0.isEmpty ? nil : $0 },
            password: user != nil ? pass : password,
            heloName: helo.isEmpty ? nil : helo)
    }

    private static func hostAndPort(_ authority: Substring) throws(ParseError) -> (String, Int?) {
        var host = authority
        var portText: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else {
                throw ParseError("SMTP URL has an unterminated IPv6 address: write smtp://[::1]:25")
            }
            host = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if after.hasPrefix(":") { portText = after.dropFirst() } else if !after.isEmpty {
                throw ParseError("SMTP URL has text after the IPv6 address: write smtp://[::1]:25")
            }
        } else if let colon = authority.lastIndex(of: ":") {
            host = authority[..<colon]
            portText = authority[authority.index(after: colon)...]
        }
        guard !host.isEmpty else { throw ParseError("SMTP URL has no host: \(Self.usage)") }
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_:")
        guard host.allSatisfy(allowed.contains) else {
            throw ParseError("SMTP URL host \"\(host)\" contains characters a host name cannot have")
        }
        guard let portText else { return (String(host), nil) }
        guard let port = Int(portText), (1...65535).contains(port) else {
            throw ParseError("SMTP URL port \"\(portText)\" is not a number between 1 and 65535")
        }
        return (String(host), port)
    }

    private static func decode(_ text: Substring, what: String) throws(ParseError) -> String {
        guard let decoded = String(text).removingPercentEncoding else {
            throw ParseError("SMTP URL \(what) has a broken %-escape: encode reserved characters as %XX")
        }
        return decoded
    }

    /// For logs and error messages: never shows the password.
    public var redactedURL: String {
        let scheme = tls == .implicit ? "smtps" : "smtp"
        let user = username.map { "\($0)\(password == nil ? "" : ":***")@" } ?? ""
        let shownHost = host.contains(":") ? "[\(host)]" : host
        let query: String
        switch tls {
        case .required: query = "?starttls=required"
        case .off: query = "?starttls=off"
        case .opportunistic, .implicit: query = ""
        }
        return "\(scheme)://\(user)\(shownHost):\(port)\(heloName.map { "/\($0)" } ?? "")\(query)"
    }

    public var description: String { redactedURL }

    /// What libcurl connects to; credentials go through their own options, not the URL.
    var curlURL: String {
        let scheme = tls == .implicit ? "smtps" : "smtp"
        let shownHost = host.contains(":") ? "[\(host)]" : host
        let helo = heloName.map { "/" + ($0.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? "") } ?? ""
        return "\(scheme)://\(shownHost):\(port)\(helo)"
    }

    /// Host and port, for failure reasons.
    var endpoint: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}
