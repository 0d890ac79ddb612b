/// Why a message was not delivered, split the way the alert outbox needs it: transient
/// failures are retried with backoff, permanent ones are recorded and never retried.
///
/// Reasons are written for the person reading the alert's failure column: they name the
/// server by host and port and quote its reply, and never contain credentials.
public enum MailError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The message itself cannot be delivered: bad or missing address, no Message-ID.
    case invalidMessage(String)
    /// The server could not be reached or the conversation broke off (refused, reset,
    /// DNS, TLS handshake, timeout).
    case unreachable(String)
    /// The server answered with an SMTP error code (4xx or 5xx).
    case rejected(code: Int, reason: String)
    /// The local side failed: the outbox folder could not be written, out of memory.
    case local(String)

    /// 4xx replies, connection trouble and local I/O may succeed later; 5xx replies and
    /// invalid messages never will.
    public var isTransient: Bool {
        switch self {
        case .invalidMessage: return false
        case .unreachable: return true
        case .rejected(let code, _): return code < 500
        case .local: return true
        }
    }

    /// The SMTP reply code when the server gave one.
    public var smtpCode: Int? {
        if case .rejected(let code, _) = self { return code }
        return nil
    }

    public var reason: String {
        switch self {
        case .invalidMessage(let reason), .unreachable(let reason), .local(let reason):
            return reason
        case .rejected(_, let reason):
            return reason
        }
    }

    public var description: String {
        "\(isTransient ? "transient" : "permanent") mail failure: \(reason)"
    }
}
