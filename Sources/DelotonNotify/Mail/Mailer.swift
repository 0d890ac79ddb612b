/// Delivers one message. Implementations decide how (SMTP relay, `.eml` outbox); callers
/// decide what to do with a failure by asking `MailError.isTransient`.
public protocol Mailer: Sendable {
    func send(_ message: EmailMessage) async throws(MailError)
}
