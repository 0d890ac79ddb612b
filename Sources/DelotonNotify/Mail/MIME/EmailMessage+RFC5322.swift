import Foundation

extension EmailMessage {
    /// The message as an RFC 5322 / MIME document with CRLF line endings, ready for SMTP
    /// DATA or an `.eml` file. Rendering is deterministic: the same message always gives
    /// the same bytes, so a re-sent message is byte-identical to the first attempt.
    ///
    /// Structure, with levels that would hold a single part left out:
    /// `multipart/mixed( multipart/related( multipart/alternative(text, html), images ), attachments )`.
    public func rfc5322() -> [UInt8] {
        var head = ""
        head += HeaderEncoding.line("Date", HeaderEncoding.date(date))
        head += HeaderEncoding.line("From", HeaderEncoding.mailbox(from))
        if !to.isEmpty { head += HeaderEncoding.line("To", HeaderEncoding.addressList(to)) }
        if !cc.isEmpty { head += HeaderEncoding.line("Cc", HeaderEncoding.addressList(cc)) }
        head += HeaderEncoding.line("Subject", HeaderEncoding.unstructured(subject))
        head += HeaderEncoding.line("Message-ID", "<\(HeaderEncoding.sanitized(bareMessageID).replacingOccurrences(of: " ", with: ""))>")
        head += HeaderEncoding.line("MIME-Version", "1.0")
        for header in extraHeaders {
            guard let name = Self.usableHeaderName(header.name) else { continue }
            head += HeaderEncoding.line(name, HeaderEncoding.unstructured(header.value))
        }
        var boundaries = BoundaryFactory(seed: bareMessageID)
        var output = Array(head.utf8)
        let tree = mimeTree()
        tree.write(into: &output, boundaries: &boundaries)
        // A multipart ends with its closing delimiter line; a single part needs the final
        // line break that SMTP DATA and files expect.
        if case .leaf = tree { output += [0x0D, 0x0A] }
        return output
    }

    private func mimeTree() -> MIMEPart {
        let text = MIMEPart.text(textBody, subtype: "plain")
        var body = text
        if let htmlBody {
            body = .multipart("alternative", [text, .text(htmlBody, subtype: "html")])
        }
        // Inline images only make sense next to HTML that refers to them; without HTML
        // they are shown as ordinary inline parts of the mixed message.
        let images = inlineImages.map(MIMEPart.inlineImage)
        var looseImages: [MIMEPart] = []
        if htmlBody != nil, !images.isEmpty {
            body = .multipart("related", [body] + images, type: body.contentType)
        } else {
            looseImages = images
        }
        let tail = looseImages + attachments.map(MIMEPart.attachment)
        if tail.isEmpty { return body }
        return .multipart("mixed", [body] + tail)
    }

    private static let reservedHeaders: Set<String> = [
        "date", "from", "to", "cc", "bcc", "subject", "message-id", "mime-version",
    ]

    /// Header names are printable ASCII without colon or space (RFC 5322 §2.2).
    private static func usableHeaderName(_ name: String) -> String? {
        let trimmed = name.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty, trimmed.utf8.allSatisfy({ $0 > 32 && $0 < 127 && $0 != UInt8(ascii: ":") }) else { return nil }
        let lower = trimmed.lowercased()
        if reservedHeaders.contains(lower) || lower.hasPrefix("content-") { return nil }
        return trimmed
    }
}

/// Boundaries start with `=_`, which neither quoted-printable nor base64 output can contain,
/// so no body line can ever match one; the counter keeps nested ones distinct.
private struct BoundaryFactory {
    private let token: String
    private var counter = 0

    init(seed: String) {
        // FNV-1a: a stable, dependency-free fingerprint so that boundaries do not change
        // between renderings of the same message.
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in seed.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        token = String(hash, radix: 36)
    }

    mutating func next(_ subtype: String) -> String {
        counter += 1
        return "=_deloton_\(subtype)_\(counter)_\(token)"
    }
}

