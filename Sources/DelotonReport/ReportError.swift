import DelotonCore
import DelotonNotify

/// Why a report could not be produced or delivered, phrased for the person running deloton.
public enum ReportError: Error, Sendable, CustomStringConvertible {
    /// Drawing charts, the PDF or the HTML failed.
    case rendering(String)
    /// The output folder or a file in it could not be written.
    case cannotWrite(path: String, reason: String)
    /// Sending without any recipient, or a recipient that is not an address.
    case recipients(String)
    /// The mail relay or the outbox refused the message.
    case delivery(MailError)

    public var description: String {
        switch self {
        case .rendering(let message):
            return "cannot render the report: \(message)"
        case .cannotWrite(let path, let reason):
            return "cannot write \(path): \(reason) (check that the \(flag: .reportFolder) folder is writable)"
        case .recipients(let message):
            return message
        case .delivery(let error):
            return "cannot send the report: \(error)"
        }
    }

    /// The setting to check first, when a setting is what a person must change or check.
    public var setting: Setting? {
        switch self {
        case .rendering: nil
        case .cannotWrite: .reportFolder
        case .recipients: .reportRecipients
        case .delivery(let error): error.setting
        }
    }

    /// Worth trying again later (a relay that is down, a 4xx answer).
    public var isTransient: Bool {
        if case .delivery(let error) = self { return error.isTransient }
        return false
    }
}
