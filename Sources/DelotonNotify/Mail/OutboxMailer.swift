import DelotonCore
import Foundation

/// "Sends" mail by writing each message as one RFC 5322 `.eml` file into a folder: the
/// default when no SMTP relay is configured, and handy for inspecting what would go out.
///
/// The file name comes from the Message-ID, so sending the same message again replaces its
/// file instead of adding a second one, and every write is atomic (temporary file, fsync,
/// rename): a reader never sees half a message, even after a crash.
public struct OutboxMailer: Mailer {
    public let directory: URL

    public init(directory: URL) {
        self.directory = directory
    }

    public func send(_ message: EmailMessage) async throws(MailError) {
        _ = try write(message)
    }

    /// Writes the message and returns the file it is in.
    @discardableResult
    public func write(_ message: EmailMessage) throws(MailError) -> URL {
        if let problem = message.validationProblem() {
            throw MailError.invalidMessage("cannot write \(message.bareMessageID) to the outbox: \(problem)")
        }
        let folder = directory.path
        do {
            // Messages name riders and their heart rates: the folder is its owner's only, and an
            // existing one is tightened too.
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
            try FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: folder)
        } catch {
            throw MailError.local("cannot create the outbox folder \(folder): \(Self.describe(error)); check \(variable: .outbox)",
                                  setting: .outbox)
        }
        let final = directory.appendingPathComponent(Self.fileName(forMessageID: message.bareMessageID))
        // The leading dot keeps the temporary file out of `*.eml` globs while it is written.
        let temporary = directory.appendingPathComponent(".\(UUID().uuidString).tmp")
        try Self.writeSynced(message.rfc5322(), to: temporary.path)
        guard rename(temporary.path, final.path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary.path)
            throw MailError.local("cannot move the message into \(final.path): \(reason)")
        }
        return final
    }

    /// `<id>.eml`, where characters that are unsafe in file names become `_`. When anything
    /// had to be replaced (or the id is very long), a hash of the original id is appended so
    /// that two different ids never share a file.
    public static func fileName(forMessageID id: String) -> String {
        var safe = ""
        var altered = false
        for scalar in id.unicodeScalars {
            let ok = scalar.isASCII && (CharacterSet.alphanumerics.contains(scalar) || "-_.@+=".unicodeScalars.contains(scalar))
            safe.unicodeScalars.append(ok ? scalar : "_")
            altered = altered || !ok
        }
        if safe.hasPrefix(".") {
            safe = "_" + safe.dropFirst()
            altered = true
        }
        if safe.utf8.count > 180 {
            safe = String(safe.prefix(180))
            altered = true
        }
        if safe.isEmpty { altered = true }
        if altered {
            var hash: UInt64 = 0xcbf2_9ce4_8422_2325
            for byte in id.utf8 {
                hash ^= UInt64(byte)
                hash = hash &* 0x100_0000_01b3
            }
            safe += "-" + String(hash, radix: 16)
        }
        return safe + ".eml"
    }

    private static func writeSynced(_ bytes: [UInt8], to path: String) throws(MailError) {
        // Owner-only, whatever the umask: the message holds personal and health data.
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw MailError.local("cannot create \(path): \(String(cString: strerror(errno))); check that the outbox folder (\(variable: .outbox)) is writable",
                                  setting: .outbox)
        }
        var written = 0
        var failure: String?
        bytes.withUnsafeBytes { buffer in
            guard let base = buffer.baseAddress else { return }
            while written < buffer.count {
                let result = Foundation.write(fd, base + written, buffer.count - written)
                if result < 0 {
                    if errno == EINTR { continue }
                    failure = String(cString: strerror(errno))
                    return
                }
                written += result
            }
        }
        if failure == nil, fsync(fd) != 0 { failure = String(cString: strerror(errno)) }
        close(fd)
        if let failure {
            unlink(path)
            throw MailError.local("cannot write \(path): \(failure)")
        }
    }

    private static func describe(_ error: any Error) -> String {
        (error as NSError).localizedFailureReason ?? (error as NSError).localizedDescription
    }
}