private indirect enum MIMEPart {
    case leaf(headers: [(String, String)], body: [UInt8])
    case multipart(subtype: String, parts: [MIMEPart], type: String?)

    static func multipart(_ subtype: String, _ parts: [MIMEPart], type: String? = nil) -> MIMEPart {
        .multipart(subtype: subtype, parts: parts, type: type)
    }

    static func text(_ text: String, subtype: String) -> MIMEPart {
        .leaf(headers: [
            ("Content-Type", "text/\(subtype); charset=utf-8"),
            ("Content-Transfer-Encoding", "quoted-printable"),
        ], body: BodyEncoding.quotedPrintable(text))
    }

    static func inlineImage(_ image: EmailMessage.InlineImage) -> MIMEPart {
        var cid = HeaderEncoding.sanitized(image.contentID).trimmingCharacters(in: .whitespaces)
        if cid.hasPrefix("<") { cid.removeFirst() }
        if cid.hasSuffix(">") { cid.removeLast() }
        cid = String(cid.filter { $0 != " " && $0 != "<" && $0 != ">" })
        var disposition = "inline"
        var contentType = mimeType(image.mimeType)
        if let filename = image.filename {
            disposition += "; " + HeaderEncoding.parameter("filename", filename)
            contentType += "; " + HeaderEncoding.parameter("name", filename)
        }
        return .leaf(headers: [
            ("Content-Type", contentType),
            ("Content-Transfer-Encoding", "base64"),
            ("Content-ID", "<\(cid)>"),
            ("Content-Disposition", disposition),
        ], body: BodyEncoding.base64(image.data))
    }

    static func attachment(_ attachment: EmailMessage.Attachment) -> MIMEPart {
        .leaf(headers: [
            ("Content-Type", mimeType(attachment.mimeType) + "; " + HeaderEncoding.parameter("name", attachment.filename)),
            ("Content-Transfer-Encoding", "base64"),
            ("Content-Disposition", "attachment; " + HeaderEncoding.parameter("filename", attachment.filename)),
        ], body: BodyEncoding.base64(attachment.data))
    }

    /// A caller's type that is not `type/subtype` made of token characters would corrupt the
    /// header, so it degrades to the generic binary type.
    private static func mimeType(_ raw: String) -> String {
        let lower = raw.trimmingCharacters(in: .whitespaces).lowercased()
        let parts = lower.split(separator: "/", omittingEmptySubsequences: false)
        let tokenBytes = Set(Array("abcdefghijklmnopqrstuvwxyz0123456789!#$&^_.+-".utf8))
        guard parts.count == 2, parts.allSatisfy({ !$0.isEmpty && $0.utf8.allSatisfy(tokenBytes.contains) }) else {
            return "application/octet-stream"
        }
        return lower
    }

    var contentType: String {
        switch self {
        case .leaf(let headers, _):
            let value = headers.first { $0.0 == "Content-Type" }?.1 ?? "text/plain"
            return String(value.prefix { $0 != ";" })
        case .multipart(let subtype, _, _):
            return "multipart/\(subtype)"
        }
    }

    func write(into output: inout [UInt8], boundaries: inout BoundaryFactory) {
        switch self {
        case .leaf(let headers, let body):
            for (name, value) in headers { output += Array(HeaderEncoding.line(name, value).utf8) }
            output += Array("\r\n".utf8)
            output += body
        case .multipart(let subtype, let parts, let type):
            let boundary = boundaries.next(String(subtype.prefix(3)))
            var value = "multipart/\(subtype); boundary=\"\(boundary)\""
            if let type { value += "; type=\"\(type)\"" }
            output += Array(HeaderEncoding.line("Content-Type", value).utf8)
            output += Array("\r\n".utf8)
            for part in parts {
                output += Array("--\(boundary)\r\n".utf8)
                part.write(into: &output, boundaries: &boundaries)
                output += Array("\r\n".utf8)
            }
            output += Array("--\(boundary)--\r\n".utf8)
        }
    }
}
