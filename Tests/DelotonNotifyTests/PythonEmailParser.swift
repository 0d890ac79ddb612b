import Crypto
import DelotonTestSupport
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

    static func parse(_ bytes: [UInt8]) async throws -> ParsedEmail {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("parse-\(UUID().uuidString).eml")
        try Data(bytes).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        return try await parse(file: file)
    }

    static func parse(file: URL) async throws -> ParsedEmail {
        let child = try await ChildProcess.run("python3", ["-c", script, file.path])
        guard child.status == 0 else {
            struct PythonFailed: Error, CustomStringConvertible { let description: String }
            throw PythonFailed(description: "python email parser failed: \(child.stderr)")
        }
        return try JSONDecoder().decode(ParsedEmail.self, from: child.output)
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
        SHA256.hash(data: self).map { String(format: "%02x", $0) }.joined()
    }
}
