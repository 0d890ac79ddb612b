import DelotonCore
import CCurl
import Foundation
import Logging

/// Sends mail through an SMTP relay with libcurl.
///
/// Transfers run on a small pool of dedicated threads (`concurrency`, default 4), so a few
/// alerts can be in flight at once and a slow relay does not hold up the rest; each thread
/// reuses its connection to the relay between messages.
public struct SMTPMailer: Mailer {
    public let settings: SMTPSettings
    private let pool: CurlWorkerPool
    private let logger: Logger

    public init(settings: SMTPSettings, concurrency: Int = 4, logger: Logger = Logger(label: "deloton.mail.smtp")) {
        self.settings = settings
        self.pool = CurlWorkerPool(name: "deloton-smtp", threads: concurrency)
        self.logger = logger
    }

    public func send(_ message: EmailMessage) async throws(MailError) {
        if let problem = message.validationProblem() {
            throw MailError.invalidMessage("cannot send \(message.bareMessageID): \(problem)")
        }
        let settings = self.settings
        let sender = message.from.address
        let recipients = message.recipients.map(\.address)
        let context = CurlTransferContext(upload: message.rfc5322(), captureReplies: true)
        let started = ContinuousClock.now
        let outcome = await withTaskCancellationHandler {
            await pool.run { handle in
                CurlTransfer.perform(
                    handle, context: context, connectTimeout: settings.connectTimeout, timeout: settings.timeout
                ) { handle in
                    Self.configure(handle, settings: settings, sender: sender, recipients: recipients, context: context)
                }
            }
        } onCancel: {
            context.cancel()
        }
        if let error = Self.error(for: outcome, settings: settings) {
            logger.debug("mail not sent", metadata: [
                "message_id": "\(message.bareMessageID)", "reason": "\(error.reason)",
                "transient": "\(error.isTransient)",
            ])
            throw error
        }
        let elapsed = ContinuousClock.now - started
        logger.debug("mail sent", metadata: [
            "message_id": "\(message.bareMessageID)", "relay": "\(settings.endpoint)",
            "ms": "\(CurlTransfer.milliseconds(elapsed))",
        ])
    }

    private static func configure(
        _ handle: UnsafeMutableRawPointer, settings: SMTPSettings, sender: String, recipients: [String],
        context: CurlTransferContext
    ) {
        ccurl_setopt_str(handle, CURLOPT_URL, settings.curlURL)
        ccurl_setopt_str(handle, CURLOPT_MAIL_FROM, "<\(sender)>")
        var list: UnsafeMutablePointer<curl_slist>?
        for recipient in recipients { list = curl_slist_append(list, "<\(recipient)>") }
        ccurl_setopt_slist(handle, CURLOPT_MAIL_RCPT, list)
        context.retain(list)
        ccurl_setopt_long(handle, CURLOPT_UPLOAD, 1)
        ccurl_setopt_off_t(handle, CURLOPT_INFILESIZE_LARGE, curl_off_t(context.uploadSize))
        switch settings.tls {
        case .implicit, .required: ccurl_setopt_long(handle, CURLOPT_USE_SSL, Int(CURLUSESSL_ALL.rawValue))
        case .opportunistic: ccurl_setopt_long(handle, CURLOPT_USE_SSL, Int(CURLUSESSL_TRY.rawValue))
        case .off: ccurl_setopt_long(handle, CURLOPT_USE_SSL, Int(CURLUSESSL_NONE.rawValue))
        }
        // Explicit, so that no build or environment of libcurl can turn them off: the relay's
        // certificate must chain to a trusted root and name the host we asked for.
        ccurl_setopt_long(handle, CURLOPT_SSL_VERIFYPEER, 1)
        ccurl_setopt_long(handle, CURLOPT_SSL_VERIFYHOST, 2)
        if let username = settings.username {
            ccurl_setopt_str(handle, CURLOPT_USERNAME, username)
            ccurl_setopt_str(handle, CURLOPT_PASSWORD, settings.password ?? "")
        }
    }

    /// Maps libcurl's result to the transient/permanent split. The SMTP reply code decides
    /// when there is one (4xx retry, 5xx give up); otherwise the failure is on the way to the
    /// server and worth retrying.
    static func error(for outcome: CurlOutcome, settings: SMTPSettings) -> MailError? {
        if outcome.succeeded { return nil }
        let server = "the SMTP server \(settings.endpoint)"
        let code = outcome.responseCode
        if (400..<600).contains(code) {
            let reply = outcome.lastReply ?? String(code)
            var reason = "\(server) answered \(reply)"
            if outcome.code == CURLE_LOGIN_DENIED.rawValue {
                reason += " (credentials refused: check \(variable: .smtpUsername) and \(variable: .smtpPassword))"
            }
            return .rejected(code: code, reason: reason,
                             setting: outcome.code == CURLE_LOGIN_DENIED.rawValue ? .smtpUsername : nil)
        }
        switch outcome.code {
        case CURLE_LOGIN_DENIED.rawValue:
            return .rejected(code: 535, reason: "\(server) refused the credentials: check \(variable: .smtpUsername) and \(variable: .smtpPassword)",
                             setting: .smtpUsername)
        case CURLE_OUT_OF_MEMORY.rawValue, CURLE_READ_ERROR.rawValue:
            return .local("could not prepare the message for \(server): \(outcome.message)")
        case CURLE_ABORTED_BY_CALLBACK.rawValue:
            return .unreachable("sending to \(server) was cancelled")
        case CURLE_USE_SSL_FAILED.rawValue:
            return .unreachable("\(server) does not offer STARTTLS, which is required with credentials or a relay on another machine: use smtps://, or ?starttls=off only for a mail catcher on a private network",
                                setting: .smtp)
        case CURLE_OPERATION_TIMEDOUT.rawValue:
            return .unreachable("\(server) did not answer in time: \(outcome.message)", setting: .smtp)
        case CURLE_COULDNT_CONNECT.rawValue, CURLE_COULDNT_RESOLVE_HOST.rawValue:
            return .unreachable("cannot connect to \(server): \(outcome.message); check \(variable: .smtp) and that the server is running",
                                setting: .smtp)
        default:
            return .unreachable("\(server) failed: \(outcome.message)", setting: .smtp)
        }
    }
}
