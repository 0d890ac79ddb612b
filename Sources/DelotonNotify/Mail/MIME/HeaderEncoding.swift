import Foundation

/// Header text as RFC 5322 and RFC 2047 require: 7-bit, no line breaks from the caller,
/// folded so that lines stay under 78 characters wherever a space allows it.
enum HeaderEncoding {
    /// RFC 5322's recommended limit; longer unbreakable tokens are still legal up to 998.
    static let lineLimit = 78
    /// An encoded-word may be at most 75 characters long (RFC 2047 §2).
    private static let encodedWordLimit = 75
    private static let encodedWordPrefix = "=?UTF-8?B?"

    /// `Name: value` folded, ending in CRLF.
    static func line(_ name: String, _ value: String) -> String {
        var lines: [String] = []
        var current = name + ":"
        var hasToken = false
        for token in value.split(separator: " ", omittingEmptySubsequences: true) {
            if hasToken, current.utf8.count + 1 + token.utf8.count > lineLimit {
                lines.append(current)
                current = ""
            }
            current += " " + token
            hasToken = true
        }
        lines.append(current)
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    /// Free text (Subject, custom headers): ASCII words stay readable, so a subject such as
    /// "Abnormal heart rate – Zoë" still contains its English words verbatim in the file;
    /// only runs of words that need it become encoded-words.
    static func unstructured(_ text: String) -> String {
        let words = sanitized(text).split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        var output: [String] = []
        var pending: [String] = []
        func flush() {
            guard !pending.isEmpty else { return }
            // The spaces between words of a run are encoded too: whitespace between two
            // adjacent encoded-words is dropped when decoding.
            output.append(contentsOf: encodedWords(pending.joined(separator: " ")))
            pending.removeAll()
        }
        for word in words {
            if needsEncoding(word) {
                pending.append(word)
            } else {
                flush()
                output.append(word)
            }
        }
        flush()
        return output.joined(separator: " ")
    }

    /// A display name, as a plain phrase, a quoted string, or encoded-words.
    static func phrase(_ text: String) -> String {
        let clean = sanitized(text).split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
        if clean.unicodeScalars.contains(where: { !$0.isASCII }) || clean.contains("=?") {
            return encodedWords(clean).joined(separator: " ")
        }
        if clean.utf8.allSatisfy({ isAtext($0) || $0 == UInt8(ascii: " ") }) { return clean }
        let escaped = clean.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
        return "\"\(escaped)\""
    }

    /// `Name <address>` pairs separated by commas, ready for `line(_:_:)`.
    static func addressList(_ addresses: [EmailAddress]) -> String {
        addresses.map(mailbox).joined(separator: ", ")
    }

    static func mailbox(_ address: EmailAddress) -> String {
        let bare = sanitized(address.address).replacingOccurrences(of: " ", with: "")
        guard let name = address.displayName, !sanitized(name).trimmingCharacters(in: .whitespaces).isEmpty else {
            return bare
        }
        return "\(phrase(name)) <\(bare)>"
    }

    /// A MIME parameter (`name="value"`), switching to RFC 2231 percent-encoding when the
    /// value is not plain ASCII, which is what mail readers expect for file names.
    static func parameter(_ name: String, _ value: String) -> String {
        let clean = sanitized(value)
        let isPlain = clean.utf8.allSatisfy { $0 >= 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") }
        if isPlain { return "\(name)=\"\(clean)\"" }
        var encoded = ""
        for byte in clean.utf8 {
            if isAlphanumeric(byte) || Array("!#$&+-.^_`|~".utf8).contains(byte) {
                encoded.unicodeScalars.append(UnicodeScalar(byte))
            } else {
                encoded += String(format: "%%%02X", byte)
            }
        }
        return "\(name)*=utf-8''\(encoded)"
    }

    /// Dates as RFC 5322 writes them, always in UTC so that the output does not depend on
    /// the machine's zone.
    static func date(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(secondsFromGMT: 0) ?? calendar.timeZone
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second, .weekday], from: date)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        let weekday = days[((parts.weekday ?? 1) - 1) % 7]
        let month = months[((parts.month ?? 1) - 1) % 12]
        func two(_ value: Int?) -> String { String(format: "%02d", value ?? 0) }
        let year = String(format: "%04d", parts.year ?? 1970)
        return "\(weekday), \(two(parts.day)) \(month) \(year) \(two(parts.hour)):\(two(parts.minute)):\(two(parts.second)) +0000"
    }

    /// Removes anything that could end a header early (CR, LF) or is invisible control noise;
    /// this is what makes caller-supplied text safe against header injection.
    static func sanitized(_ text: String) -> String {
        var result = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            if scalar.value < 0x20 || scalar.value == 0x7F {
                result.append(" ")
            } else {
                result.append(scalar)
            }
        }
        return String(result)
    }

    /// Encoded-words of at most 75 characters each, split between Unicode scalars so that
    /// every word decodes on its own.
    static func encodedWords(_ text: String) -> [String] {
        let maxBytes = (encodedWordLimit - encodedWordPrefix.utf8.count - 2) / 4 * 3
        var words: [String] = []
        var chunk: [UInt8] = []
        for scalar in text.unicodeScalars {
            let bytes = Array(String(scalar).utf8)
            if chunk.count + bytes.count > maxBytes {
                words.append(encodedWord(chunk))
                chunk.removeAll()
            }
            chunk += bytes
        }
        if !chunk.isEmpty || words.isEmpty { words.append(encodedWord(chunk)) }
        return words
    }

    private static func encodedWord(_ bytes: [UInt8]) -> String {
        encodedWordPrefix + Data(bytes).base64EncodedString() + "?="
    }

    private static func needsEncoding(_ word: String) -> Bool {
        word.unicodeScalars.contains { !$0.isASCII } || (word.contains("=?") && word.contains("?="))
    }

    private static func isAlphanumeric(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
    }

    private static func isAtext(_ byte: UInt8) -> Bool {
        isAlphanumeric(byte) || Array("!#$%&'*+-/=?^_`{|}~".utf8).contains(byte)
    }
}
