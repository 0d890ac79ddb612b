import ArgumentParser
import DelotonCore
import DelotonNotify
import Foundation
import Logging

/// How mail leaves deloton: an SMTP relay when `--smtp` is set, otherwise `.eml` files in the
/// outbox folder, plus the staff copies of alerts (`--alert-cc`). One group for every command
/// that sends mail (`ingest`, `run`, `notify`, `report`, `schedule`), so the settings mean the same.
struct MailOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "SMTP relay: smtp://[user[:password]@]host[:port][?starttls=required|opportunistic|off] or smtps://… "
            + "[DELOTON_SMTP_URL] (default: none, mail is written to --outbox). Credentials may come from "
            + "DELOTON_SMTP_USERNAME and DELOTON_SMTP_PASSWORD instead.",
        valueName: "url"))
    var smtp: String?

    @Option(help: ArgumentHelp("Folder for .eml files when no SMTP relay is set [DELOTON_OUTBOX_DIR] (default ./outbox)",
                               valueName: "dir"))
    var outbox: String?

    @Option(help: ArgumentHelp("Sender, address or \"Name <address>\" [DELOTON_MAIL_FROM] (default alerts@deloton.local)",
                               valueName: "address"))
    var mailFrom: String?

    @Option(help: ArgumentHelp("Staff who get their own copy of every alert, comma-separated [DELOTON_ALERT_CC] (default none)",
                               valueName: "addresses"))
    var alertCc: String?

    /// Where mail goes, and how to say so to the user without secrets.
    struct Destination {
        var mailer: any Mailer
        /// e.g. "SMTP relay smtp://relay:25" or "the outbox folder /srv/outbox".
        var description: String
        /// The outbox folder when mail is written as files.
        var outboxDirectory: URL?
    }

    var smtpURL: String? { smtp ?? Env.value("DELOTON_SMTP_URL") }

    /// Where mail goes, for messages: never shows a password.
    var route: String {
        if let url = smtpURL, let settings = try? SMTPSettings(url: url) { return "SMTP relay \(settings.redactedURL)" }
        return "the outbox folder " + (outbox ?? Env.value("DELOTON_OUTBOX_DIR") ?? "./outbox")
    }

    func mailer(logger: Logger) throws -> any Mailer { try destination(logger: logger).mailer }

    /// Checks every setting before any work: a malformed URL or address is exit 2.
    func destination(logger: Logger) throws -> Destination {
        if let url = smtpURL {
            let settings: SMTPSettings
            do {
                settings = try SMTPSettings(url: url, username: Env.value("DELOTON_SMTP_USERNAME"),
                                            password: Env.value("DELOTON_SMTP_PASSWORD"))
            } catch {
                throw CLIFailure.usage("--smtp: \(error.message) (or set DELOTON_SMTP_URL)")
            }
            return Destination(mailer: SMTPMailer(settings: settings, logger: logger),
                               description: "SMTP relay \(settings.redactedURL)", outboxDirectory: nil)
        }
        let folder = outbox ?? Env.value("DELOTON_OUTBOX_DIR") ?? "./outbox"
        guard !folder.isEmpty else {
            throw CLIFailure.usage("--outbox needs a folder path (or set DELOTON_OUTBOX_DIR)")
        }
        let url = URL(fileURLWithPath: folder).standardizedFileURL
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), !isDirectory.boolValue {
            throw CLIFailure.usage("--outbox \(folder) is a file, not a folder: give a folder for the .eml files (DELOTON_OUTBOX_DIR)")
        }
        return Destination(mailer: OutboxMailer(directory: url), description: "the outbox folder \(url.path)",
                           outboxDirectory: url)
    }

    func sender() throws -> EmailAddress {
        let text = mailFrom ?? Env.value("DELOTON_MAIL_FROM") ?? "alerts@deloton.local"
        guard let address = Self.mailbox(text) else {
            throw CLIFailure.usage("--mail-from \(text) is not an email address: write alerts@example.com or \"Deloton <alerts@example.com>\" (DELOTON_MAIL_FROM)")
        }
        return EmailAddress(address.address, displayName: address.displayName ?? "Deloton")
    }

    func staffCopies() throws -> [EmailAddress] {
        guard let text = alertCc ?? Env.value("DELOTON_ALERT_CC") else { return [] }
        var seen = Set<String>()
        var addresses: [EmailAddress] = []
        for item in text.split(separator: ",") {
            let trimmed = item.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty { continue }
            guard let address = Self.mailbox(trimmed) else {
                throw CLIFailure.usage("--alert-cc: \(trimmed) is not an email address: give addresses separated by commas (DELOTON_ALERT_CC)")
            }
            if seen.insert(address.address.lowercased()).inserted { addresses.append(address) }
        }
        return addresses
    }

    func alertSettings(zone: Zone) throws -> AlertDispatchSettings {
        AlertDispatchSettings(from: try sender(), staffCopies: try staffCopies(), zone: zone)
    }

    /// `address` or `Name <address>`; nil when the address is not valid.
    static func mailbox(_ text: String) -> EmailAddress? {
        var name: String?
        var address = text.trimmingCharacters(in: .whitespaces)
        if address.hasSuffix(">"), let open = address.lastIndex(of: "<") {
            let shown = address[..<open].trimmingCharacters(in: .whitespaces)
                .trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            name = shown.isEmpty ? nil : shown
            address = String(address[address.index(after: open)..<address.index(before: address.endIndex)])
        }
        guard EmailAddress.isValid(address) else { return nil }
        return EmailAddress(address, displayName: name)
    }
}

/// `--ride-webhook`: where the JSON summary of each ended ride is POSTed (ingest and run).
struct RideWebhookOptions: ParsableArguments {
    @Option(help: ArgumentHelp("POST each ended ride's JSON here, with retries [DELOTON_RIDE_WEBHOOK] (default none)",
                               valueName: "url"))
    var rideWebhook: String?

    /// nil when no webhook is configured; a malformed URL is exit 2.
    func client(logger: Logger) throws -> WebhookClient? {
        guard let url = rideWebhook ?? Env.value("DELOTON_RIDE_WEBHOOK") else { return nil }
        do {
            return try WebhookClient(url: url, logger: logger)
        } catch {
            throw CLIFailure.usage("--ride-webhook: \(error.message) (or set DELOTON_RIDE_WEBHOOK)")
        }
    }
}
