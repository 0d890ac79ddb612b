import DelotonCore

/// Why a message was not delivered, split the way the alert outbox needs it: transient
/// failures are retried with backoff, permanent ones are recorded and never retried.
///
/// Reasons are written for the person reading the alert's failure column: they name the
/// server by host and port and quote its reply, and never contain credentials. When a setting
/// is what a person must check (the relay's URL, its credentials, the outbox folder), `setting`
/// says which, so the host program can point at it in its own words.
public struct MailError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// The message itself cannot be delivered: bad or missing address, no Message-ID.
        case invalidMessage
        /// The server could not be reached or the conversation broke off (refused, reset,
        /// DNS, TLS handshake, timeout).
        case unreachable
        /// The server answered with an SMTP error code (4xx or 5xx).
        case rejected(code: Int)
        /// The local side failed: the outbox folder could not be written, out of memory.
        case local
    }

    public let kind: Kind
    public let reason: String
    /// The setting to check first, when a setting is what a person must change or check.
    public let setting: Setting?

    public init(_ kind: Kind, _ reason: String, setting: Setting? = nil) {
        self.kind = kind
        self.reason = reason
        self.setting = setting
    }

    public static func invalidMessage(_ reason: String) -> MailError { MailError(.invalidMessage, reason) }
    public static func unreachable(_ reason: String, setting: Setting? = nil) -> MailError { MailError(.unreachable, reason, setting: setting) }
    public static func rejected(code: Int, reason: String, setting: Setting? = nil) -> MailError {
        MailError(.rejected(code: code), reason, setting: setting)
    }
    public static func local(_ reason: String, setting: Setting? = nil) -> MailError { MailError(.local, reason, setting: setting) }

    /// 4xx replies, connection trouble and local I/O may succeed later; 5xx replies and
    /// invalid messages never will.
    public var isTransient: Bool {
        switch kind {
        case .invalidMessage: false
        case .unreachable: true
        case .rejected(let code): code < 500
        case .local: true
        }
    }

    /// The SMTP reply code when the server gave one.
    public var smtpCode: Int? {
        if case .rejected(let code) = kind { return code }
        return nil
    }

    public var description: String {
        "\(isTransient ? "transient" : "permanent") mail failure: \(reason)"
    }
}
