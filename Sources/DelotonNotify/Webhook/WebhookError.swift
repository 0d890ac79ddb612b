/// Why a webhook POST failed: 5xx, 408, 429 and network trouble are worth retrying; other
/// answers mean the request itself is wrong.
public enum WebhookError: Error, Sendable, Equatable, CustomStringConvertible {
    case unreachable(String)
    case status(code: Int, reason: String)

    public var isTransient: Bool {
        switch self {
        case .unreachable: return true
        case .status(let code, _): return code >= 500 || code == 408 || code == 425 || code == 429
        }
    }

    public var statusCode: Int? {
        if case .status(let code, _) = self { return code }
        return nil
    }

    public var reason: String {
        switch self {
        case .unreachable(let reason), .status(_, let reason): return reason
        }
    }

    public var description: String { "\(isTransient ? "transient" : "permanent") webhook failure: \(reason)" }
}
