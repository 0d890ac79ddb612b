/// Takes email addresses out of text bound for a log line.
///
/// Log calls are written not to name riders, but some text comes from elsewhere: a mail
/// server's refusal quotes the recipient, a database error quotes the row it rejected. Logs
/// travel further than the warehouse (aggregators, tickets, screenshots), so the log handler
/// applies this to every message and metadata value as the last line of defence. Names and
/// postal addresses have no shape to recognise; keeping them out is up to the log calls.
public enum PersonalDataRedaction {
    public static let emailPlaceholder = "[email]"

    /// `text` with every `local@domain.tld` replaced by `[email]`.
    public static func redact(_ text: String) -> String {
        // Most lines hold no '@': they are returned untouched without any scan beyond this one.
        guard text.utf8.contains(UInt8(ascii: "@")) else { return text }
        let bytes = Array(text.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var copied = 0
        var i = 0
        while i < bytes.count {
            guard bytes[i] == UInt8(ascii: "@") else { i += 1; continue }
            var start = i
            while start > copied, isLocalPart(bytes[start - 1]) { start -= 1 }
            var end = i + 1
            while end < bytes.count, isDomainPart(bytes[end]) { end += 1 }
            // A domain ends in a letter label after a dot; trailing dots belong to the sentence.
            while end > i + 1, bytes[end - 1] == UInt8(ascii: ".") { end -= 1 }
            let domain = bytes[(i + 1)..<end]
            guard start < i, let dot = domain.lastIndex(of: UInt8(ascii: ".")), dot > i + 1, end - dot > 2 else {
                i += 1
                continue
            }
            out += bytes[copied..<start]
            out += Array(emailPlaceholder.utf8)
            copied = end
            i = end
        }
        out += bytes[copied...]
        return String(decoding: out, as: UTF8.self)
    }

    private static func isLocalPart(_ b: UInt8) -> Bool {
        isAlphanumeric(b) || "!#$%&'*+/=?^_`{|}~.-".utf8.contains(b)
    }

    private static func isDomainPart(_ b: UInt8) -> Bool {
        isAlphanumeric(b) || b == UInt8(ascii: ".") || b == UInt8(ascii: "-")
    }

    private static func isAlphanumeric(_ b: UInt8) -> Bool {
        (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b >= 0x80
    }
}
