import ArgumentParser
import DelotonCore
import DelotonNotify
import Foundation
import Logging

/// How mail leaves deloton: an SMTP relay when `--smtp` is set, otherwise `.eml` files in the
/// outbox folder, plus the staff copies of alerts (`--alert-cc`). One group for every command
/// that sends mail (`ingest`, `run`, `notify`, `report`, `schedule`), so the settings mean the same.
struct MailOptions: ParsableArguments {
    @Option(help: .setting(.smtp)) var smtp: String?
    @Option(help: .setting(.outbox)) var outbox: String?
    @Option(help: .setting(.mailFrom)) var mailFrom: String?
    @Option(help: .setting(.alertCc)) var alertCc: String?

    /// Where mail goes, and how to say so to the user without secrets.
    struct Destination {
        var mailer: any Mailer
        /// e.g. "SMTP relay smtp://relay:25" or "the outbox folder /srv/outbox".
        var description: String
        /// The outbox folder when mail is written as files.
        var outboxDirectory: URL?
    }

    /// Where mail goes, checked: an SMTP relay, or a folder of `.eml` files.
    enum Route {
        case smtp(SMTPSettings)
        case outbox(URL)

        /// Where mail goes, for messages: never shows a password.
        var description: String {
            switch self {
            case .smtp(let settings): "SMTP relay \(settings.redactedURL)"
            case .outbox(let url): "the outbox folder \(url.path)"
            }
        }

        /// Builds the mailer; an SMTP relay's threads start here, not when the settings are checked.
        func destination(logger: Logger) -> Destination {
            switch self {
            case .smtp(let settings):
                Destination(mailer: SMTPMailer(settings: settings, logger: logger), description: description, outboxDirectory: nil)
            case .outbox(let url):
                Destination(mailer: OutboxMailer(directory: url), description: description, outboxDirectory: url)
            }
        }
    }

    /// Checks the route before any work, building nothing: a malformed URL or folder is exit 2.
    func checkedRoute() throws -> Route {
        if let url = smtp ?? Env.value(.smtp) {
            do {
                return .smtp(try SMTPSettings(url: url, username: Env.value(.smtpUsername), password: Env.value(.smtpPassword)))
            } catch {
                throw CLIFailure.usage("\(flag: .smtp): \(error.message) (or set \(variable: .smtp))")
            }
        }
        let folder = Env.text(.outbox, flag: outbox)
        guard !folder.isEmpty else {
            throw CLIFailure.usage("\(flag: .outbox) needs a folder path (or set \(variable: .outbox))")
        }
        let url = URL(fileURLWithPath: folder).standardizedFileURL
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), !isDirectory.boolValue {
            throw CLIFailure.usage("\(flag: .outbox) \(folder) is a file, not a folder: give a folder for the .eml files (\(variable: .outbox))")
        }
        return .outbox(url)
    }

    func sender() throws -> EmailAddress {
        let text = Env.text(.mailFrom, flag: mailFrom)
        guard let address = Self.mailbox(text) else {
            throw CLIFailure.usage("\(flag: .mailFrom) \(text) is not an email address: write alerts@example.com or \"Deloton <alerts@example.com>\" (\(variable: .mailFrom))")
        }
        return EmailAddress(address.address, displayName: address.displayName ?? "Deloton")
    }

    func staffCopies() throws -> [EmailAddress] {
        guard let text = alertCc ?? Env.value(.alertCc) else { return [] }
        var seen = Set<String>()
        var addresses: [EmailAddress] = []
        for item in text.split(separator: ",") {
            let trimmed = item.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty { continue }
            guard let address = Self.mailbox(trimmed) else {
                throw CLIFailure.usage("\(flag: .alertCc): \(trimmed) is not an email address: give addresses separated by commas (\(variable: .alertCc))")
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
    @Option(help: .setting(.rideWebhook)) var rideWebhook: String?

    /// nil when no webhook is configured; a malformed URL is exit 2. Builds nothing.
    func target() throws -> WebhookClient.Target? {
        guard let url = rideWebhook ?? Env.value(.rideWebhook) else { return nil }
        do {
            return try WebhookClient.Target(url)
        } catch {
            throw CLIFailure.usage("\(flag: .rideWebhook): \(error.message) (or set \(variable: .rideWebhook))")
        }
    }
}
