import Foundation

/// Parses a message with Python's `email` package (policy.default, the strict modern
/// parser) — an independent implementation, so agreement means the output is valid MIME.
struct ParsedEmail: Decodable {
    struct Mailbox: Decodable, Equatable {
        let name: String
        let address: String
    }

    struct Part: Decodable {
        let type: String
        let filename: String?
        let cid: String?
        let disposition: String?
        let transferEncoding: String?
        let size: Int
        let sha256: String
        let text: String?
    }

    let defects: [String]
    let subject: String
    let rawSubject: String
    let from: [Mailbox]
    let to: [Mailbox]
    let cc: [Mailbox]
    let bcc: [Mailbox]
    let messageID: String
    let date: String
    let mimeVersion: String
    let structure: String
    let parts: [Part]
    let headers: [[String]]
    let envelopeRecipients: String?

    static func parse(_ bytes: [UInt8]) throws -> ParsedEmail {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("parse-\(UUID().uuidString).eml")
        try Data(bytes).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        return try parse(file: file)
    }

    static func parse(file: URL) throws -> ParsedEmail {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script, file.path]
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let errorText = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            struct PythonFailed: Error, CustomStringConvertible { let description: String }
            throw PythonFailed(description: "python email parser failed: \(errorText)")
        }
        return try JSONDecoder().decode(ParsedEmail.self, from: data)
    }

    private static let script = #"""
import email, email.policy, hashlib, json, sys
raw = open(sys.argv[1], "rb").read()
msg = email.message_from_bytes(raw, policy=email.policy.default)
defects = [f"{type(d).__name__}" for part in msg.walk() for d in part.defects]

def boxes(name):
    h = msg[name]
    if h is None:
        return []
    for d in getattr(h, "defects", []):
        defects.append(f"{name}: {type(d).__name__}")
    return [{"name": a.display_name, "address": a.addr_spec} for a in h.addresses]

def structure(part):
    if part.is_multipart():
        return part.get_content_type() + "(" + ",".join(structure(p) for p in part.iter_parts()) + ")"
    return part.get_content_type()

parts = []
for part in msg.walk():
    if part.is_multipart():
        continue
    payload = part.get_payload(decode=True) or b""
    parts.append({
        "type": part.get_content_type(),
        "filename": part.get_filename(),
        "cid": part["Content-ID"] and str(part["Content-ID"]),
        "disposition": part.get_content_disposition(),
        "transferEncoding": part["Content-Transfer-Encoding"] and str(part["Content-Transfer-Encoding"]),
        "size": len(payload),
        "sha256": hashlib.sha256(payload).hexdigest(),
        "text": part.get_content().replace("\r\n", "\n") if part.get_content_maintype() == "text" else None,
    })

raw_subject = email.message_from_bytes(raw, policy=email.policy.compat32)["Subject"] or ""
print(json.dumps({
    "defects": defects,
    "subject": str(msg["Subject"] or ""),
    "rawSubject": str(raw_subject),
    "from": boxes("From"), "to": boxes("To"), "cc": boxes("Cc"), "bcc": boxes("Bcc"),
    "messageID": str(msg["Message-ID"] or ""),
    "date": str(msg["Date"] or ""),
    "mimeVersion": str(msg["MIME-Version"] or ""),
    "structure": structure(msg),
    "parts": parts,
    "headers": [[k, str(v)] for k, v in msg.items()],
    "envelopeRecipients": msg["X-RcptTo"] and str(msg["X-RcptTo"]),
}))
"""#
}

extension [UInt8] {
    var sha256Hex: String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", "import hashlib,sys; print(hashlib.sha256(sys.stdin.buffer.read()).hexdigest())"]
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try? process.run()
        input.fileHandleForWriting.write(Data(self))
        try? input.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
